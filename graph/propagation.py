"""Pure propagation rules: from sanctions to restrictions on persons, as of a date.

Nothing here reads a store. Every function takes plain values and returns values in
a fixed order, so the embedded store, the Neo4j store (which restates these rules in
Cypher) and the differential tests can all be checked against this module.

Semantics (docs/policy.md has the long form):

* Role intervals are half-open [since, until); since=None is "since ever",
  until=None is "still held"; an interval with since >= until is never held.
* A sanction reaches the holders of a liable role whose interval meets the type's
  time rule: it overlaps the closed window given by ``liability_window``.
* A restriction is valid on day d when ``valid_from <= d < valid_until``, and in
  force when, in addition, its sanction is ACTIVE on d (or REPAIRED on d and the
  measure survives repair). ``valid_from`` is the decision date; ``valid_until`` is
  the decision date plus the measure's fixed period, or the end of display.
* The end of display is ``display_until`` when the sanction has one (the first day
  it is no longer shown), else the decision date plus the type's display period.
* Lifecycle events are dated; the status on day d replays the events dated <= d.
  Corrections are retroactive: they fix the record, so every read uses the
  corrected sanction (the old values stay in the event for audit).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from graph.bounds import DateKind, date_bound_problem, date_horizon
from graph.errors import EntityNotFoundError, LifecycleError, PolicyError
from graph.model import (
    CORRECTABLE_FIELDS,
    EntityKind,
    Role,
    RoleType,
    Sanction,
    SanctionStatus,
)
from graph.policy.catalogue import (
    Catalogue,
    MeasureRule,
    Period,
    SanctionRule,
    TimeRule,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

ROLE_NAMES_ZH: dict[RoleType, str] = {
    RoleType.LEGAL_REPRESENTATIVE: "法定代表人",
    RoleType.DIRECTOR: "董事",
    RoleType.SUPERVISOR: "监事",
    RoleType.SENIOR_MANAGER: "高级管理人员",
    RoleType.SHAREHOLDER: "股东",
}

_OPTIONAL_DATES = frozenset({"violation_date", "display_until"})


class EventKind(StrEnum):
    """What happened to a sanction: the lifecycle transitions that have a date."""

    REPAIR = "repair"  # 信用修复 / 提前移出: ACTIVE -> REPAIRED
    OBJECT = "object"  # 异议 lodged: ACTIVE -> SUSPENDED
    UPHOLD = "uphold"  # objection upheld: SUSPENDED -> REVOKED
    REJECT = "reject"  # objection rejected: SUSPENDED -> ACTIVE
    CORRECT = "correct"  # fields replaced; status unchanged


@dataclass(frozen=True, slots=True)
class SanctionEvent:
    """One dated lifecycle event, with who recorded it and why.

    ``changes`` (corrections only) are (field, new value) pairs; dates are ISO
    strings and "" clears an optional date. ``seq`` orders events of one day; it is
    assigned by ``apply_event``.
    """

    sanction_id: str
    kind: EventKind
    on: date
    by: str
    reason: str
    changes: tuple[tuple[str, str], ...] = ()
    seq: int = 0


@dataclass(frozen=True, slots=True)
class RestrictionChain:
    """Why a restriction exists: sanction -> subject -> role and its interval -> person.

    For a sanction against a person directly the role fields are None and the
    source fields are empty.
    """

    sanction_id: str
    sanction_type: str
    authority: str
    decision_no: str
    decided_on: date
    subject_kind: EntityKind
    subject_id: str
    role: RoleType | None = None
    role_since: date | None = None
    role_until: date | None = None
    role_id: str | None = None
    source: str = ""
    record_id: str = ""


class RestrictionStatus(StrEnum):
    """Where a restriction stands on a day, and why (see ``restriction_lifecycle``)."""

    NOT_YET = "not_yet"  # the day is before the decision
    IN_FORCE = "in_force"
    CORRECTED = "corrected"  # in force as its sanction was corrected
    SUSPENDED = "suspended"  # an objection is pending
    REPAIRED = "repaired"  # credit repair ended it
    REVOKED = "revoked"  # an upheld objection ended it
    EXPIRED = "expired"  # its period ran out


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """A restriction's status on a day, since when, the event behind it (None when
    its dates alone decide), and its effective end: ``valid_until``, or the day a
    repair or an upheld objection ended it earlier."""

    status: RestrictionStatus
    since: date | None
    ends_on: date
    event: SanctionEvent | None = None


@dataclass(frozen=True, slots=True)
class Restriction:
    """A measure on one person, derived from one sanction, valid over [from, until).

    ``bars`` are the roles the person may not be appointed to while it is in force;
    ``except_enterprise`` is the one enterprise where the bar does not apply (the
    sanctioned enterprise, for bars on serving "another enterprise").
    """

    restriction_id: str
    sanction_id: str
    person_id: str
    measure: str
    bars: tuple[RoleType, ...]
    valid_from: date
    valid_until: date
    chain: RestrictionChain
    rule: str
    explanation_zh: str
    explanation_en: str
    except_enterprise: str | None = None
    survives_repair: bool = False
    example: bool = False
    lifecycle: Lifecycle | None = None  # set by reads, as of their day

    def valid_on(self, day: date) -> bool:
        """Whether ``day`` lies in [valid_from, valid_until) (status not considered)."""
        return self.valid_from <= day < self.valid_until

    def bars_appointment(self, role: RoleType, enterprise_code: str) -> bool:
        """Whether this restriction forbids taking ``role`` in ``enterprise_code``."""
        return role in self.bars and enterprise_code != self.except_enterprise


@dataclass(frozen=True, slots=True)
class AppointmentCheck:
    """The answer to "may this person take this role here on this day?"."""

    allowed: bool
    blocking: tuple[Restriction, ...] = ()


# --- dates -------------------------------------------------------------------------


def display_end(sanction: Sanction, rule: SanctionRule) -> date:
    """The first day the sanction is no longer displayed.

    ``display_until`` when set, else the decision date plus the display period.
    """
    if sanction.display_until is not None:
        return sanction.display_until
    return rule.display.after(sanction.decided_on)


def earliest_repair(sanction: Sanction, rule: SanctionRule) -> date:
    """The first day a repair may lift the sanction: decision date + minimum period."""
    return rule.min_repair.after(sanction.decided_on)


def liability_window(sanction: Sanction, rule: SanctionRule) -> tuple[date, date]:
    """The closed window [first, last] a liable role must overlap.

    ``at_violation``: the violation date (the decision date when it is unknown);
    ``at_decision``: the decision date; ``within_years_before_decision``:
    [decided_on - N years, decided_on], with Feb 29 clamped to Feb 28.
    """
    if rule.time_rule is TimeRule.AT_VIOLATION:
        day = sanction.violation_date or sanction.decided_on
        return day, day
    if rule.time_rule is TimeRule.AT_DECISION:
        return sanction.decided_on, sanction.decided_on
    years = rule.years or 0
    return Period(years=years).before(sanction.decided_on), sanction.decided_on


def role_overlaps(role: Role, first: date, last: date) -> bool:
    """Whether the half-open role interval meets at least one day of [first, last].

    An interval with since >= until is empty and meets nothing.
    """
    if role.since is not None and role.until is not None and role.since >= role.until:
        return False
    starts_in_time = role.since is None or role.since <= last
    lasts_long_enough = role.until is None or role.until > first
    return starts_in_time and lasts_long_enough


def role_meets_time_rule(role: Role, sanction: Sanction, rule: SanctionRule) -> bool:
    """Whether ``role`` makes its holder liable for ``sanction`` by the time rule."""
    return role_overlaps(role, *liability_window(sanction, rule))


# --- derivation --------------------------------------------------------------------

DATES_OUT_OF_RANGE = (
    "a date derived from it (liability window, end of display or of a measure) "
    "falls outside 0001-01-01..9999-12-31"
)
"""Why a sanction is set aside when its dates cannot be derived; the Neo4j store
sets the same text, so both stores report it alike."""


def derivation_problem(sanction: Sanction, rule: SanctionRule) -> str | None:
    """Why no restriction can be derived for ``sanction``, or None when they can.

    Every date the derivation may compute is tried, whoever the sanction reaches:
    the liability window, the end of display and the end of each measure of the
    subject's kind. One that falls outside what a date holds sets the sanction
    aside (:data:`DATES_OUT_OF_RANGE`) instead of stopping the derivation of the
    others. The loaders refuse such dates at the door; this guards stores written
    before that, and corrections.
    """
    measures = (
        rule.direct_measures
        if sanction.subject_kind is EntityKind.PERSON
        else rule.role_measures
    )
    try:
        liability_window(sanction, rule)
        display_end(sanction, rule)
        for measure_rule in measures:
            if measure_rule.lasts is not None:
                measure_rule.lasts.after(sanction.decided_on)
    except (ValueError, OverflowError):
        return DATES_OUT_OF_RANGE
    return None


def derive_restrictions(
    sanction: Sanction, roles_of_subject: Iterable[Role], rule: SanctionRule
) -> list[Restriction]:
    """All restrictions one sanction yields, whatever its status, sorted by id.

    For an enterprise subject, ``roles_of_subject`` are the roles in that enterprise
    (roles of other enterprises are ignored); each role whose type a measure reaches
    and whose interval meets the time rule yields one restriction per measure. For a
    person subject, the type's direct measures apply to that person and the roles
    are ignored. Restrictions with an empty validity (valid_until <= valid_from) are
    left out. Deriving is idempotent: repeated roles give the same result.
    """
    if rule.sanction_type != sanction.type:
        msg = f"rule {rule.sanction_type!r} given for a {sanction.type!r} sanction"
        raise PolicyError(msg)
    found: dict[str, Restriction] = {}
    if sanction.subject_kind is EntityKind.ENTERPRISE:
        first, last = liability_window(sanction, rule)
        for role in sorted(roles_of_subject, key=_role_order):
            if role.credit_code != sanction.subject_id:
                continue
            if not role_overlaps(role, first, last):
                continue
            for measure_rule in rule.measures_for(role.role):
                restriction = _restriction(sanction, rule, measure_rule, role)
                found.setdefault(restriction.restriction_id, restriction)
    else:
        for measure_rule in rule.direct_measures:
            restriction = _restriction(sanction, rule, measure_rule, None)
            found.setdefault(restriction.restriction_id, restriction)
    return [
        found[key]
        for key in sorted(found)
        if found[key].valid_from < found[key].valid_until
    ]


def propagate_sanctions(
    sanctions: Iterable[Sanction], roles: Iterable[Role], catalogue: Catalogue
) -> list[Restriction]:
    """Derive the restrictions of every sanction against every role, sorted by id.

    A sanction whose type the catalogue lacks raises PolicyError.
    """
    by_enterprise: dict[str, list[Role]] = {}
    for role in roles:
        by_enterprise.setdefault(role.credit_code, []).append(role)
    derived: list[Restriction] = []
    for sanction in sanctions:
        subject_roles = by_enterprise.get(sanction.subject_id, [])
        rule = catalogue.rule(sanction.type, sanction.decided_on)
        derived.extend(derive_restrictions(sanction, subject_roles, rule))
    return sorted(derived, key=lambda r: r.restriction_id)


# --- stored facts ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RestrictionFact:
    """A restriction as a store keeps it: the minimum to rebuild it and filter by date.

    ``role_id`` is the role that reached the person (None for a direct measure).
    Chains and explanations are never stored: ``build_restriction`` rebuilds them
    from the sanction, the catalogue rule and the role as they stand.
    """

    restriction_id: str
    sanction_id: str
    person_id: str
    measure: str
    role_id: str | None
    valid_from: date
    valid_until: date


@dataclass(frozen=True, slots=True)
class PropagationReport:
    """What one propagation run did: sanctions derived anew, facts written/removed.

    Only differences are written: ``restrictions_written`` counts facts created or
    whose dates changed, ``restrictions_removed`` stale facts deleted. ``skipped``
    are the ids (sorted, at most 100) of sanctions left as they were because the
    catalogue lacks their type: nothing can be derived for them. ``set_aside`` are
    the sanctions (id, error; sorted, at most 100) the store holds as set aside:
    their derivation failed, their facts stay as they were and every other
    sanction was derived (see :func:`derivation_problem`).
    """

    sanctions: int
    restrictions_written: int
    restrictions_removed: int
    seconds: float
    skipped: tuple[str, ...] = ()
    set_aside: tuple[tuple[str, str], ...] = ()


def restriction_fact(restriction: Restriction) -> RestrictionFact:
    """The stored form of ``restriction``."""
    return RestrictionFact(
        restriction_id=restriction.restriction_id,
        sanction_id=restriction.sanction_id,
        person_id=restriction.person_id,
        measure=restriction.measure,
        role_id=restriction.chain.role_id,
        valid_from=restriction.valid_from,
        valid_until=restriction.valid_until,
    )


def build_restriction(
    sanction: Sanction, rule: SanctionRule, measure_key: str, role: Role | None
) -> Restriction:
    """Rebuild one restriction, chain and explanations included, from stored facts.

    ``role`` is the role that reached the person, None for a direct measure. It is
    the construction ``derive_restrictions`` uses, so a rebuilt restriction equals
    the derived one. Raises PolicyError when ``rule`` has no such measure for that
    role: the catalogue changed after the facts were derived (propagate in full).
    """
    if rule.sanction_type != sanction.type:
        msg = f"rule {rule.sanction_type!r} given for a {sanction.type!r} sanction"
        raise PolicyError(msg)
    candidates = rule.direct_measures if role is None else rule.measures_for(role.role)
    for measure_rule in candidates:
        if measure_rule.measure.key == measure_key:
            return _restriction(sanction, rule, measure_rule, role)
    reached = "directly" if role is None else f"through the role {role.role}"
    msg = (
        f"the catalogue's {rule.sanction_type} has no measure {measure_key!r} "
        f"reaching a person {reached}; it changed since propagation: propagate in full"
    )
    raise PolicyError(msg)


def _role_order(role: Role) -> tuple[str, str, str, str]:
    until = role.until.isoformat() if role.until else "~"
    return (role.role_id, until, role.source, role.record_id)


def _restriction(
    sanction: Sanction,
    rule: SanctionRule,
    measure_rule: MeasureRule,
    role: Role | None,
) -> Restriction:
    measure = measure_rule.measure
    person_id = role.person_id if role is not None else sanction.subject_id
    role_id = role.role_id if role is not None else None
    valid_from = sanction.decided_on
    if measure_rule.lasts is not None:
        valid_until = measure_rule.lasts.after(sanction.decided_on)
    else:
        valid_until = display_end(sanction, rule)
    except_enterprise = (
        sanction.subject_id if measure_rule.other_enterprises_only else None
    )
    chain = RestrictionChain(
        sanction_id=sanction.sanction_id,
        sanction_type=sanction.type,
        authority=sanction.authority,
        decision_no=sanction.decision_no,
        decided_on=sanction.decided_on,
        subject_kind=sanction.subject_kind,
        subject_id=sanction.subject_id,
        role=role.role if role is not None else None,
        role_since=role.since if role is not None else None,
        role_until=role.until if role is not None else None,
        role_id=role_id,
        source=role.source if role is not None else "",
        record_id=role.record_id if role is not None else "",
    )
    reached = role.role.value if role is not None else "direct"
    lasts = str(measure_rule.lasts) if measure_rule.lasts is not None else "listing"
    rule_text = (
        f"{rule.sanction_type} -> {measure.key} "
        f"({reached}, {rule.time_rule.value}, lasts {lasts})"
    )
    if rule.version is not None:
        rule_text += f" [{rule.version.key}]"
    zh, en = _explain(sanction, rule, measure_rule, role, valid_from, valid_until)
    return Restriction(
        restriction_id="|".join(
            (sanction.sanction_id, person_id, measure.key, role_id or "direct")
        ),
        sanction_id=sanction.sanction_id,
        person_id=person_id,
        measure=measure.key,
        bars=measure.bars,
        valid_from=valid_from,
        valid_until=valid_until,
        chain=chain,
        rule=rule_text,
        explanation_zh=zh,
        explanation_en=en,
        except_enterprise=except_enterprise,
        survives_repair=measure_rule.survives_repair,
        example=measure_rule.example,
    )


def _explain(
    sanction: Sanction,
    rule: SanctionRule,
    measure_rule: MeasureRule,
    role: Role | None,
    valid_from: date,
    valid_until: date,
) -> tuple[str, str]:
    measure = measure_rule.measure
    basis_zh = "".join(basis.zh for basis in rule.basis)
    basis_en = " ".join(basis.en for basis in rule.basis)
    listed_zh = (
        f"{sanction.authority}于{sanction.decided_on.isoformat()}作出决定"
        f"（{sanction.decision_no}），将{_subject_zh(sanction)}列入{rule.name_zh}。"
    )
    listed_en = (
        f"On {sanction.decided_on.isoformat()} {sanction.authority} put "
        f"{_subject_en(sanction)} on the {rule.name_en} "
        f"(decision {sanction.decision_no})."
    )
    if role is None:
        reach_zh = "该人员本人即被列入者。"
        reach_en = "The person is the listed subject."
    else:
        since_zh = role.since.isoformat() if role.since else "不详日期"
        until_zh = f"{role.until.isoformat()}（不含）" if role.until else "今"
        since_en = role.since.isoformat() if role.since else "an unknown date"
        until_en = f"before {role.until.isoformat()}" if role.until else "now"
        when_zh, when_en = _time_rule_text(sanction, rule)
        reach_zh = (
            f"该人员自{since_zh}至{until_zh}担任该企业{ROLE_NAMES_ZH[role.role]}，"
            f"{when_zh}。"
        )
        reach_en = (
            f"The person was its {role.role.value.replace('_', ' ')} from {since_en} "
            f"until {until_en}, {when_en}."
        )
    scope_zh = "（所涉企业本身除外）" if measure_rule.other_enterprises_only else ""
    scope_en = " (not in the listed enterprise itself)" if scope_zh else ""
    example_zh = "本项为示例规则，并非国家规定。" if measure_rule.example else ""
    example_en = " This entry is an example, not a national rule." if example_zh else ""
    version_zh, version_en = version_text(rule)
    zh = (
        f"{listed_zh}{reach_zh}措施：{measure.name_zh}{scope_zh}，"
        f"自{valid_from.isoformat()}起至{valid_until.isoformat()}前。"
        f"{example_zh}{version_zh}依据：{basis_zh}"
    )
    en = (
        f"{listed_en} {reach_en} Measure: {measure.name_en}{scope_en}, "
        f"from {valid_from.isoformat()} until before {valid_until.isoformat()}."
        f"{example_en}{version_en} Basis: {basis_en}"
    )
    return zh, en


def version_text(rule: SanctionRule) -> tuple[str, str]:
    """The sentence naming the rule version a record follows (by its decision date),
    with its tier, display and minimum repair periods; empty without versions."""
    version = rule.version
    if version is None:
        return "", ""
    tier_zh = {"minor": "轻微", "general": "一般", "serious": "严重"}.get(
        rule.severity, ""
    )
    grade_zh = f"，属{tier_zh}失信信息" if tier_zh else ""
    grade_en = f", graded {rule.severity}" if rule.severity else ""
    basis_zh = "".join(basis.zh for basis in rule.version_basis)
    basis_en = " ".join(basis.en for basis in rule.version_basis)
    zh = (
        f"按决定日期适用规则版本{version.label()}：{version.name_zh}{grade_zh}，"
        f"公示期{rule.display}，最短修复期{rule.min_repair}。{basis_zh}"
    )
    en = (
        f" Rule version by decision date: {version.label()}, {version.name_en}"
        f"{grade_en}; display {rule.display}, minimum repair period "
        f"{rule.min_repair}.{' ' + basis_en if basis_en else ''}"
    )
    return zh, en


def _subject_zh(sanction: Sanction) -> str:
    if sanction.subject_kind is EntityKind.ENTERPRISE:
        return f"企业（统一社会信用代码{sanction.subject_id}）"
    return "该人员"


def _subject_en(sanction: Sanction) -> str:
    if sanction.subject_kind is EntityKind.ENTERPRISE:
        return f"the enterprise with credit code {sanction.subject_id}"
    return "the person"


def _time_rule_text(sanction: Sanction, rule: SanctionRule) -> tuple[str, str]:
    first, last = liability_window(sanction, rule)
    if rule.time_rule is TimeRule.AT_VIOLATION:
        if sanction.violation_date is None:
            return (
                f"违法日期不详，按决定之日（{first.isoformat()}）在任",
                f"in office on the decision date {first.isoformat()} "
                "(the violation date is unknown)",
            )
        return (
            f"违法行为发生之日（{first.isoformat()}）在任",
            f"in office on the violation date {first.isoformat()}",
        )
    if rule.time_rule is TimeRule.AT_DECISION:
        return (
            f"决定作出之日（{first.isoformat()}）在任",
            f"in office on the decision date {first.isoformat()}",
        )
    return (
        f"决定作出前{rule.years}年内（{first.isoformat()}至{last.isoformat()}）曾在任",
        f"in office at some time from {first.isoformat()} to {last.isoformat()} "
        f"({rule.years} years before the decision)",
    )


# --- lifecycle and reads as of a date -----------------------------------------------


_EFFECT: dict[EventKind, SanctionStatus | None] = {
    EventKind.REPAIR: SanctionStatus.REPAIRED,
    EventKind.OBJECT: SanctionStatus.SUSPENDED,
    EventKind.UPHOLD: SanctionStatus.REVOKED,
    EventKind.REJECT: SanctionStatus.ACTIVE,
    EventKind.CORRECT: None,
}


def _ordered(
    sanction: Sanction, events: Iterable[SanctionEvent]
) -> list[SanctionEvent]:
    mine = [event for event in events if event.sanction_id == sanction.sanction_id]
    return sorted(mine, key=lambda event: (event.on, event.seq))


def sanction_state_on(
    sanction: Sanction, events: Iterable[SanctionEvent], day: date
) -> SanctionStatus:
    """The sanction's status on ``day``: its events dated on or before ``day`` replayed.

    With no events at all, ``sanction.status`` is taken to hold on every day (a
    status loaded without a dated history). Otherwise replay starts from ACTIVE.
    """
    history = _ordered(sanction, events)
    if not history:
        return sanction.status
    state = SanctionStatus.ACTIVE
    for event in history:
        if event.on > day:
            break
        state = _EFFECT[event.kind] or state
    return state


def restriction_lifecycle(
    restriction: Restriction,
    sanction: Sanction,
    events: Iterable[SanctionEvent],
    day: date,
) -> Lifecycle:
    """The restriction's status on ``day`` and its effective end.

    The end is ``valid_until`` unless a recorded repair (for a measure that does not
    survive repair) or an upheld objection ends it earlier, whatever the day asked
    about: an officer sees a repair dated after ``day`` as well. On ``day`` it is
    ended (repaired, revoked, expired) once the end is reached, else suspended while
    an objection is pending, else in force (corrected when the last event on or
    before ``day`` is a correction). A sanction loaded with a non-ACTIVE status and
    no history has that status, with no date.
    """
    history = _ordered(sanction, events)
    if not history and sanction.status is not SanctionStatus.ACTIVE:
        return Lifecycle(_LOADED_STATUS[sanction.status], None, restriction.valid_until)
    ends_on, ended_by = restriction.valid_until, None
    for event in history:
        ends = event.kind is EventKind.UPHOLD or (
            event.kind is EventKind.REPAIR and not restriction.survives_repair
        )
        if ends and event.on < ends_on:
            ends_on, ended_by = max(event.on, restriction.valid_from), event
            break
    if day < restriction.valid_from:
        return Lifecycle(RestrictionStatus.NOT_YET, restriction.valid_from, ends_on)
    if day >= ends_on:
        if ended_by is None:
            return Lifecycle(RestrictionStatus.EXPIRED, ends_on, ends_on)
        status = (
            RestrictionStatus.REVOKED
            if ended_by.kind is EventKind.UPHOLD
            else RestrictionStatus.REPAIRED
        )
        return Lifecycle(status, ends_on, ends_on, ended_by)
    past = [event for event in history if event.on <= day]
    last = past[-1] if past else None
    if sanction_state_on(sanction, history, day) is SanctionStatus.SUSPENDED:
        return Lifecycle(RestrictionStatus.SUSPENDED, _on(last), ends_on, last)
    if last is not None and last.kind is EventKind.CORRECT:
        return Lifecycle(RestrictionStatus.CORRECTED, last.on, ends_on, last)
    return Lifecycle(
        RestrictionStatus.IN_FORCE,
        last.on if last is not None else restriction.valid_from,
        ends_on,
        last,
    )


_LOADED_STATUS: dict[SanctionStatus, RestrictionStatus] = {
    SanctionStatus.ACTIVE: RestrictionStatus.IN_FORCE,
    SanctionStatus.SUSPENDED: RestrictionStatus.SUSPENDED,
    SanctionStatus.REPAIRED: RestrictionStatus.REPAIRED,
    SanctionStatus.REVOKED: RestrictionStatus.REVOKED,
}


def _on(event: SanctionEvent | None) -> date | None:
    return event.on if event is not None else None


def with_lifecycle(
    restriction: Restriction,
    sanction: Sanction,
    events: Iterable[SanctionEvent],
    day: date,
) -> Restriction:
    """``restriction`` carrying its lifecycle on ``day``."""
    lifecycle = restriction_lifecycle(restriction, sanction, events, day)
    return replace(restriction, lifecycle=lifecycle)


def is_displayed_on(
    sanction: Sanction,
    events: Iterable[SanctionEvent],
    rule: SanctionRule,
    day: date,
) -> bool:
    """Whether the sanction is shown on ``day``: decided, not expired, and ACTIVE."""
    if not sanction.decided_on <= day < display_end(sanction, rule):
        return False
    return sanction_state_on(sanction, events, day) is SanctionStatus.ACTIVE


def restrictions_in_force(
    restrictions: Iterable[Restriction],
    sanctions_by_id: Mapping[str, Sanction],
    events_by_sanction: Mapping[str, Sequence[SanctionEvent]],
    day: date,
) -> list[Restriction]:
    """The restrictions in force on ``day``, sorted by id.

    In force: valid on ``day`` and its sanction ACTIVE on ``day`` (or REPAIRED with a
    measure that survives repair). A restriction whose sanction is missing from
    ``sanctions_by_id`` raises EntityNotFoundError.
    """
    states: dict[str, SanctionStatus] = {}
    kept: list[Restriction] = []
    for restriction in restrictions:
        if not restriction.valid_on(day):
            continue
        sanction_id = restriction.sanction_id
        if sanction_id not in states:
            sanction = sanctions_by_id.get(sanction_id)
            if sanction is None:
                raise EntityNotFoundError("sanction", sanction_id)
            events = events_by_sanction.get(sanction_id, ())
            states[sanction_id] = sanction_state_on(sanction, events, day)
        state = states[sanction_id]
        if state is SanctionStatus.ACTIVE or (
            state is SanctionStatus.REPAIRED and restriction.survives_repair
        ):
            kept.append(restriction)
    return sorted(kept, key=lambda r: r.restriction_id)


def check_appointment(
    restrictions_in_force: Iterable[Restriction],
    role: RoleType,
    enterprise_code: str,
    on: date,
) -> AppointmentCheck:
    """May the person whose in-force restrictions are given take ``role`` there ``on``?

    Blocked by every restriction valid on ``on`` whose measure bars ``role``, unless
    ``enterprise_code`` is the restriction's excepted enterprise. The caller passes
    the candidate's restrictions already filtered by ``restrictions_in_force`` (the
    lifecycle status is not looked at here). Blocking restrictions are sorted by id.
    """
    blocking = sorted(
        (
            restriction
            for restriction in restrictions_in_force
            if restriction.valid_on(on)
            and restriction.bars_appointment(role, enterprise_code)
        ),
        key=lambda r: r.restriction_id,
    )
    return AppointmentCheck(allowed=not blocking, blocking=tuple(blocking))


def needs_rederive(event: SanctionEvent) -> bool:
    """Whether the sanction's restrictions must be derived again after ``event``.

    Every correction does: subject, type and dates decide who is reached and for how
    long, and the chain and explanations quote the authority and decision number.
    Status events never do (status is applied when reading).
    """
    return event.kind is EventKind.CORRECT


def apply_event(
    sanction: Sanction,
    events: Iterable[SanctionEvent],
    event: SanctionEvent,
    catalogue: Catalogue,
) -> tuple[Sanction, tuple[SanctionEvent, ...]]:
    """Record ``event``: the sanction as it now stands and its history including it.

    Raises LifecycleError for a transition the rules do not allow:

    * every event needs who (``by``) and why (``reason``), is dated on or after the
      decision and on or after the last recorded event;
    * repair: only while ACTIVE, not before decided_on + the minimum repair period,
      and not on or after the end of display;
    * object: only while ACTIVE and displayed; uphold / reject: only while SUSPENDED;
    * correct: not once REVOKED; only known fields, valid values and a catalogue
      type, and only if the corrected sanction keeps the earlier events valid.

    A sanction loaded with a non-ACTIVE status and no history cannot take events.
    The returned sanction's ``status`` is its status after the last event.
    """
    if event.sanction_id != sanction.sanction_id:
        msg = f"event for {event.sanction_id!r} applied to {sanction.sanction_id!r}"
        raise LifecycleError(msg)
    if not event.by.strip() or not event.reason.strip():
        msg = f"{event.kind} event needs who recorded it (by) and why (reason)"
        raise LifecycleError(msg)
    history = _ordered(sanction, events)
    if not history and sanction.status is not SanctionStatus.ACTIVE:
        msg = (
            f"sanction {sanction.sanction_id} was loaded as {sanction.status} without "
            "a dated history; its lifecycle cannot be replayed"
        )
        raise LifecycleError(msg)
    if history and event.on < history[-1].on:
        msg = (
            f"{event.kind} on {event.on.isoformat()} is dated before the last "
            f"recorded event ({history[-1].on.isoformat()}); record events in order"
        )
        raise LifecycleError(msg)
    if event.kind is not EventKind.CORRECT and event.changes:
        msg = f"only a correction carries changes, not a {event.kind} event"
        raise LifecycleError(msg)
    updated = sanction
    if event.kind is EventKind.CORRECT:
        updated = _corrected(sanction, event.changes, catalogue)
    stamped = replace(event, seq=max((e.seq for e in history), default=-1) + 1)
    new_history = (*history, stamped)
    rule = catalogue.rule(updated.type, updated.decided_on)
    _check_history(updated, new_history, rule, len(history))
    status = sanction_state_on(updated, new_history, date.max)
    return replace(updated, status=status), new_history


def _check_history(
    sanction: Sanction,
    history: Sequence[SanctionEvent],
    rule: SanctionRule,
    new_index: int,
) -> None:
    state = SanctionStatus.ACTIVE
    for index, event in enumerate(history):
        try:
            _check_transition(state, sanction, rule, event)
        except LifecycleError as exc:
            if index == new_index:
                raise
            msg = (
                f"the correction would invalidate the earlier {event.kind} on "
                f"{event.on.isoformat()}: {exc}"
            )
            raise LifecycleError(msg) from exc
        state = _EFFECT[event.kind] or state


def _check_transition(
    state: SanctionStatus, sanction: Sanction, rule: SanctionRule, event: SanctionEvent
) -> None:
    on = event.on.isoformat()
    if event.on < sanction.decided_on:
        msg = f"{event.kind} on {on} is before the decision ({sanction.decided_on})"
        raise LifecycleError(msg)
    ends = display_end(sanction, rule)
    if event.kind is EventKind.REPAIR:
        _require(state, SanctionStatus.ACTIVE, event)
        earliest = earliest_repair(sanction, rule)
        if event.on < earliest:
            under = f" under {rule.version.key}" if rule.version else ""
            msg = (
                f"repair on {on} refused: the minimum period {rule.min_repair}"
                f"{under} from the decision on {sanction.decided_on} ends on "
                f"{earliest}"
            )
            raise LifecycleError(msg)
        if event.on >= ends:
            msg = f"repair on {on} refused: the sanction expired on {ends}"
            raise LifecycleError(msg)
    elif event.kind is EventKind.OBJECT:
        _require(state, SanctionStatus.ACTIVE, event)
        if event.on >= ends:
            msg = f"objection on {on} refused: the sanction expired on {ends}"
            raise LifecycleError(msg)
    elif event.kind in (EventKind.UPHOLD, EventKind.REJECT):
        _require(state, SanctionStatus.SUSPENDED, event)
    elif state is SanctionStatus.REVOKED:
        msg = f"correction on {on} refused: the sanction is revoked"
        raise LifecycleError(msg)


def _require(
    state: SanctionStatus, wanted: SanctionStatus, event: SanctionEvent
) -> None:
    if state is not wanted:
        msg = (
            f"{event.kind} on {event.on.isoformat()} refused: the sanction is "
            f"{state}, not {wanted}"
        )
        raise LifecycleError(msg)


def _corrected(
    sanction: Sanction, changes: tuple[tuple[str, str], ...], catalogue: Catalogue
) -> Sanction:
    if not changes:
        raise LifecycleError("a correction must change at least one field")
    fields = [name for name, _ in changes]
    if len(set(fields)) != len(fields):
        raise LifecycleError(f"a correction names a field twice: {fields}")
    values: dict[str, object] = {}
    for name, raw in changes:
        if name not in CORRECTABLE_FIELDS:
            allowed = ", ".join(sorted(CORRECTABLE_FIELDS))
            msg = f"field {name!r} cannot be corrected (allowed: {allowed})"
            raise LifecycleError(msg)
        values[name] = _parse_change(name, raw.strip(), catalogue)
    return replace(sanction, **values)  # type: ignore[arg-type]


def _parse_change(name: str, raw: str, catalogue: Catalogue) -> object:
    if name in _OPTIONAL_DATES and raw == "":
        return None
    if name in _OPTIONAL_DATES or name == "decided_on":
        try:
            day = date.fromisoformat(raw)
        except ValueError as exc:
            msg = f"correction of {name}: {raw!r} is not an ISO date"
            raise LifecycleError(msg) from exc
        problem = date_bound_problem(day, DateKind.EVENT, horizon=date_horizon())
        if problem is not None:
            raise LifecycleError(f"correction of {name}: out of bounds: {problem}")
        return day
    if not raw:
        raise LifecycleError(f"correction of {name}: the value is empty")
    if name == "subject_kind":
        try:
            return EntityKind(raw)
        except ValueError as exc:
            msg = f"correction of subject_kind: {raw!r} is not person or enterprise"
            raise LifecycleError(msg) from exc
    if name == "type" and catalogue.get(raw) is None:
        msg = f"correction of type: {raw!r} is not in the catalogue"
        raise LifecycleError(msg)
    return raw
