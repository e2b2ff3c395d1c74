"""Synthetic, reproducible registries for tests, demos and benchmarks.

``generate(out_dir, persons=N, enterprises=M, seed=S)`` writes persons, enterprises,
roles, sanctions and the ground truth as CSV files (see :mod:`.pipeline` for the
columns); :class:`RegistryStream` yields the same data row by row.
"""

from loaders.generator.config import (
    DEFAULT_SOURCES,
    REFERENCE_DATE,
    ROLE_SOURCE,
    Corruption,
    CorruptionRates,
    GeneratorConfig,
    SanctionRates,
    SanctionType,
    SourceProfile,
)
from loaders.generator.enterprises import EnterpriseStatus, TrueEnterprise, TrueRole
from loaders.generator.fingerprint import generator_fingerprint
from loaders.generator.persons import PersonRecord, TruePerson
from loaders.generator.pipeline import (
    HEADERS,
    GenerationSummary,
    RegistryStream,
    generate,
)

__all__ = [
    "DEFAULT_SOURCES",
    "HEADERS",
    "REFERENCE_DATE",
    "ROLE_SOURCE",
    "Corruption",
    "CorruptionRates",
    "EnterpriseStatus",
    "GenerationSummary",
    "GeneratorConfig",
    "PersonRecord",
    "RegistryStream",
    "SanctionRates",
    "SanctionType",
    "SourceProfile",
    "TrueEnterprise",
    "TruePerson",
    "TrueRole",
    "generate",
    "generator_fingerprint",
]
