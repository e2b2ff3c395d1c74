"""Outbox events written with the change they describe, on both stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pytest

from graph import enforcement
from graph.errors import LifecycleError
from graph.model import RoleType
from graph.outbox import Cause, ChangeKind, OutboxEvent, rule_version
from graph.policy import Period, load_catalogue
from graph.propagation import EventKind, SanctionEvent
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from graph.store import GraphStore

CATALOGUE = load_catalogue()
ACME = credit_code(1)
ALICE, BOB, CAROL = resident_id(1), resident_id(2, region="110101"), resident_id(3)
LR = RoleType.LEGAL_REPRESENTATIVE


def _seed(store: GraphStore) -> None:
    store.upsert_persons(
        [
            make_person(person_id=key, name=f"P{n}")
            for n, key in enumerate((ALICE, BOB, CAROL))
        ]
    )
    store.upsert_enterprises([make_enterprise()])
    store.upsert_roles(
        [
            make_role(person_id=ALICE, role=LR, since=date(2019, 1, 1), record_id="a"),
            make_role(person_id=BOB, role=LR, since=date(2022, 1, 1), record_id="b"),
        ]
    )
    # a court list at the decision: reaches both legal representatives
    store.upsert_sanctions(
        [
            make_sanction(
                sanction_id="S1",
                type="dishonest_judgment_debtor",
                decided_on=date(2023, 6, 1),
                violation_date=None,
            )
        ]
    )


def _since(store: GraphStore, seq: int) -> list[OutboxEvent]:
    return store.outbox_events(after=seq, limit=1000)


def _last_seq(store: GraphStore) -> int:
    events = store.outbox_events(after=0, limit=100_000)
    return events[-1].seq if events else 0


def _kinds(events: list[OutboxEvent]) -> list[tuple[str, str, Cause]]:
    return [(e.kind.value, e.restriction_id, e.cause) for e in events]


def _record(store: GraphStore, kind: EventKind, on: date, **extra: object) -> None:
    event = SanctionEvent("S1", kind, on, by="officer", reason="test", **extra)  # type: ignore[arg-type]
    enforcement.record_event(store, CATALOGUE, event)


def test_a_new_sanction_starts_one_event_per_restriction(store: GraphStore) -> None:
    _seed(store)
    store.propagate(CATALOGUE)
    events = _since(store, 0)
    restrictions = enforcement.trace(store, CATALOGUE, "S1", None)
    assert len(restrictions) == 2
    assert [e.restriction_id for e in events] == [
        r.restriction_id for r in restrictions
    ]
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    rule = CATALOGUE.rule("dishonest_judgment_debtor")
    for event, restriction in zip(events, restrictions, strict=True):
        assert event.kind is ChangeKind.STARTED
        assert event.cause is Cause.DERIVED
        assert event.person_id == restriction.person_id
        assert event.measure == restriction.measure
        assert event.sanction_id == "S1"
        assert event.sanction_type == "dishonest_judgment_debtor"
        assert event.enterprise == ACME
        assert (event.valid_from, event.valid_until) == (
            restriction.valid_from,
            restriction.valid_until,
        )
        assert event.rule_version == rule_version(rule)
        assert event.explanation_zh == restriction.explanation_zh
        assert event.explanation_en == restriction.explanation_en
        assert event.region == event.person_id[:6]
        assert event.enterprise_region == ACME[2:8]
    assert {e.region for e in events} == {"510104", "110101"}
    # nothing changed: propagating again (pending or full) writes no event
    store.propagate(CATALOGUE)
    store.propagate(CATALOGUE, full=True)
    assert _since(store, seqs[-1]) == []


def test_role_changes_start_and_end_restrictions(store: GraphStore) -> None:
    _seed(store)
    store.propagate(CATALOGUE)
    mark = _last_seq(store)
    role = make_role(person_id=CAROL, role=LR, since=date(2020, 1, 1), record_id="c")
    store.upsert_roles([role])
    store.propagate(CATALOGUE)
    started = _since(store, mark)
    assert [(e.kind, e.person_id) for e in started] == [(ChangeKind.STARTED, CAROL)]
    store.delete_roles([role.role_id])
    store.propagate(CATALOGUE)
    ended = _since(store, started[-1].seq)
    assert _kinds(ended) == [
        (ChangeKind.ENDED.value, started[0].restriction_id, Cause.DERIVED)
    ]


def test_lifecycle_events_change_and_end(store: GraphStore) -> None:
    _seed(store)
    store.propagate(CATALOGUE)
    ids = sorted(e.restriction_id for e in _since(store, 0))
    mark = _last_seq(store)
    _record(store, EventKind.OBJECT, date(2023, 7, 1))
    objected = _since(store, mark)
    assert sorted(_kinds(objected)) == [
        ("restriction.changed", key, Cause.OBJECTION) for key in ids
    ]
    _record(store, EventKind.REJECT, date(2023, 8, 1))
    rejected = _since(store, objected[-1].seq)
    assert sorted(_kinds(rejected)) == [
        ("restriction.changed", key, Cause.REJECTED) for key in ids
    ]
    _record(store, EventKind.REPAIR, date(2023, 9, 1))
    repaired = _since(store, rejected[-1].seq)
    assert sorted(_kinds(repaired)) == [
        ("restriction.ended", key, Cause.REPAIR) for key in ids
    ]
    # ended ones are not ended again when their period runs out
    assert enforcement.expire(store, CATALOGUE, date(2030, 1, 1)) == 0


def test_upheld_objection_ends_every_restriction(store: GraphStore) -> None:
    _seed(store)
    store.propagate(CATALOGUE)
    ids = sorted(e.restriction_id for e in _since(store, 0))
    _record(store, EventKind.OBJECT, date(2023, 7, 1))
    mark = _last_seq(store)
    _record(store, EventKind.UPHOLD, date(2023, 7, 2))
    assert sorted(_kinds(_since(store, mark))) == [
        ("restriction.ended", key, Cause.UPHELD) for key in ids
    ]


def test_a_correction_changes_each_restriction_once(store: GraphStore) -> None:
    _seed(store)
    store.propagate(CATALOGUE)
    ids = sorted(e.restriction_id for e in _since(store, 0))
    mark = _last_seq(store)
    # the decision number only: same dates, new explanation
    _record(
        store, EventKind.CORRECT, date(2023, 7, 1), changes=(("decision_no", "X1"),)
    )
    corrected = _since(store, mark)
    assert sorted(_kinds(corrected)) == [
        ("restriction.changed", key, Cause.CORRECTION) for key in ids
    ]
    assert all("X1" in e.explanation_zh for e in corrected)
    # a later decision date: ALICE (since 2019) and BOB still reached, dates move
    _record(
        store,
        EventKind.CORRECT,
        date(2023, 7, 2),
        changes=(("display_until", "2024-01-01"),),
    )
    moved = _since(store, corrected[-1].seq)
    assert sorted(_kinds(moved)) == [
        ("restriction.changed", key, Cause.CORRECTION) for key in ids
    ]
    assert {e.valid_until for e in moved} == {date(2024, 1, 1)}
    # the pending propagation after it has nothing left to tell
    store.propagate(CATALOGUE)
    assert _since(store, moved[-1].seq) == []


def test_expire_tells_each_end_once(store: GraphStore) -> None:
    _seed(store)
    store.propagate(CATALOGUE)
    started = _since(store, 0)
    ends = {e.valid_until for e in started}
    assert enforcement.expire(store, CATALOGUE, date(2023, 6, 2)) == 0
    assert enforcement.expire(store, CATALOGUE, max(ends)) == len(started)
    ended = _since(store, started[-1].seq)
    assert {(e.kind, e.cause) for e in ended} == {(ChangeKind.ENDED, Cause.EXPIRED)}
    assert sorted(e.restriction_id for e in ended) == sorted(
        e.restriction_id for e in started
    )
    # run daily: the next day (or the same day again) writes nothing
    assert enforcement.expire(store, CATALOGUE, max(ends)) == 0
    assert enforcement.expire(store, CATALOGUE, date(2030, 1, 1)) == 0


def test_a_catalogue_change_is_told_by_the_full_propagation(
    store: GraphStore,
) -> None:
    _seed(store)
    store.propagate(CATALOGUE)
    mark = _last_seq(store)
    kind = "dishonest_judgment_debtor"
    # the display period is the type's own and, where a rule version sets one,
    # the version's: shorten both
    one_year = Period(years=1)
    catalogue = replace(
        CATALOGUE,
        rules=tuple(
            replace(r, display=one_year) if r.sanction_type == kind else r
            for r in CATALOGUE.rules
        ),
        in_force=tuple(
            replace(e, display=one_year) if e.sanction_type == kind else e
            for e in CATALOGUE.in_force
        ),
    )
    shorter = catalogue.rule(kind, date(2023, 6, 1))
    store.propagate(catalogue, full=True)
    changed = _since(store, mark)
    assert {(e.kind, e.cause) for e in changed} == {
        (ChangeKind.CHANGED, Cause.CATALOGUE)
    }
    assert len(changed) == 2
    assert {e.valid_until for e in changed} == {date(2024, 6, 1)}
    assert {e.rule_version for e in changed} == {rule_version(shorter)}


def test_a_rolled_back_write_leaves_no_event(store: GraphStore) -> None:
    _seed(store)
    store.propagate(CATALOGUE)
    mark = _last_seq(store)
    sanction = store.get_sanction("S1")
    assert sanction is not None
    facts = store.restriction_facts(sanction_id="S1")
    events = _since(store, 0)
    repair = SanctionEvent("S1", EventKind.REPAIR, date(2023, 9, 1), "o", "r", seq=0)
    _record(store, EventKind.OBJECT, date(2023, 7, 1))
    after_objection = _last_seq(store)
    assert after_objection > mark
    # the same seq again (another writer was first): refused, nothing written
    with pytest.raises(LifecycleError):
        store.append_sanction_event(sanction, repair, outbox=events)
    assert _last_seq(store) == after_objection
    assert store.restriction_facts(sanction_id="S1") == facts


def test_a_role_taken_while_barred_is_told_once(store: GraphStore) -> None:
    other, third = credit_code(2), credit_code(3)
    store.upsert_persons([make_person(person_id=ALICE)])
    store.upsert_enterprises(
        [make_enterprise(), make_enterprise(credit_code=other),
         make_enterprise(credit_code=third)]
    )  # fmt: skip
    # the serious listing (decided 2023-06-01) bars ALICE, legal representative at
    # the violation, from being one elsewhere for 3 years
    store.upsert_roles(
        [make_role(person_id=ALICE, role=LR, since=date(2019, 1, 1), record_id="a")]
    )
    store.upsert_sanctions([make_sanction(sanction_id="S1")])
    store.propagate(CATALOGUE)
    assert enforcement.find_breaches(store, CATALOGUE) == 0
    mark = _last_seq(store)
    barred = make_role(person_id=ALICE, credit_code=other, role=LR,
                       since=date(2024, 1, 1), record_id="b")  # fmt: skip
    store.upsert_roles(
        [
            barred,
            # before the decision, or a role the measure does not bar: no breach
            make_role(person_id=ALICE, credit_code=third, role=LR,
                      since=date(2022, 1, 1), record_id="c"),
            make_role(person_id=ALICE, credit_code=third, role=RoleType.SHAREHOLDER,
                      since=date(2024, 1, 1), record_id="d"),
        ]
    )  # fmt: skip
    assert enforcement.find_breaches(store, CATALOGUE) == 1
    assert enforcement.find_breaches(store, CATALOGUE) == 0  # told once
    (breach,) = _since(store, mark)
    assert breach.kind is ChangeKind.BREACHED
    assert breach.cause is Cause.ROLE_STARTED
    assert (breach.person_id, breach.measure) == (ALICE, "bar_legal_representative")
    assert (breach.role, breach.role_enterprise, breach.role_since) == (
        "legal_representative",
        other,
        date(2024, 1, 1),
    )
    assert breach.enterprise == ACME
    assert other in breach.explanation_en


def test_a_correction_that_moves_who_is_reached(store: GraphStore) -> None:
    store.upsert_persons(
        [make_person(person_id=key, name=f"P{n}") for n, key in
         enumerate((ALICE, BOB, CAROL))]
    )  # fmt: skip
    store.upsert_enterprises([make_enterprise()])
    store.upsert_roles(
        [
            make_role(person_id=ALICE, role=LR, since=date(2019, 1, 1), record_id="a"),
            # reached at a decision of 2023-06-01, not at one of 2023-10-01
            make_role(person_id=BOB, role=LR, since=date(2022, 1, 1),
                      until=date(2023, 8, 1), record_id="b"),
            # the other way round
            make_role(person_id=CAROL, role=LR, since=date(2023, 9, 1), record_id="c"),
        ]
    )  # fmt: skip
    store.upsert_sanctions(
        [make_sanction(sanction_id="S1", type="dishonest_judgment_debtor",
                       decided_on=date(2023, 6, 1), violation_date=None)]
    )  # fmt: skip
    store.propagate(CATALOGUE)
    mark = _last_seq(store)
    _record(
        store,
        EventKind.CORRECT,
        date(2023, 10, 1),
        changes=(("decided_on", "2023-10-01"),),
    )
    told = {(e.person_id, e.kind, e.cause) for e in _since(store, mark)}
    assert told == {
        (ALICE, ChangeKind.CHANGED, Cause.CORRECTION),
        (BOB, ChangeKind.ENDED, Cause.CORRECTION),
        (CAROL, ChangeKind.STARTED, Cause.CORRECTION),
    }
    assert len(_since(store, mark)) == 3
