"""credlink: api."""
