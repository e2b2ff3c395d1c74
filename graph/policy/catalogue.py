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
from dataclasses import dataclass, replace
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
class RepairCondition:
    """One condition a credit repair needs under a rule version."""

    key: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class RuleVersion:
    """A set of rules in force for records decided within [valid_from, valid_until].

    Both ends are inclusive days; None is open. A record follows the version in force
    on its **decision date** for its whole life (a decision taken in 2025 keeps the
    old rule after the new one takes effect). ``repair_conditions`` are what a repair
    needs under this version; the minimum period is checked by the lifecycle, the
    others are facts the officer attests when recording the repair.
    """

    key: str
    name_zh: str
    name_en: str
    valid_from: date | None
    valid_until: date | None
    basis: tuple[LegalBasis, ...]
    repair_conditions: tuple[RepairCondition, ...] = ()
    example: bool = False
    note_zh: str = ""
    note_en: str = ""

    def covers(self, day: date) -> bool:
        """Whether a record decided on ``day`` follows this version."""
        after_start = self.valid_from is None or self.valid_from <= day
        return after_start and (self.valid_until is None or day <= self.valid_until)

    def label(self) -> str:
        """``key (from..until)`` as explanations name it."""
        start = self.valid_from.isoformat() if self.valid_from else ""
        end = self.valid_until.isoformat() if self.valid_until else ""
        return f"{self.key} ({start}..{end})"


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
    """Everything the catalogue says about one sanction type under one rule version.

    ``version`` is the rule version the rule belongs to (None for a catalogue without
    versions); ``severity`` its tier there (minor, general, serious; empty when the
    version does not grade the type) and ``version_basis`` the texts that set the
    type's periods under that version.

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
    version: RuleVersion | None = None
    severity: str = ""
    version_basis: tuple[LegalBasis, ...] = ()

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
    versions: tuple[RuleVersion, ...] = ()
    in_force: tuple[InForce, ...] = ()

    def version_on(self, decided_on: date) -> RuleVersion | None:
        """The rule version a record decided on ``decided_on`` follows (None: none)."""
        for version in self.versions:
            if version.covers(decided_on):
                return version
        return None

    def types(self) -> tuple[str, ...]:
        """The sanction types, sorted."""
        return tuple(sorted(rule.sanction_type for rule in self.rules))

    def get(self, sanction_type: str) -> SanctionRule | None:
        """The rule of ``sanction_type``, or None when the catalogue lacks the type."""
        for rule in self.rules:
            if rule.sanction_type == sanction_type:
                return rule
        return None

    def rule(self, sanction_type: str, decided_on: date | None = None) -> SanctionRule:
        """The rule of ``sanction_type`` for a record decided on ``decided_on``.

        The rule version in force on the decision date applies (None: the first
        version). A type the catalogue lacks raises PolicyError.
        """
        rule = self.get(sanction_type)
        if rule is None:
            msg = f"{self.source}: unknown sanction type {sanction_type!r}"
            raise PolicyError(msg)
        if not self.versions:
            return rule
        version = (
            self.versions[0] if decided_on is None else self.version_on(decided_on)
        )
        if version is None:  # versions leave no gap (checked on load)
            return rule
        return _apply_in_force(self, rule, version)

    def measure(self, key: str) -> Measure:
        """The measure called ``key``; an unknown key is a PolicyError."""
        for measure in self.measures:
            if measure.key == key:
                return measure
        msg = f"{self.source}: unknown measure {key!r}"
        raise PolicyError(msg)


@dataclass(frozen=True, slots=True)
class InForce:
    """What a rule version changes in one sanction type: tier, periods, basis.

    None periods keep the type's own; ``basis`` cites the text that sets them.
    """

    sanction_type: str
    version: str
    severity: str = ""
    display: Period | None = None
    min_repair: Period | None = None
    basis: tuple[LegalBasis, ...] = ()
    example: bool = False
    note_zh: str = ""
    note_en: str = ""


def _apply_in_force(
    catalogue: Catalogue, rule: SanctionRule, version: RuleVersion
) -> SanctionRule:
    for entry in catalogue.in_force:
        if entry.sanction_type == rule.sanction_type and entry.version == version.key:
            return replace(
                rule,
                display=entry.display or rule.display,
                min_repair=entry.min_repair or rule.min_repair,
                version=version,
                severity=entry.severity,
                version_basis=entry.basis,
                example=rule.example or entry.example,
                note_zh=entry.note_zh or rule.note_zh,
                note_en=entry.note_en or rule.note_en,
            )
    return replace(rule, version=version)


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


class _ConditionSpec(_Strict):
    key: _Key
    zh: _Text
    en: _Text


class _VersionSpec(_Strict):
    name_zh: _Text
    name_en: _Text
    from_: date | None = Field(default=None, alias="from")
    until: date | None = None
    basis: list[_BasisSpec] = Field(min_length=1)
    repair_conditions: list[_ConditionSpec] = Field(default_factory=list)
    example: bool = False
    note_zh: str = ""
    note_en: str = ""


class _InForceSpec(_Strict):
    severity: Literal["minor", "general", "serious"] | None = None
    display: _PeriodText | None = None
    min_repair: _PeriodText | None = None
    basis: list[_BasisSpec] = Field(min_length=1)
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
    severity: Literal["minor", "general", "serious"] | None = None
    in_force: dict[_Key, _InForceSpec] = Field(default_factory=dict)


class _CatalogueSpec(_Strict):
    version: Literal[1]
    versions: dict[_Key, _VersionSpec] = Field(default_factory=dict)
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
    versions = _build_versions(spec, source, lines)
    in_force: list[InForce] = []
    for rule in sorted(rules, key=lambda rule: rule.sanction_type):
        t = spec.types[rule.sanction_type]
        for key in t.in_force:
            if key not in spec.versions:
                known = ", ".join(sorted(spec.versions)) or "none"
                loc: _Loc = ("types", rule.sanction_type, "in_force", key)
                msg = f"unknown rule version {key!r} (known: {known})"
                raise _fail(source, lines, loc, msg)
        for version in versions:
            in_force.append(_in_force_entry(rule, t, version, source, lines))
    return Catalogue(
        source=source,
        measures=tuple(measures[key] for key in sorted(measures)),
        rules=tuple(sorted(rules, key=lambda rule: rule.sanction_type)),
        versions=versions,
        in_force=tuple(in_force),
    )


def _build_versions(
    spec: _CatalogueSpec, source: str, lines: _LineIndex
) -> tuple[RuleVersion, ...]:
    """The rule versions, by start; they must not overlap and must leave no gap."""
    versions = [
        RuleVersion(
            key=key,
            name_zh=v.name_zh,
            name_en=v.name_en,
            valid_from=v.from_,
            valid_until=v.until,
            basis=tuple(LegalBasis(zh=b.zh, en=b.en) for b in v.basis),
            repair_conditions=tuple(
                RepairCondition(key=c.key, zh=c.zh, en=c.en)
                for c in v.repair_conditions
            ),
            example=v.example,
            note_zh=v.note_zh,
            note_en=v.note_en,
        )
        for key, v in spec.versions.items()
    ]
    versions.sort(key=lambda v: v.valid_from or date.min)
    for index, version in enumerate(versions):
        here: _Loc = ("versions", version.key)
        start, end = version.valid_from, version.valid_until
        if start is not None and end is not None and end < start:
            raise _fail(source, lines, (*here, "until"), f"until {end} is before from")
        if index == 0 and start is not None:
            msg = "the first rule version must have no `from` (records of any age)"
            raise _fail(source, lines, (*here, "from"), msg)
        if index == len(versions) - 1 and end is not None:
            msg = "the last rule version must have no `until` (records of any date)"
            raise _fail(source, lines, (*here, "until"), msg)
        if index > 0:
            before = versions[index - 1]
            if before.valid_until is None or start is None:
                msg = f"overlaps the rule version {before.key}"
                raise _fail(source, lines, here, msg)
            if start.toordinal() != before.valid_until.toordinal() + 1:
                msg = (
                    f"from {start} must be the day after {before.key}'s until "
                    f"{before.valid_until} (no gap, no overlap)"
                )
                raise _fail(source, lines, (*here, "from"), msg)
    return tuple(versions)


def _in_force_entry(
    rule: SanctionRule,
    t: _TypeSpec,
    version: RuleVersion,
    source: str,
    lines: _LineIndex,
) -> InForce:
    """The type's ``in_force`` entry for ``version`` (its base when it has none)."""
    entry = t.in_force.get(version.key)
    if entry is None:
        return InForce(rule.sanction_type, version.key, severity=t.severity or "")
    here: _Loc = ("types", rule.sanction_type, "in_force", version.key)
    display = Period.parse(entry.display) if entry.display else rule.display
    min_repair = Period.parse(entry.min_repair) if entry.min_repair else rule.min_repair
    if display.total_months == 0:
        raise _fail(source, lines, (*here, "display"), "display period must be > 0")
    if min_repair.total_months > display.total_months:
        msg = f"min_repair {min_repair} is longer than display {display}"
        raise _fail(source, lines, (*here, "min_repair"), msg)
    return InForce(
        sanction_type=rule.sanction_type,
        version=version.key,
        severity=entry.severity or t.severity or "",
        display=display,
        min_repair=min_repair,
        basis=tuple(LegalBasis(zh=b.zh, en=b.en) for b in entry.basis),
        example=entry.example,
        note_zh=entry.note_zh,
        note_en=entry.note_en,
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
