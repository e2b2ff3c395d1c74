"""credlink: loaders."""
