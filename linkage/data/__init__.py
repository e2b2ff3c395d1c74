"""Packaged reference data of the linkage rules."""
