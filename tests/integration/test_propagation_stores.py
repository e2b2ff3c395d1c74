"""Sanction propagation and the lifecycle through graph.enforcement, on both stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pytest

from graph import enforcement, neo4j_store
from graph.errors import (
    EntityNotFoundError,
    GraphUnavailableError,
    LifecycleError,
    PolicyError,
)
from graph.model import EntityKind, RoleType, SanctionStatus
from graph.policy import Period, load_catalogue
from graph.propagation import (
    EventKind,
    Restriction,
    SanctionEvent,
    derive_restrictions,
    propagate_sanctions,
    restriction_fact,
)
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import neo4j

    from graph.model import Role, Sanction
    from graph.propagation import Restriction, RestrictionFact
    from graph.store import GraphStore

CATALOGUE = load_catalogue()
LR = RoleType.LEGAL_REPRESENTATIVE
DIRECTOR = RoleType.DIRECTOR
MANAGER = RoleType.SENIOR_MANAGER

ACME = credit_code(1)
OTHER = credit_code(2)
THIRD = credit_code(3)
ALICE, BOB, CAROL, DAVE, ERIN, FRANK = (resident_id(n) for n in range(1, 7))


def _d(text: str) -> date:
    return date.fromisoformat(text)


ROLES: list[Role] = [
    # ACME's legal representative changes on 2023-03-01 (half-open intervals)
    make_role(person_id=ALICE, role=LR, since=_d("2019-01-01"), until=_d("2023-03-01")),
    make_role(person_id=BOB, role=LR, since=_d("2023-03-01")),
    make_role(person_id=CAROL, role=DIRECTOR, since=_d("2018-01-01")),
    make_role(person_id=DAVE, credit_code=ACME, role=MANAGER, since=None),
    make_role(person_id=FRANK, credit_code=OTHER, role=LR, since=_d("2020-01-01")),
    make_role(person_id=ALICE, credit_code=OTHER, role=DIRECTOR, since=None),
]
SANCTIONS: list[Sanction] = [
    # violation while ALICE was legal representative: reaches ALICE
    make_sanction(sanction_id="S1"),
    # court list at the decision: reaches BOB (legal rep) and DAVE (senior manager)
    make_sanction(
        sanction_id="S2",
        type="dishonest_judgment_debtor",
        authority="成都市中级人民法院",
        decision_no="（2023）川01执1号",
        violation_date=None,
    ),
    # a person on the court list: direct measures
    make_sanction(
        sanction_id="S3",
        subject_kind=EntityKind.PERSON,
        subject_id=ERIN,
        type="dishonest_judgment_debtor",
        violation_date=None,
    ),
    # licence revoked: a statutory bar on FRANK that survives repair
    make_sanction(
        sanction_id="S4", subject_id=OTHER, type="license_revoked", violation_date=None
    ),
]


def _seed(store: GraphStore) -> None:
    store.upsert_persons(
        [make_person(person_id=p) for p in (ALICE, BOB, CAROL, DAVE, ERIN, FRANK)]
    )
    store.upsert_enterprises([make_enterprise(credit_code=c) for c in (ACME, OTHER)])
    store.upsert_enterprises([make_enterprise(credit_code=THIRD)])
    store.upsert_roles(ROLES)
    store.upsert_sanctions(SANCTIONS)


def _reference(store: GraphStore, extra: Sequence[str] = ()) -> list[RestrictionFact]:
    """What the pure rules give over everything the store holds now."""
    roles = [
        role
        for code in (ACME, OTHER, THIRD)
        for role in store.neighbours(EntityKind.ENTERPRISE, code)
    ]
    sanctions = [
        s
        for key in ("S1", "S2", "S3", "S4", "S5", *extra)
        if (s := store.get_sanction(key)) and CATALOGUE.get(s.type)
    ]
    derived = propagate_sanctions(sanctions, roles, CATALOGUE)
    return [restriction_fact(r) for r in derived]


def _event(
    kind: EventKind,
    sanction_id: str,
    on: str,
    changes: tuple[tuple[str, str], ...] = (),
) -> SanctionEvent:
    return SanctionEvent(
        sanction_id=sanction_id,
        kind=kind,
        on=_d(on),
        by="张三",
        reason="依申请",
        changes=changes,
    )


def _ids(restrictions: list[Restriction]) -> list[tuple[str, str, str]]:
    return [(r.sanction_id, r.person_id, r.measure) for r in restrictions]


# -- propagation ---------------------------------------------------------------------


def test_propagation_gives_what_the_pure_rules_give(store: GraphStore) -> None:
    _seed(store)
    assert store.pending_sanctions() == ["S1", "S2", "S3", "S4"]
    report = enforcement.propagate(store, CATALOGUE)
    facts = store.restriction_facts()
    assert facts == _reference(store)
    assert report.sanctions == 4
    assert report.restrictions_written == len(facts) == 7
    assert report.restrictions_removed == 0
    assert store.pending_sanctions() == []
    # who is reached: ALICE by S1; BOB and DAVE by S2; ERIN three times; FRANK by S4
    assert sorted({(f.sanction_id, f.person_id) for f in facts}) == [
        ("S1", ALICE),
        ("S2", BOB),
        ("S2", DAVE),
        ("S3", ERIN),
        ("S4", FRANK),
    ]


def test_rebuilt_restrictions_equal_derived_ones(store: GraphStore) -> None:
    _seed(store)
    enforcement.propagate(store, CATALOGUE)
    for sanction in SANCTIONS:
        rule = CATALOGUE.rule(sanction.type)
        derived = derive_restrictions(sanction, ROLES, rule)
        # chains, rule text and both explanations, rebuilt from the stored facts
        traced = enforcement.trace(store, CATALOGUE, sanction.sanction_id, None)
        assert _without_lifecycle(traced) == derived


def test_a_second_run_does_nothing_and_a_full_run_rewrites_the_same(
    store: GraphStore,
) -> None:
    _seed(store)
    first = enforcement.propagate(store, CATALOGUE)
    facts = store.restriction_facts()
    again = enforcement.propagate(store, CATALOGUE)
    assert (again.sanctions, again.restrictions_written) == (0, 0)
    assert again.restrictions_removed == 0
    full = enforcement.propagate(store, CATALOGUE, full=True)
    assert full.sanctions == 4
    # only differences are written: nothing changed
    assert full.restrictions_written == full.restrictions_removed == 0
    assert first.restrictions_written == len(facts)
    assert store.restriction_facts() == facts


def test_many_pending_sanctions_are_derived_batch_by_batch(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(neo4j_store, "PROPAGATION_BATCH", 3)  # Neo4j: 3 per batch
    _seed(store)
    many = [replace(SANCTIONS[3], sanction_id=f"T{n}") for n in range(7)]
    store.upsert_sanctions(many)
    report = enforcement.propagate(store, CATALOGUE)
    assert report.sanctions == 11
    assert store.pending_sanctions() == []
    assert store.restriction_facts() == _reference(
        store, extra=[m.sanction_id for m in many]
    )


def test_a_full_run_in_concurrent_batches_equals_the_rules(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Neo4j: one sanction per inner transaction, two at a time, all reaching the
    # same people (their person nodes are locked by both transactions)
    monkeypatch.setattr(neo4j_store, "PROPAGATION_BATCH", 1)
    monkeypatch.setattr(neo4j_store, "PROPAGATION_THREADS", 2)
    _seed(store)
    many = [replace(SANCTIONS[1], sanction_id=f"T{n:02d}") for n in range(24)]
    store.upsert_sanctions(many)
    extra = [m.sanction_id for m in many]
    fresh = enforcement.propagate(store, CATALOGUE, full=True)
    assert store.restriction_facts() == _reference(store, extra=extra)
    assert fresh.restrictions_written == len(store.restriction_facts())
    assert store.pending_sanctions() == []
    # moved decisions: every fact's end changes, in place
    moved = [replace(m, decided_on=_d("2024-01-15")) for m in many]
    store.upsert_sanctions(moved)
    again = enforcement.propagate(store, CATALOGUE, full=True)
    assert store.restriction_facts() == _reference(store, extra=extra)
    assert again.restrictions_written == 2 * len(many)  # BOB's and DAVE's
    assert again.restrictions_removed == 0


def test_a_failed_batch_is_derived_again_and_its_error_surfaces(
    request: pytest.FixtureRequest,
    neo4j_driver: neo4j.Driver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(neo4j_store, "PROPAGATION_BATCH", 1)
    store: GraphStore = request.getfixturevalue("neo4j_store")
    _seed(store)
    # a sanction no loader would write: its decision date is a boolean, so deriving it
    # fails and rolls its inner transaction back
    neo4j_driver.execute_query(
        "MATCH (e:Enterprise {credit_code: $code}) "
        "CREATE (s:Sanction:Pending {sanction_id: 'BROKEN', type: $type, "
        "subject_kind: 'enterprise', subject_id: $code, decided_on: true, "
        "status: 'active'})-[:AGAINST]->(e)",
        code=ACME,
        type="dishonest_judgment_debtor",
    )
    with pytest.raises(GraphUnavailableError, match="Boolean"):
        enforcement.propagate(store, CATALOGUE, full=True)
    # the other batches committed; the broken one waits, still pending
    assert store.restriction_facts() == _reference(store)
    assert store.pending_sanctions() == ["BROKEN"]


def test_a_role_write_marks_only_sanctions_against_its_enterprise(
    store: GraphStore,
) -> None:
    _seed(store)
    enforcement.propagate(store, CATALOGUE)
    # FRANK's predecessor at OTHER turns out to have held office until 2023-06-02
    store.upsert_persons([make_person(person_id=resident_id(7))])
    late = make_role(
        person_id=resident_id(7),
        credit_code=OTHER,
        role=LR,
        since=_d("2015-01-01"),
        until=_d("2023-06-02"),
    )
    store.upsert_roles([late])
    assert store.pending_sanctions() == ["S4"]
    report = enforcement.propagate(store, CATALOGUE)
    assert report.sanctions == 1
    assert report.restrictions_removed == 0  # FRANK's fact stays as it was
    assert report.restrictions_written == 1
    assert store.restriction_facts() == _reference(store)
    assert {f.person_id for f in store.restriction_facts(sanction_id="S4")} == {
        FRANK,
        resident_id(7),
    }


def test_changed_dates_update_the_facts_in_place(store: GraphStore) -> None:
    _seed(store)
    enforcement.propagate(store, CATALOGUE)
    before = store.restriction_facts(sanction_id="S2")
    # the court's listing is found to have been made a day later
    store.upsert_sanctions([replace(SANCTIONS[1], decided_on=_d("2023-06-02"))])
    report = enforcement.propagate(store, CATALOGUE)
    assert (report.restrictions_written, report.restrictions_removed) == (2, 0)
    after = store.restriction_facts(sanction_id="S2")
    assert [f.restriction_id for f in after] == [f.restriction_id for f in before]
    assert {(f.valid_from, f.valid_until) for f in after} == {
        (_d("2023-06-02"), _d("2025-06-02"))
    }
    assert store.restriction_facts() == _reference(store)


def test_a_role_of_an_unsanctioned_enterprise_marks_nothing(store: GraphStore) -> None:
    _seed(store)
    enforcement.propagate(store, CATALOGUE)
    store.upsert_roles([make_role(person_id=ALICE, credit_code=THIRD, role=LR)])
    assert store.pending_sanctions() == []


def test_a_changed_sanction_is_derived_again(store: GraphStore) -> None:
    _seed(store)
    enforcement.propagate(store, CATALOGUE)
    # the violation turns out to date from BOB's time in office
    store.upsert_sanctions([replace(SANCTIONS[0], violation_date=_d("2023-03-01"))])
    assert store.pending_sanctions() == ["S1"]
    report = enforcement.propagate(store, CATALOGUE)
    assert (report.sanctions, report.restrictions_removed) == (1, 1)
    assert [f.person_id for f in store.restriction_facts(sanction_id="S1")] == [BOB]
    assert store.restriction_facts() == _reference(store)


def test_an_identity_merge_moves_the_roles_and_their_restrictions(
    store: GraphStore,
) -> None:
    _seed(store)
    surrogate = "U0000000000000001"
    store.upsert_persons([make_person(person_id=surrogate, name="王五")])
    store.upsert_roles([make_role(person_id=surrogate, role=MANAGER, since=None)])
    enforcement.propagate(store, CATALOGUE)
    assert surrogate in {f.person_id for f in store.restriction_facts(sanction_id="S2")}
    # the surrogate is resolved to CAROL: her copy of the role is written
    store.upsert_roles([make_role(person_id=CAROL, role=MANAGER, since=None)])
    assert store.pending_sanctions() == ["S1", "S2"]
    enforcement.propagate(store, CATALOGUE)
    reached = {f.person_id for f in store.restriction_facts(sanction_id="S2")}
    assert CAROL in reached
    assert store.restriction_facts() == _reference(store)


@pytest.mark.parametrize(
    ("sanction", "role", "expected"),
    [
        # leap-day decision: 3 years later is 2027-02-28 (Feb 29 clamps)
        (
            {"decided_on": "2024-02-29", "violation_date": "2024-01-10"},
            {"since": "2024-01-10", "until": None},
            [("bar_legal_representative", "2024-02-29", "2027-02-28")],
        ),
        # the role ends on the violation day: not reached
        (
            {"decided_on": "2024-02-29", "violation_date": "2024-01-10"},
            {"since": "2020-01-01", "until": "2024-01-10"},
            [],
        ),
        # one-year window before a leap-day decision starts 2023-02-28 ...
        (
            {"type": "administrative_penalty", "decided_on": "2024-02-29"},
            {"since": "2020-01-01", "until": "2023-03-01"},
            [("credit_file_note", "2024-02-29", "2027-02-28")],
        ),
        # ... so a role ending on 2023-02-28 (last day 02-27) is out of it
        (
            {"type": "administrative_penalty", "decided_on": "2024-02-29"},
            {"since": "2020-01-01", "until": "2023-02-28"},
            [],
        ),
        # listing measure: display 2 years from 2024-02-29
        (
            {"type": "dishonest_judgment_debtor", "decided_on": "2024-02-29"},
            {"since": None, "until": None},
            [("restrict_high_consumption", "2024-02-29", "2026-02-28")],
        ),
        # display_until ends a listing measure; a fixed measure ignores it
        (
            {"type": "dishonest_judgment_debtor", "display_until": "2025-01-01"},
            {"since": None, "until": None},
            [("restrict_high_consumption", "2023-06-01", "2025-01-01")],
        ),
        (
            {"display_until": "2024-01-01"},
            {"since": None, "until": None},
            [("bar_legal_representative", "2023-06-01", "2026-06-01")],
        ),
        # display ends on the decision day: empty validity, left out
        (
            {"type": "dishonest_judgment_debtor", "display_until": "2023-06-01"},
            {"since": None, "until": None},
            [],
        ),
        # an empty role interval (since >= until) is never held
        ({}, {"since": "2023-01-10", "until": "2023-01-10"}, []),
    ],
)
def test_dates_the_store_computes_equal_the_rules(
    store: GraphStore,
    sanction: dict[str, str | None],
    role: dict[str, str | None],
    expected: list[tuple[str, str, str]],
) -> None:
    store.upsert_persons([make_person(person_id=ALICE)])
    store.upsert_enterprises([make_enterprise(credit_code=ACME)])
    dates = {k: (_d(v) if v else None) for k, v in role.items()}
    store.upsert_roles([make_role(person_id=ALICE, role=LR, **dates)])
    fields = {
        k: (v if k == "type" else (_d(v) if v else None)) for k, v in sanction.items()
    }
    listed = make_sanction(**fields)
    store.upsert_sanctions([listed])
    enforcement.propagate(store, CATALOGUE)
    facts = store.restriction_facts()
    assert [
        (f.measure, f.valid_from.isoformat(), f.valid_until.isoformat()) for f in facts
    ] == expected
    assert facts == _reference(store)


def test_a_sanction_of_an_unknown_type_is_skipped(store: GraphStore) -> None:
    _seed(store)
    enforcement.propagate(store, CATALOGUE)
    store.upsert_sanctions(
        [replace(SANCTIONS[0], sanction_id="S5", type="no_such_type")]
    )
    store.upsert_sanctions([replace(SANCTIONS[1], violation_date=_d("2023-01-01"))])
    report = enforcement.propagate(store, CATALOGUE)
    assert report.skipped == ("S5",)
    assert report.sanctions == 1  # S2 is derived all the same
    assert store.pending_sanctions() == ["S5"]
    assert store.restriction_facts(sanction_id="S5") == []
    assert store.restriction_facts() == _reference(store)
    full = enforcement.propagate(store, CATALOGUE, full=True)
    assert (full.sanctions, full.skipped) == (4, ("S5",))
    assert store.pending_sanctions() == ["S5"]
    # reads go on: nothing can be derived for S5
    assert enforcement.restrictions_on(store, CATALOGUE, ALICE, _d("2024-01-01"))


def test_facts_filter_by_person_sanction_and_day(store: GraphStore) -> None:
    _seed(store)
    enforcement.propagate(store, CATALOGUE)
    everything = store.restriction_facts()
    assert store.restriction_facts(person_id=ERIN) == [
        f for f in everything if f.person_id == ERIN
    ]
    assert store.restriction_facts(person_id=BOB, sanction_id="S1") == []
    # S2's listing ends 2025-06-01; S1 runs to 2026-06-01 (half-open)
    on = _d("2025-06-01")
    assert {f.sanction_id for f in store.restriction_facts(on=on)} == {"S1", "S4"}
    assert store.restriction_facts(on=_d("2023-05-31")) == []
    assert store.restriction_facts(on=_d("2023-06-01")) == everything


def test_roles_by_id_returns_known_roles_sorted(store: GraphStore) -> None:
    _seed(store)
    wanted = [ROLES[2].role_id, "nobody|x|director|", ROLES[0].role_id]
    assert store.roles_by_id(wanted) == sorted(
        [ROLES[0], ROLES[2]], key=lambda r: r.role_id
    )
    assert store.roles_by_id([]) == []


def test_a_changed_catalogue_is_detected_on_read(store: GraphStore) -> None:
    _seed(store)
    enforcement.propagate(store, CATALOGUE)
    rule = CATALOGUE.rule("serious_illegal_dishonest")
    shorter = replace(rule.role_measures[0], lasts=Period(years=2))
    edited = replace(
        CATALOGUE,
        rules=tuple(
            replace(r, role_measures=(shorter,))
            if r.sanction_type == rule.sanction_type
            else r
            for r in CATALOGUE.rules
        ),
    )
    with pytest.raises(PolicyError, match="propagate --full"):
        enforcement.restrictions_on(store, edited, ALICE, _d("2024-01-01"))
    enforcement.propagate(store, edited, full=True)
    (bar,) = enforcement.restrictions_on(store, edited, ALICE, _d("2024-01-01"))
    assert bar.valid_until == _d("2025-06-01")


# -- reads as of a date, appointment checks ------------------------------------------


def test_restrictions_on_a_day(store: GraphStore) -> None:
    _seed(store)
    # nothing propagated by hand: the read derives pending sanctions first
    assert (
        _ids(enforcement.restrictions_on(store, CATALOGUE, ALICE, _d("2023-05-31")))
        == []
    )
    (bar,) = enforcement.restrictions_on(store, CATALOGUE, ALICE, _d("2023-06-01"))
    assert (bar.sanction_id, bar.measure) == ("S1", "bar_legal_representative")
    assert bar.except_enterprise == ACME
    assert "法定代表人" in bar.explanation_zh
    assert "2023-01-10" in bar.explanation_en
    assert enforcement.restrictions_on(store, CATALOGUE, ALICE, _d("2026-05-31"))
    assert enforcement.restrictions_on(store, CATALOGUE, ALICE, _d("2026-06-01")) == []
    erin = enforcement.restrictions_on(store, CATALOGUE, ERIN, _d("2024-01-01"))
    assert [r.measure for r in erin] == [
        "bar_director_supervisor_manager",
        "bar_legal_representative",
        "restrict_high_consumption",
    ]
    assert enforcement.restrictions_on(store, CATALOGUE, CAROL, _d("2024-01-01")) == []


@pytest.mark.parametrize(
    ("person", "role", "code", "day", "blocked_by"),
    [
        (ALICE, LR, OTHER, "2024-01-01", ["S1"]),  # another enterprise: barred
        (ALICE, LR, ACME, "2024-01-01", []),  # the listed enterprise itself
        (ALICE, DIRECTOR, OTHER, "2024-01-01", []),  # a role the measure does not bar
        (ALICE, LR, OTHER, "2023-05-31", []),  # before the decision
        (ALICE, LR, OTHER, "2026-06-01", []),  # after the 3 years
        (ERIN, DIRECTOR, ACME, "2024-01-01", ["S3"]),
        (ERIN, LR, THIRD, "2025-05-31", ["S3"]),
        (ERIN, LR, THIRD, "2025-06-01", []),  # the listing ended
        (FRANK, MANAGER, ACME, "2024-01-01", ["S4"]),
        (BOB, LR, THIRD, "2024-01-01", []),  # consumption restriction bars nothing
    ],
)
def test_check_appointment(
    store: GraphStore,
    person: str,
    role: RoleType,
    code: str,
    day: str,
    blocked_by: list[str],
) -> None:
    _seed(store)
    check = enforcement.check_appointment(store, CATALOGUE, person, role, code, _d(day))
    assert check.allowed is (not blocked_by)
    assert sorted({r.sanction_id for r in check.blocking}) == blocked_by


# -- lifecycle -----------------------------------------------------------------------


def test_repair_lifts_restrictions_from_its_date(store: GraphStore) -> None:
    _seed(store)
    with pytest.raises(LifecycleError, match="minimum period"):
        enforcement.record_event(
            store, CATALOGUE, _event(EventKind.REPAIR, "S1", "2024-05-31")
        )
    assert store.sanction_events("S1") == []
    repaired = enforcement.record_event(
        store, CATALOGUE, _event(EventKind.REPAIR, "S1", "2024-06-01")
    )
    assert repaired.status is SanctionStatus.REPAIRED
    assert store.get_sanction("S1") == repaired
    (event,) = store.sanction_events("S1")
    assert (event.kind, event.on, event.seq, event.by) == (
        EventKind.REPAIR,
        _d("2024-06-01"),
        0,
        "张三",
    )
    assert enforcement.restrictions_on(store, CATALOGUE, ALICE, _d("2024-05-31"))
    assert enforcement.restrictions_on(store, CATALOGUE, ALICE, _d("2024-06-01")) == []
    assert store.pending_sanctions() == []  # a status event derives nothing


def test_a_statutory_bar_survives_repair(store: GraphStore) -> None:
    _seed(store)
    enforcement.record_event(
        store, CATALOGUE, _event(EventKind.REPAIR, "S4", "2024-06-01")
    )
    check = enforcement.check_appointment(
        store, CATALOGUE, FRANK, DIRECTOR, THIRD, _d("2025-01-01")
    )
    assert not check.allowed


def test_objection_suspends_rejection_restores_upholding_revokes(
    store: GraphStore,
) -> None:
    _seed(store)
    on = enforcement.restrictions_on
    enforcement.record_event(
        store, CATALOGUE, _event(EventKind.OBJECT, "S1", "2023-07-01")
    )
    assert store.get_sanction("S1").status is SanctionStatus.SUSPENDED  # type: ignore[union-attr]
    assert on(store, CATALOGUE, ALICE, _d("2023-06-30"))
    assert on(store, CATALOGUE, ALICE, _d("2023-07-01")) == []
    enforcement.record_event(
        store, CATALOGUE, _event(EventKind.REJECT, "S1", "2023-08-01")
    )
    assert on(store, CATALOGUE, ALICE, _d("2023-07-31")) == []
    assert on(store, CATALOGUE, ALICE, _d("2023-08-01"))
    enforcement.record_event(
        store, CATALOGUE, _event(EventKind.OBJECT, "S1", "2023-09-01")
    )
    revoked = enforcement.record_event(
        store, CATALOGUE, _event(EventKind.UPHOLD, "S1", "2023-10-01")
    )
    assert revoked.status is SanctionStatus.REVOKED
    assert on(store, CATALOGUE, ALICE, _d("2023-08-15"))
    assert on(store, CATALOGUE, ALICE, _d("2023-10-01")) == []
    assert on(store, CATALOGUE, ALICE, _d("2025-01-01")) == []
    assert [e.kind for e in store.sanction_events("S1")] == [
        EventKind.OBJECT,
        EventKind.REJECT,
        EventKind.OBJECT,
        EventKind.UPHOLD,
    ]
    assert [e.seq for e in store.sanction_events("S1")] == [0, 1, 2, 3]
    with pytest.raises(LifecycleError, match="revoked"):
        enforcement.record_event(
            store,
            CATALOGUE,
            _event(
                EventKind.CORRECT, "S1", "2023-11-01", changes=(("authority", "x"),)
            ),
        )


def test_a_correction_derives_the_sanction_again(store: GraphStore) -> None:
    _seed(store)
    enforcement.propagate(store, CATALOGUE)
    corrected = enforcement.record_event(
        store,
        CATALOGUE,
        _event(
            EventKind.CORRECT,
            "S1",
            "2023-07-01",
            changes=(
                ("violation_date", "2023-03-01"),
                ("decision_no", "成市监严〔2023〕2号"),
            ),
        ),
    )
    assert corrected.violation_date == _d("2023-03-01")
    assert store.get_sanction("S1") == corrected
    assert store.pending_sanctions() == []
    assert enforcement.restrictions_on(store, CATALOGUE, ALICE, _d("2024-01-01")) == []
    on_bob = enforcement.restrictions_on(store, CATALOGUE, BOB, _d("2024-01-01"))
    (bar,) = [r for r in on_bob if r.sanction_id == "S1"]
    assert bar.person_id == BOB
    assert "成市监严〔2023〕2号" in bar.explanation_zh
    # corrections are retroactive: reads of earlier days see the corrected record
    assert enforcement.restrictions_on(store, CATALOGUE, ALICE, _d("2023-06-15")) == []
    (event,) = store.sanction_events("S1")
    assert event.changes == (
        ("violation_date", "2023-03-01"),
        ("decision_no", "成市监严〔2023〕2号"),
    )
    assert store.restriction_facts() == _reference(store)


def test_a_correction_of_the_subject_moves_the_sanction(store: GraphStore) -> None:
    _seed(store)
    enforcement.record_event(
        store,
        CATALOGUE,
        _event(EventKind.CORRECT, "S1", "2023-07-01", changes=(("subject_id", OTHER),)),
    )
    assert store.sanctions_against(EntityKind.ENTERPRISE, ACME)[0].sanction_id == "S2"
    assert [
        s.sanction_id for s in store.sanctions_against(EntityKind.ENTERPRISE, OTHER)
    ] == ["S1", "S4"]
    reached = enforcement.trace(store, CATALOGUE, "S1", _d("2024-01-01"))
    assert [r.person_id for r in reached] == [FRANK]
    assert reached[0].except_enterprise == OTHER
    # its roles now matter to S1: a role write at OTHER marks it
    store.upsert_roles([replace(ROLES[5], until=_d("2024-01-01"))])
    assert store.pending_sanctions() == ["S1", "S4"]


def test_events_are_checked_and_stored_atomically(store: GraphStore) -> None:
    _seed(store)
    with pytest.raises(EntityNotFoundError):
        enforcement.record_event(
            store, CATALOGUE, _event(EventKind.REPAIR, "S9", "2024-06-01")
        )
    with pytest.raises(LifecycleError, match="not in the catalogue"):
        enforcement.record_event(
            store,
            CATALOGUE,
            _event(EventKind.CORRECT, "S1", "2023-07-01", changes=(("type", "nope"),)),
        )
    with pytest.raises(EntityNotFoundError):
        enforcement.record_event(
            store,
            CATALOGUE,
            _event(
                EventKind.CORRECT,
                "S1",
                "2023-07-01",
                changes=(("subject_id", credit_code(9)),),
            ),
        )
    assert store.sanction_events("S1") == []
    assert store.get_sanction("S1") == SANCTIONS[0]
    event = _event(EventKind.OBJECT, "S1", "2023-07-01")
    store.append_sanction_event(
        replace(SANCTIONS[0], status=SanctionStatus.SUSPENDED), event
    )
    # a second writer with the same sequence number loses
    with pytest.raises(LifecycleError, match="already recorded"):
        store.append_sanction_event(SANCTIONS[0], replace(event, kind=EventKind.REPAIR))
    assert store.sanction_events("S1") == [event]
    assert store.get_sanction("S1").status is SanctionStatus.SUSPENDED  # type: ignore[union-attr]


def test_trace_lists_everyone_reached_and_why(store: GraphStore) -> None:
    _seed(store)
    everyone = enforcement.trace(store, CATALOGUE, "S2", None)
    assert [(r.person_id, r.chain.role) for r in everyone] == sorted(
        [(BOB, LR), (DAVE, MANAGER)]
    )
    assert all(r.chain.decision_no == "（2023）川01执1号" for r in everyone)
    assert enforcement.trace(store, CATALOGUE, "S2", _d("2025-06-01")) == []
    enforcement.record_event(
        store, CATALOGUE, _event(EventKind.REPAIR, "S2", "2024-01-01")
    )
    assert enforcement.trace(store, CATALOGUE, "S2", _d("2024-01-01")) == []
    before = enforcement.trace(store, CATALOGUE, "S2", _d("2023-12-31"))
    assert _without_lifecycle(before) == _without_lifecycle(everyone)
    # read on the day before the repair: in force, and its end is the repair's
    assert {
        (r.lifecycle.status.value, r.lifecycle.ends_on) for r in before if r.lifecycle
    } == {("in_force", _d("2024-01-01"))}
    with pytest.raises(EntityNotFoundError):
        enforcement.trace(store, CATALOGUE, "S9", None)


def test_wipe_removes_facts_events_and_marks(store: GraphStore) -> None:
    _seed(store)
    enforcement.record_event(
        store, CATALOGUE, _event(EventKind.OBJECT, "S1", "2023-07-01")
    )
    store.upsert_sanctions([SANCTIONS[1]])
    store.wipe()
    assert store.restriction_facts() == []
    assert store.pending_sanctions() == []
    assert store.sanction_events("S1") == []


def _without_lifecycle(restrictions: list[Restriction]) -> list[Restriction]:
    """The restrictions as derived: their status on the day read left out."""
    return [replace(r, lifecycle=None) for r in restrictions]
