"""The measures catalogue: which sanctions reach whom, as data."""
