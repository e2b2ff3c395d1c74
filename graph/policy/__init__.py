"""The measures catalogue: which sanctions reach whom, as data."""

from graph.policy.catalogue import (
    DEFAULT_CATALOGUE_NAME,
    LISTING,
    Catalogue,
    LegalBasis,
    Measure,
    MeasureRule,
    Period,
    SanctionRule,
    TimeRule,
    add_months,
    default_catalogue_path,
    load_catalogue,
    parse_catalogue,
)

__all__ = [
    "DEFAULT_CATALOGUE_NAME",
    "LISTING",
    "Catalogue",
    "LegalBasis",
    "Measure",
    "MeasureRule",
    "Period",
    "SanctionRule",
    "TimeRule",
    "add_months",
    "default_catalogue_path",
    "load_catalogue",
    "parse_catalogue",
]
