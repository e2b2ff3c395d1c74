"""credlink: linkage."""
