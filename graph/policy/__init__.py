"""The measures catalogue: which sanctions reach whom, as data."""

from graph.policy.catalogue import (
    DEFAULT_CATALOGUE_NAME,
    LISTING,
    Catalogue,
    InForce,
    LegalBasis,
    Measure,
    MeasureRule,
    Period,
    RepairCondition,
    RuleVersion,
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
    "InForce",
    "LegalBasis",
    "Measure",
    "MeasureRule",
    "Period",
    "RepairCondition",
    "RuleVersion",
    "SanctionRule",
    "TimeRule",
    "add_months",
    "default_catalogue_path",
    "load_catalogue",
    "parse_catalogue",
]
