"""Knobs of the synthetic registry: corruption rates, source systems, sanction rates.

Every knob has a realistic default; tests raise rates to see rare cases at small N.
Nothing here reads the clock: "now" is :data:`REFERENCE_DATE` unless a caller
passes another date, so the same seed gives the same files on any day.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from typing import Final

REFERENCE_DATE: Final = date(2026, 1, 1)
"""The default "today" of a generated registry."""


class Corruption(StrEnum):
    """A way a source system spoils a person's ID number or name."""

    LEGACY_15 = "legacy_15"  # first-generation 15-digit number (births 1900-1999)
    LOWERCASE_X = "lowercase_x"  # check character X typed as x
    FULL_WIDTH = "full_width"  # digits and X typed full-width (０１２…Ｘ)
    SPACES = "spaces"  # spaces around or inside the number
    DIGIT_TYPO = "digit_typo"  # one digit mistyped
    DIGIT_SWAP = "digit_swap"  # two adjacent different digits swapped
    MISSING_ID = "missing_id"  # no number at all
    TRADITIONAL = "traditional"  # name written in traditional characters
    HOMOPHONE = "homophone"  # a name character replaced by one read the same
    NAME_TYPO = "name_typo"  # a name character replaced by one of another tone

    @property
    def preserves_id(self) -> bool:
        """Whether the spoiled number still normalises to the true number."""
        return self in _ID_PRESERVING

    @property
    def breaks_id(self) -> bool:
        """Whether the spoiled number is no longer the true number (nor valid)."""
        return self in _ID_BREAKING

    @property
    def touches_name(self) -> bool:
        """Whether the corruption spoils the name rather than the number."""
        return self in _NAME_CORRUPTIONS


_ID_PRESERVING: Final = frozenset(
    {
        Corruption.LEGACY_15,
        Corruption.LOWERCASE_X,
        Corruption.FULL_WIDTH,
        Corruption.SPACES,
    }
)
_ID_BREAKING: Final = frozenset({Corruption.DIGIT_TYPO, Corruption.DIGIT_SWAP})
_NAME_CORRUPTIONS: Final = frozenset(
    {Corruption.TRADITIONAL, Corruption.HOMOPHONE, Corruption.NAME_TYPO}
)


@dataclass(frozen=True, slots=True)
class CorruptionRates:
    """Chance per source record of each corruption, before a source's multipliers.

    ``lowercase_x`` applies to numbers that end in X only (one in eleven);
    ``legacy_15`` to mainland numbers of people born 1900-1999 only;
    ``traditional``, ``homophone`` and ``name_typo`` only where the name has a
    character to change. ``role_scale`` scales the ID corruptions of roles.csv.
    """

    legacy_15: float = 0.05
    lowercase_x: float = 0.35
    full_width: float = 0.02
    spaces: float = 0.03
    digit_typo: float = 0.01
    digit_swap: float = 0.005
    missing_id: float = 0.02
    traditional: float = 0.02
    homophone: float = 0.01
    name_typo: float = 0.005
    role_scale: float = 0.3

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if not 0.0 <= value <= (10.0 if spec.name == "role_scale" else 1.0):
                msg = f"rate {spec.name}={value} out of range"
                raise ValueError(msg)

    def rate(self, corruption: Corruption) -> float:
        """The base rate of ``corruption``."""
        value: float = getattr(self, corruption.value)
        return value


@dataclass(frozen=True, slots=True)
class SourceProfile:
    """A source system that holds person records, and how carefully it keeps them.

    ``weight``: relative chance that a person is on its books. ``demographics``:
    share of its rows with birth date and sex filled in. ``id_noise`` and
    ``name_noise`` multiply the ID and name corruption rates, ``legacy`` the
    legacy-15 rate (old registers keep more 15-digit numbers).
    """

    name: str
    prefix: str  # record ids are prefix + zero-padded counter
    weight: float
    demographics: float
    id_noise: float
    name_noise: float
    legacy: float


DEFAULT_SOURCES: Final = (
    SourceProfile("public_security", "PS", 0.9, 1.0, 0.1, 0.1, 0.0),
    SourceProfile("market_regulation", "MR", 1.0, 0.0, 1.0, 0.5, 2.0),
    SourceProfile("tax", "TX", 1.0, 0.3, 1.0, 1.0, 1.0),
    SourceProfile("social_insurance", "SI", 1.2, 0.9, 0.8, 1.0, 1.0),
    SourceProfile("court", "CT", 0.4, 0.6, 1.5, 2.0, 0.5),
)
"""The person sources of the default registry."""

ROLE_SOURCE: Final = SourceProfile("market_regulation", "MRR", 1.0, 0.0, 1.0, 0.0, 2.0)
"""The source of roles.csv rows (registrations of the market regulator)."""


class SanctionType(StrEnum):
    """Sanction types, keys of the measures catalogue in graph/policy/."""

    SERIOUS_ILLEGAL_DISHONEST = "serious_illegal_dishonest"
    DISHONEST_JUDGMENT_DEBTOR = "dishonest_judgment_debtor"
    MAJOR_TAX_VIOLATION = "major_tax_violation"
    ADMINISTRATIVE_PENALTY = "administrative_penalty"
    ABNORMAL_OPERATIONS = "abnormal_operations"


@dataclass(frozen=True, slots=True)
class SanctionRates:
    """Chance that one subject gets a sanction of a type (at most one per type).

    Enterprises whose licence was revoked (吊销) get ``revoked_factor`` times the
    enterprise rates: revocation and blacklisting go together.
    """

    enterprise: tuple[tuple[SanctionType, float], ...] = (
        (SanctionType.ABNORMAL_OPERATIONS, 0.06),
        (SanctionType.ADMINISTRATIVE_PENALTY, 0.03),
        (SanctionType.SERIOUS_ILLEGAL_DISHONEST, 0.008),
        (SanctionType.MAJOR_TAX_VIOLATION, 0.004),
        (SanctionType.DISHONEST_JUDGMENT_DEBTOR, 0.01),
    )
    person: tuple[tuple[SanctionType, float], ...] = (
        (SanctionType.DISHONEST_JUDGMENT_DEBTOR, 0.004),
        (SanctionType.ADMINISTRATIVE_PENALTY, 0.002),
        (SanctionType.MAJOR_TAX_VIOLATION, 0.0003),
    )
    revoked_factor: float = 4.0


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    """Everything but the sizes and the seed.

    ``source_counts``: relative weights of a person being in 1, 2, 3, 4 sources.
    ``permit_rate``: share of Hong Kong / Macau / Taiwan residence permit holders.
    ``local_share``: share of mainland people registered in Chengdu (5101),
    ``sichuan_share`` elsewhere in Sichuan; the rest anywhere in the country.
    ``busy_share``: share of role picks that go to the busiest 1 % of role holders
    (people with many offices). ``legacy_refs``: share of the role rows registered
    before credit codes (and of the enterprise sanctions decided before them) that
    name the enterprise by its organisation code or registration number, as the
    old registers do. ``pool_roles``: expected roles per role holder,
    which sizes the pool of role holders.
    """

    today: date = REFERENCE_DATE
    rates: CorruptionRates = field(default_factory=CorruptionRates)
    sources: tuple[SourceProfile, ...] = DEFAULT_SOURCES
    source_counts: tuple[float, float, float, float] = (0.55, 0.28, 0.12, 0.05)
    sanctions: SanctionRates = field(default_factory=SanctionRates)
    permit_rate: float = 0.005
    local_share: float = 0.45
    sichuan_share: float = 0.25
    busy_share: float = 0.15
    pool_roles: float = 2.5
    legacy_refs: float = 0.3

    def __post_init__(self) -> None:
        if len(self.sources) < len(self.source_counts):
            msg = "need at least as many sources as the largest source count"
            raise ValueError(msg)
        if len({s.name for s in self.sources}) != len(self.sources):
            msg = "source names must be unique"
            raise ValueError(msg)
        if len({s.prefix for s in self.sources}) != len(self.sources):
            msg = "source record prefixes must be unique"
            raise ValueError(msg)
