"""credlink: graph."""
