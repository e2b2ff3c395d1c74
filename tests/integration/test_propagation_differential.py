"""Differential test of propagation: both stores, and a reference written here.

Random registries are written step by step (roles with overlapping, open-ended and
empty intervals, sanctions dated on role boundaries and leap days, repairs,
objections, corrections, identity merges that copy a person's roles to another),
propagating incrementally now and then. Afterwards both stores must hold the same
restriction facts, equal to what the small reference below derives from the
catalogue, a full propagation must change nothing, and reads as of a date must
agree fact for fact.
"""

from __future__ import annotations

import calendar
import tempfile
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from graph import enforcement
from graph.embedded_store import EmbeddedStore
from graph.errors import LinkageError
from graph.model import EntityKind, Role, RoleType, Sanction, SanctionStatus
from graph.policy import TimeRule, load_catalogue
from graph.propagation import EventKind, SanctionEvent
from tests.factories import credit_code, make_enterprise, make_person, resident_id

if TYPE_CHECKING:
    from graph.neo4j_store import Neo4jStore
    from graph.policy import MeasureRule, SanctionRule
    from graph.propagation import RestrictionFact
    from graph.store import GraphStore

pytestmark = pytest.mark.neo4j

CATALOGUE = load_catalogue()
PEOPLE = [resident_id(n) for n in range(1, 5)] + ["U0000000000000001"]
COMPANIES = [credit_code(n) for n in range(1, 4)]
SANCTION_IDS = ["S1", "S2", "S3", "S4"]
# Leap days, month ends and their neighbours: role boundaries, violation and
# decision dates all come from here, so they often coincide.
DAYS = sorted(
    {
        date(2019, 2, 28),
        date(2019, 3, 1),
        date(2020, 2, 28),
        date(2020, 2, 29),
        date(2020, 3, 1),
        date(2021, 2, 28),
        date(2021, 3, 1),
        date(2022, 6, 1),
        date(2023, 2, 28),
        date(2023, 3, 1),
        date(2024, 2, 29),
        date(2024, 3, 1),
        date(2025, 2, 28),
    }
)
PROBE_DAYS = [date(2020, 2, 29), date(2021, 3, 1), date(2024, 2, 29), date(2026, 3, 1)]

days = st.sampled_from(DAYS)
companies = st.sampled_from([COMPANIES[0], *COMPANIES])  # the first one is busier
maybe_days = st.none() | days


@st.composite
def _interval(draw: st.DrawFn) -> tuple[date | None, date | None]:
    """Mostly a proper or open-ended interval; now and then an empty or reversed one."""
    since, until = draw(maybe_days), draw(maybe_days)
    reversed_ = since is not None and until is not None and since > until
    if reversed_ and draw(st.integers(0, 4)):  # keep one in five (never held)
        since, until = until, since
    return since, until


# liable roles (legal representative, senior manager) more often than the others
_ROLE_TYPES = [*RoleType, RoleType.LEGAL_REPRESENTATIVE, RoleType.LEGAL_REPRESENTATIVE]
roles = st.builds(
    lambda person, code, role, interval, record: Role(
        person, code, role, interval[0], interval[1], "market_regulation", record
    ),
    st.sampled_from(PEOPLE),
    companies,
    st.sampled_from([*_ROLE_TYPES, RoleType.SENIOR_MANAGER]),
    _interval(),
    st.sampled_from(["1", "2"]),
)
enterprise_sanctions = st.builds(
    Sanction,
    sanction_id=st.sampled_from(SANCTION_IDS),
    subject_kind=st.just(EntityKind.ENTERPRISE),
    subject_id=companies,
    type=st.sampled_from(CATALOGUE.types()),
    authority=st.just("成都市市场监督管理局"),
    decision_no=st.sampled_from(["成市监〔2020〕1号", "成市监〔2021〕7号"]),
    decided_on=days,
    violation_date=maybe_days,
    display_until=st.none() | days,
    status=st.just(SanctionStatus.ACTIVE),
)
sanctions = enterprise_sanctions | st.builds(
    Sanction,
    sanction_id=st.sampled_from(SANCTION_IDS),
    subject_kind=st.just(EntityKind.PERSON),
    subject_id=st.sampled_from(PEOPLE),
    type=st.sampled_from(CATALOGUE.types()),
    authority=st.just("成都市中级人民法院"),
    decision_no=st.just("（2020）川01执1号"),
    decided_on=days,
)
corrections = st.sampled_from(
    [
        *((("violation_date", day.isoformat()),) for day in DAYS[::3]),
        *((("decided_on", day.isoformat()),) for day in DAYS[::4]),
        (("display_until", ""),),
        (("subject_id", COMPANIES[1]),),
        (("type", "administrative_penalty"),),
        (("authority", "四川省市场监督管理局"),),
    ]
)
# Lifecycles that the rules may allow, dated in order; corrections anywhere.
_PATHS = [
    (EventKind.REPAIR,),
    (EventKind.OBJECT,),
    (EventKind.OBJECT, EventKind.REJECT),
    (EventKind.OBJECT, EventKind.UPHOLD),
    (EventKind.OBJECT, EventKind.REJECT, EventKind.REPAIR),
    (EventKind.CORRECT,),
    (EventKind.REPAIR, EventKind.CORRECT),
    (EventKind.UPHOLD,),  # refused: nothing is suspended
]
# Event dates, in months after the decision of the sanction they are for: the
# minimum repair periods (0, 6 and 12 months) and display ends (24, 36) and beside.
_MONTHS = [0, 1, 6, 12, 13, 23, 24, 35, 36, 40]


@dataclass(frozen=True, slots=True)
class Step:
    """One write (or an incremental propagation) applied to both stores."""

    kind: str
    roles: tuple[Role, ...] = ()
    sanctions: tuple[Sanction, ...] = ()
    # events: for the pick-th existing sanction (mod their number), the kinds of
    # `path` dated `months` after its decision; corrections carry `changes`
    pick: int = 0
    path: tuple[EventKind, ...] = ()
    months: tuple[int, ...] = ()
    changes: tuple[tuple[str, str], ...] = ()
    merge: tuple[str, str] = ("", "")


steps = st.lists(
    st.one_of(
        st.builds(
            Step,
            kind=st.just("roles"),
            roles=st.lists(roles, min_size=1, max_size=6).map(tuple),
        ),
        st.builds(
            Step,
            kind=st.just("sanctions"),
            sanctions=st.lists(sanctions, min_size=1, max_size=3).map(tuple),
        ),
        st.builds(
            Step,
            kind=st.just("events"),
            pick=st.integers(0, 3),
            path=st.sampled_from(_PATHS),
            months=st.lists(st.sampled_from(_MONTHS), min_size=3, max_size=3).map(
                lambda picked: tuple(sorted(picked))
            ),
            changes=corrections,
        ),
        # an identity merge: the roles of one person are written to another
        st.builds(
            Step,
            kind=st.just("merge"),
            merge=st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE[:4])),
        ),
        st.builds(Step, kind=st.just("propagate")),
    ),
    min_size=1,
    max_size=10,
)


# -- the reference: the catalogue's rules, restated as plainly as possible ------------


def _plus_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _window(sanction: Sanction, rule: SanctionRule) -> tuple[date, date]:
    if rule.time_rule is TimeRule.AT_VIOLATION:
        day = sanction.violation_date or sanction.decided_on
        return day, day
    if rule.time_rule is TimeRule.AT_DECISION:
        return sanction.decided_on, sanction.decided_on
    return _plus_months(
        sanction.decided_on, -12 * (rule.years or 0)
    ), sanction.decided_on


def _held_some_day(role: Role, first: date, last: date) -> bool:
    """Is there a day d in [first, last] with since <= d < until?"""
    lo = max(first, role.since) if role.since else first
    hi = min(last, role.until - timedelta(days=1)) if role.until else last
    return lo <= hi


Fact = tuple[str, str, str, str | None, date, date]


def _reference(sanctions: list[Sanction], roles: list[Role]) -> dict[str, Fact]:
    """restriction_id -> (sanction, person, measure, role_id, valid from, until)."""
    facts: dict[str, Fact] = {}
    for sanction in sanctions:
        rule = CATALOGUE.rule(sanction.type)
        decided = sanction.decided_on
        shown_until = sanction.display_until or _plus_months(
            decided, rule.display.total_months
        )
        reached: list[tuple[str, str | None, MeasureRule]] = []
        if sanction.subject_kind is EntityKind.PERSON:
            reached = [(sanction.subject_id, None, m) for m in rule.direct_measures]
        else:
            first, last = _window(sanction, rule)
            for role in roles:
                if role.credit_code == sanction.subject_id and _held_some_day(
                    role, first, last
                ):
                    reached += [
                        (role.person_id, role.role_id, m)
                        for m in rule.role_measures
                        if role.role in m.roles
                    ]
        for person, role_id, measure_rule in reached:
            lasts = measure_rule.lasts
            key = measure_rule.measure.key
            until = _plus_months(decided, lasts.total_months) if lasts else shown_until
            if until > decided:
                rid = f"{sanction.sanction_id}|{person}|{key}|{role_id or 'direct'}"
                facts[rid] = (
                    sanction.sanction_id,
                    person,
                    key,
                    role_id,
                    decided,
                    until,
                )
    return facts


def _reference_in_force(
    store: GraphStore, facts: dict[str, Fact], person: str, day: date
) -> list[str]:
    kept = []
    for rid, (sanction_id, who, measure, _, valid_from, valid_until) in facts.items():
        if who != person or not valid_from <= day < valid_until:
            continue
        sanction = store.get_sanction(sanction_id)
        assert sanction is not None
        history = sorted(
            store.sanction_events(sanction_id), key=lambda e: (e.on, e.seq)
        )
        state = sanction.status if not history else SanctionStatus.ACTIVE
        effect = {
            EventKind.REPAIR: SanctionStatus.REPAIRED,
            EventKind.OBJECT: SanctionStatus.SUSPENDED,
            EventKind.UPHOLD: SanctionStatus.REVOKED,
            EventKind.REJECT: SanctionStatus.ACTIVE,
        }
        for recorded in history:
            if recorded.on <= day and recorded.kind in effect:
                state = effect[recorded.kind]
        rule = CATALOGUE.rule(sanction.type)
        survives = any(
            m.measure.key == measure and m.survives_repair
            for m in (*rule.role_measures, *rule.direct_measures)
        )
        if state is SanctionStatus.ACTIVE or (
            state is SanctionStatus.REPAIRED and survives
        ):
            kept.append(rid)
    return sorted(kept)


# -- running both stores -------------------------------------------------------------


def _apply(store: GraphStore, step: Step) -> str:
    """Apply ``step``; the outcome, so that both stores can be compared on it."""
    try:
        if step.kind == "roles":
            store.upsert_roles(step.roles)
        elif step.kind == "sanctions":
            store.upsert_sanctions(step.sanctions)
        elif step.kind == "events":
            return "; ".join(_record(store, event) for event in _events(store, step))
        elif step.kind == "merge":
            source, target = step.merge
            moved = [
                replace(role, person_id=target)
                for role in store.neighbours(EntityKind.PERSON, source)
            ]
            store.upsert_roles(moved)
        else:
            report = enforcement.propagate(store, CATALOGUE)
            counts = (report.sanctions, report.restrictions_written)
            return repr((*counts, report.restrictions_removed, report.skipped))
    except LinkageError as exc:
        return type(exc).__name__
    return "ok"


def _events(store: GraphStore, step: Step) -> list[SanctionEvent]:
    existing = [s for key in SANCTION_IDS if (s := store.get_sanction(key))]
    if not existing:
        return []
    sanction = existing[step.pick % len(existing)]
    return [
        SanctionEvent(
            sanction_id=sanction.sanction_id,
            kind=kind,
            on=_plus_months(sanction.decided_on, months),
            by="张三",
            reason="依申请",
            changes=step.changes if kind is EventKind.CORRECT else (),
        )
        for kind, months in zip(step.path, step.months, strict=False)
    ]


def _record(store: GraphStore, event: SanctionEvent) -> str:
    try:
        return repr(enforcement.record_event(store, CATALOGUE, event))
    except LinkageError as exc:
        return type(exc).__name__


def _facts(store: GraphStore) -> dict[str, Fact]:
    return {f.restriction_id: _as_tuple(f) for f in store.restriction_facts()}


def _as_tuple(fact: RestrictionFact) -> Fact:
    return (
        fact.sanction_id,
        fact.person_id,
        fact.measure,
        fact.role_id,
        fact.valid_from,
        fact.valid_until,
    )


def _registry(store: GraphStore) -> tuple[list[Sanction], list[Role]]:
    found = [store.get_sanction(key) for key in SANCTION_IDS]
    every_role = [
        role
        for code in COMPANIES
        for role in store.neighbours(EntityKind.ENTERPRISE, code)
    ]
    return [s for s in found if s is not None], every_role


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first_roles=st.lists(roles, min_size=6, max_size=14).map(tuple),
    first_sanctions=st.lists(enterprise_sanctions, min_size=1, max_size=4).map(tuple),
    script=steps,
)
def test_stores_and_reference_agree(
    neo4j_store: Neo4jStore,
    first_roles: tuple[Role, ...],
    first_sanctions: tuple[Sanction, ...],
    script: list[Step],
) -> None:
    neo4j_store.wipe()
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore(Path(folder) / "diff.db")
        try:
            both: tuple[GraphStore, GraphStore] = (embedded, neo4j_store)
            for store in both:
                store.upsert_persons([make_person(person_id=p) for p in PEOPLE])
                store.upsert_enterprises(
                    [make_enterprise(credit_code=c) for c in COMPANIES]
                )
            start = [
                Step("roles", roles=first_roles),
                Step("sanctions", sanctions=first_sanctions),
            ]
            for step in [*start, *script]:
                outcomes = [_apply(store, step) for store in both]
                assert outcomes[0] == outcomes[1], step
                accepted = outcomes[0].count("Sanction(")
                if accepted:
                    event(f"events accepted in one step: {accepted}")
            for store in both:
                enforcement.propagate(store, CATALOGUE)
            incremental = _facts(embedded)
            size = len(incremental)
            event(f"restrictions: {'0' if not size else '1-3' if size < 4 else '4+'}")
            assert incremental == _facts(neo4j_store)
            assert incremental == _reference(*_registry(embedded))
            for store in both:
                enforcement.propagate(store, CATALOGUE, full=True)
                assert _facts(store) == incremental  # full == incremental
            for person in PEOPLE:
                for day in PROBE_DAYS:
                    mine = enforcement.restrictions_on(embedded, CATALOGUE, person, day)
                    theirs = enforcement.restrictions_on(
                        neo4j_store, CATALOGUE, person, day
                    )
                    assert mine == theirs
                    expected = _reference_in_force(embedded, incremental, person, day)
                    assert [r.restriction_id for r in mine] == expected
            for sanction_id in SANCTION_IDS:
                if embedded.get_sanction(sanction_id) is not None:
                    assert enforcement.trace(
                        embedded, CATALOGUE, sanction_id, None
                    ) == enforcement.trace(neo4j_store, CATALOGUE, sanction_id, None)
        finally:
            embedded.close()
