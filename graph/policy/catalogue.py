"""The measures catalogue: a TOML file read into frozen rules.

Pydantic checks the file's shape at this edge only; callers receive the frozen
dataclasses below. Every error is a ``PolicyError`` whose message starts with
``file:line:`` so that the person editing the catalogue can jump to the spot.

Dates move by calendar months: a period of N years is 12*N months, and a day that
does not exist in the target month is clamped to the month's last day (2024-02-29
plus one year is 2025-02-28; 2024-01-31 plus one month is 2024-02-29).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from graph.errors import PolicyError
from graph.model import RoleType
from graph.policy.lines import LineIndex as _LineIndex
from graph.policy.lines import read_policy_text, validate_toml

DEFAULT_CATALOGUE_NAME = "measures.toml"

_KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
_PERIOD_PATTERN = re.compile(r"^(?:(?P<years>\d+)y)?(?:(?P<months>\d+)m)?$")
LISTING = "listing"  # a measure that lasts exactly as long as the listing is displayed


class TimeRule(StrEnum):
    """Which role holders an enterprise sanction reaches, by the dates of their role.

    ``at_violation``: the role was held on the violation date (the decision date when
    the violation date is unknown). ``at_decision``: the role was held on the decision
    date. ``within_years_before_decision``: the role was held on at least one day of
    the closed window [decided_on - N years, decided_on].
    """

    AT_VIOLATION = "at_violation"
    AT_DECISION = "at_decision"
    WITHIN_YEARS_BEFORE_DECISION = "within_years_before_decision"


@dataclass(frozen=True, slots=True)
class Period:
    """A length of time in whole calendar years and months (e.g. ``1y6m``)."""

    years: int = 0
    months: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read ``3y``, ``6m``, ``1y6m`` or ``0``; raise ValueError otherwise."""
        if text == "0":
            return cls()
        match = _PERIOD_PATTERN.match(text)
        if not text or match is None:
            msg = f"period {text!r} is not of the form 3y, 6m, 1y6m or 0"
            raise ValueError(msg)
        return cls(int(match["years"] or 0), int(match["months"] or 0))

    @property
    def total_months(self) -> int:
        """The period as a number of months."""
        return self.years * 12 + self.months

    def after(self, day: date) -> date:
        """``day`` moved forward by this period (month-end clamping)."""
        return add_months(day, self.total_months)

    def before(self, day: date) -> date:
        """``day`` moved back by this period (month-end clamping)."""
        return add_months(day, -self.total_months)

    def __str__(self) -> str:
        if not self.total_months:
            return "0"
        text = f"{self.years}y" if self.years else ""
        return text + (f"{self.months}m" if self.months else "")


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months; a missing day clamps to month end.

    2024-02-29 + 12 months = 2025-02-28; 2023-03-31 - 1 month = 2023-02-28.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


@dataclass(frozen=True, slots=True)
class LegalBasis:
    """One legal source of a rule, cited in Chinese and English."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Measure:
    """A kind of restriction on a person and the roles it bars them from taking.

    ``bars`` drives the appointment check: appointing a person to role R is blocked
    by a restriction in force whose measure bars R. An empty ``bars`` (e.g. a
    consumption restriction) never blocks an appointment.
    """

    key: str
    name_zh: str
    name_en: str
    bars: tuple[RoleType, ...] = ()
    execute_within_days: int | None = None  # deadline of a department's feedback


@dataclass(frozen=True, slots=True)
class MeasureRule:
    """How one measure of a sanction type applies.

    ``roles`` are the liable roles of the sanctioned enterprise (empty for a measure
    applied directly to a sanctioned person). ``lasts`` is a fixed period from the
    decision date, or None for "while the listing is displayed". With
    ``other_enterprises_only`` the bar does not apply to the sanctioned enterprise
    itself. With ``survives_repair`` a credit repair does not lift the measure.
    """

    measure: Measure
    roles: tuple[RoleType, ...]
    lasts: Period | None
    other_enterprises_only: bool = False
    survives_repair: bool = False
    example: bool = False
    note_zh: str = ""
    note_en: str = ""


@dataclass(frozen=True, slots=True)
class SanctionRule:
    """Everything the catalogue says about one sanction type.

    ``years`` is the N of ``within_years_before_decision`` and None otherwise.
    ``display`` is the display period (公示期) from the decision date, used when a
    sanction has no ``display_until``; ``min_repair`` is the time from the decision
    date before a credit repair may lift the sanction. ``example`` marks a type that
    illustrates the format rather than stating a national rule.
    """

    sanction_type: str
    name_zh: str
    name_en: str
    time_rule: TimeRule
    years: int | None
    display: Period
    min_repair: Period
    basis: tuple[LegalBasis, ...]
    role_measures: tuple[MeasureRule, ...] = ()
    direct_measures: tuple[MeasureRule, ...] = ()
    example: bool = False
    note_zh: str = ""
    note_en: str = ""

    def liable_roles(self) -> tuple[RoleType, ...]:
        """The roles of a sanctioned enterprise some measure reaches, in enum order."""
        reached = {role for rule in self.role_measures for role in rule.roles}
        return tuple(role for role in RoleType if role in reached)

    def measures_for(self, role: RoleType) -> tuple[MeasureRule, ...]:
        """The measure rules reaching holders of ``role`` in a sanctioned enterprise."""
        return tuple(rule for rule in self.role_measures if role in rule.roles)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The whole catalogue: measures and sanction rules, read from ``source``."""

    source: str
    measures: tuple[Measure, ...]
    rules: tuple[SanctionRule, ...]

    def types(self) -> tuple[str, ...]:
        """The sanction types, sorted."""
        return tuple(sorted(rule.sanction_type for rule in self.rules))

    def get(self, sanction_type: str) -> SanctionRule | None:
        """The rule of ``sanction_type``, or None when the catalogue lacks the type."""
        for rule in self.rules:
            if rule.sanction_type == sanction_type:
                return rule
        return None

    def rule(self, sanction_type: str) -> SanctionRule:
        """The rule of ``sanction_type``; a type it lacks raises PolicyError."""
        rule = self.get(sanction_type)
        if rule is None:
            msg = f"{self.source}: unknown sanction type {sanction_type!r}"
            raise PolicyError(msg)
        return rule

    def measure(self, key: str) -> Measure:
        """The measure called ``key``; an unknown key is a PolicyError."""
        for measure in self.measures:
            if measure.key == key:
                return measure
        msg = f"{self.source}: unknown measure {key!r}"
        raise PolicyError(msg)


# --- the file's shape (pydantic, this edge only) ---------------------------------

_Key = Annotated[str, StringConstraints(pattern=_KEY_PATTERN)]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_PeriodText = Annotated[str, StringConstraints(pattern=r"^(0|\d+y(\d+m)?|\d+m)$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _MeasureSpec(_Strict):
    name_zh: _Text
    name_en: _Text
    bars: list[RoleType] = Field(default_factory=list)
    execute_within_days: int | None = Field(default=None, ge=0, le=3650)


class _BasisSpec(_Strict):
    zh: _Text
    en: _Text


class _RoleMeasureSpec(_Strict):
    measure: _Key
    roles: list[RoleType] = Field(min_length=1)
    lasts: _PeriodText | Literal["listing"]
    other_enterprises_only: bool = False
    survives_repair: bool = False
    example: bool = False
    note_zh: str = ""
    note_en: str = ""


class _DirectMeasureSpec(_Strict):
    measure: _Key
    lasts: _PeriodText | Literal["listing"]
    survives_repair: bool = False
    example: bool = False
    note_zh: str = ""
    note_en: str = ""


class _TypeSpec(_Strict):
    name_zh: _Text
    name_en: _Text
    time_rule: TimeRule
    years: int | None = Field(default=None, ge=0)
    display: _PeriodText
    min_repair: _PeriodText
    basis: list[_BasisSpec] = Field(min_length=1)
    example: bool = False
    note_zh: str = ""
    note_en: str = ""
    measures: list[_RoleMeasureSpec] = Field(default_factory=list)
    direct: list[_DirectMeasureSpec] = Field(default_factory=list)


class _CatalogueSpec(_Strict):
    version: Literal[1]
    measures: dict[_Key, _MeasureSpec]
    types: dict[_Key, _TypeSpec]


# --- loading ---------------------------------------------------------------------

_Loc = tuple[str | int, ...]


def default_catalogue_path() -> Path:
    """The path of the catalogue shipped with credlink."""
    return Path(str(resources.files("graph.policy").joinpath(DEFAULT_CATALOGUE_NAME)))


@lru_cache(maxsize=16)
def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and validate a catalogue file (default: the packaged ``measures.toml``).

    Results are cached per argument; call ``load_catalogue.cache_clear()`` after
    editing a file in a running process.
    """
    path = path or default_catalogue_path()
    return parse_catalogue(read_policy_text(path, "catalogue"), str(path))


def parse_catalogue(text: str, source: str) -> Catalogue:
    """Validate catalogue ``text`` read from ``source`` (a name used in messages)."""
    spec, lines = validate_toml(text, source, _CatalogueSpec)
    return _build(spec, source, lines)


def _fail(source: str, lines: _LineIndex, loc: _Loc, message: str) -> PolicyError:
    where = ".".join(str(part) for part in loc)
    return PolicyError(f"{source}:{lines.line_of(loc)}: {where}: {message}")


def _build(spec: _CatalogueSpec, source: str, lines: _LineIndex) -> Catalogue:
    measures = {
        key: Measure(
            key=key,
            name_zh=m.name_zh,
            name_en=m.name_en,
            bars=tuple(role for role in RoleType if role in m.bars),
            execute_within_days=m.execute_within_days,
        )
        for key, m in spec.measures.items()
    }
    for key, m in spec.measures.items():
        if len(set(m.bars)) != len(m.bars):
            raise _fail(source, lines, ("measures", key, "bars"), "a role is repeated")
    rules = []
    for type_key, t in spec.types.items():
        rules.append(_build_rule(type_key, t, measures, source, lines))
    return Catalogue(
        source=source,
        measures=tuple(measures[key] for key in sorted(measures)),
        rules=tuple(sorted(rules, key=lambda rule: rule.sanction_type)),
    )


def _build_rule(
    type_key: str,
    t: _TypeSpec,
    measures: dict[str, Measure],
    source: str,
    lines: _LineIndex,
) -> SanctionRule:
    here: _Loc = ("types", type_key)
    windowed = t.time_rule is TimeRule.WITHIN_YEARS_BEFORE_DECISION
    if windowed and t.years is None:
        raise _fail(source, lines, here, f"time_rule {t.time_rule} needs years = N")
    if not windowed and t.years is not None:
        msg = f"years is only for {TimeRule.WITHIN_YEARS_BEFORE_DECISION}"
        raise _fail(source, lines, (*here, "years"), msg)
    display = Period.parse(t.display)
    min_repair = Period.parse(t.min_repair)
    if display.total_months == 0:
        raise _fail(source, lines, (*here, "display"), "display period must be > 0")
    if min_repair.total_months > display.total_months:
        msg = f"min_repair {min_repair} is longer than display {display}"
        raise _fail(source, lines, (*here, "min_repair"), msg)

    role_rules: list[MeasureRule] = []
    seen: set[tuple[str, RoleType]] = set()
    for index, entry in enumerate(t.measures):
        loc: _Loc = (*here, "measures", index)
        measure = _known_measure(entry.measure, measures, source, lines, loc)
        for role in entry.roles:
            if (entry.measure, role) in seen:
                msg = f"measure {entry.measure} already reaches {role} in this type"
                raise _fail(source, lines, (*loc, "roles"), msg)
            seen.add((entry.measure, role))
        if entry.other_enterprises_only and not measure.bars:
            msg = "other_enterprises_only needs a measure that bars a role"
            raise _fail(source, lines, (*loc, "other_enterprises_only"), msg)
        role_rules.append(
            MeasureRule(
                measure=measure,
                roles=tuple(role for role in RoleType if role in entry.roles),
                lasts=_lasts(entry.lasts),
                other_enterprises_only=entry.other_enterprises_only,
                survives_repair=entry.survives_repair,
                example=entry.example or t.example,
                note_zh=entry.note_zh,
                note_en=entry.note_en,
            )
        )
    direct_rules: list[MeasureRule] = []
    direct_seen: set[str] = set()
    for index, direct in enumerate(t.direct):
        loc = (*here, "direct", index)
        measure = _known_measure(direct.measure, measures, source, lines, loc)
        if direct.measure in direct_seen:
            msg = f"measure {direct.measure} is listed twice"
            raise _fail(source, lines, (*loc, "measure"), msg)
        direct_seen.add(direct.measure)
        direct_rules.append(
            MeasureRule(
                measure=measure,
                roles=(),
                lasts=_lasts(direct.lasts),
                survives_repair=direct.survives_repair,
                example=direct.example or t.example,
                note_zh=direct.note_zh,
                note_en=direct.note_en,
            )
        )
    return SanctionRule(
        sanction_type=type_key,
        name_zh=t.name_zh,
        name_en=t.name_en,
        time_rule=t.time_rule,
        years=t.years,
        display=display,
        min_repair=min_repair,
        basis=tuple(LegalBasis(zh=b.zh, en=b.en) for b in t.basis),
        role_measures=tuple(role_rules),
        direct_measures=tuple(direct_rules),
        example=t.example,
        note_zh=t.note_zh,
        note_en=t.note_en,
    )


def _known_measure(
    key: str, measures: dict[str, Measure], source: str, lines: _LineIndex, loc: _Loc
) -> Measure:
    measure = measures.get(key)
    if measure is None:
        known = ", ".join(sorted(measures)) or "none"
        msg = f"unknown measure {key!r} (known: {known})"
        raise _fail(source, lines, (*loc, "measure"), msg)
    return measure


def _lasts(text: str) -> Period | None:
    return None if text == LISTING else Period.parse(text)
