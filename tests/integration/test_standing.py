"""An enterprise's standing on both stores: its sanctions, its restricted holders,
the roles taken while barred (违规任职), and its good records and incentives."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from graph import enforcement
from graph.errors import EntityNotFoundError
from graph.model import EntityKind, RoleType
from graph.policy import load_catalogue
from graph.policy.incentives import load_incentives
from graph.propagation import EventKind, SanctionEvent
from graph.standing import standing_of
from tests.factories import (
    credit_code,
    make_commendation,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from graph.store import GraphStore

WANG, LI = resident_id(1), resident_id(2)
LISTED, LATER = credit_code(1), credit_code(2)
INCENTIVES = load_incentives()


def seed_standing(store: GraphStore) -> None:
    """WANG represents LISTED (listed on 2023-06-01: barred from representing
    another enterprise) and became LATER's legal representative on 2024-01-01; LI
    has been a director of LATER since 2010. LATER was named a trustworthy subject
    (守信激励对象, 1 year, withdrawn by a later sanction) on 2024-01-01."""
    store.upsert_persons([make_person(), make_person(person_id=LI, name="李四")])
    store.upsert_enterprises(
        [make_enterprise(), make_enterprise(credit_code=LATER, name="乙")]
    )
    store.upsert_roles(
        [
            make_role(role=RoleType.LEGAL_REPRESENTATIVE, since=date(2015, 1, 1)),
            make_role(credit_code=LATER, role=RoleType.LEGAL_REPRESENTATIVE,
                      since=date(2024, 1, 1), record_id="2"),
            make_role(person_id=LI, credit_code=LATER, since=date(2010, 1, 1),
                      record_id="3"),
        ]
    )  # fmt: skip
    store.upsert_sanctions([make_sanction()])
    store.upsert_commendations(
        [
            make_commendation(
                commendation_id="G1", subject_kind=EntityKind.ENTERPRISE,
                subject_id=LATER, kind="trustworthy_subject",
                authority="成都市发展和改革委员会", record_id="G1",
            )
        ]
    )  # fmt: skip
    enforcement.propagate(store, load_catalogue())


def test_standing_of_both_enterprises(store: GraphStore) -> None:
    seed_standing(store)
    catalogue = load_catalogue()
    day = date(2024, 6, 1)
    listed = standing_of(store, catalogue, INCENTIVES, LISTED, day)
    assert [s.sanction_id for s in listed.sanctions] == ["S1"]
    assert [h.role.person_id for h in listed.restricted] == [WANG]
    assert listed.irregular == ()  # WANG took this role before the listing
    later = standing_of(store, catalogue, INCENTIVES, LATER, day)
    assert later.sanctions == ()
    assert [h.role.person_id for h in later.restricted] == [WANG]
    assert [(a.role.person_id, a.role.since) for a in later.irregular] == [
        (WANG, date(2024, 1, 1))
    ]
    assert all(r.sanction_id == "S1" for r in later.irregular[0].blocking)
    assert later.persons == [WANG]
    before = standing_of(store, catalogue, INCENTIVES, LATER, date(2023, 1, 1))
    assert (before.restricted, before.irregular) == ((), ())
    with pytest.raises(EntityNotFoundError):
        standing_of(store, catalogue, INCENTIVES, credit_code(9), day)


def test_good_records_and_incentives_in_the_standing(store: GraphStore) -> None:
    """LATER's good record earns its facilitations until a later sanction against
    LATER withdraws it (the kind does not return); an objection suspends the
    withdrawal and, upheld, revokes the sanction: the record counts again."""
    seed_standing(store)
    catalogue = load_catalogue()

    def seen(day: date) -> tuple[list[tuple[str, str]], list[str]]:
        found = standing_of(store, catalogue, INCENTIVES, LATER, day)
        return (
            [(r.commendation.commendation_id, r.status.value)
             for r in found.good_records],
            [r.commendation.kind for r in found.incentives],
        )  # fmt: skip

    assert seen(date(2023, 12, 31)) == ([], [])
    assert seen(date(2024, 6, 1)) == (
        [("G1", "in_force")], ["trustworthy_subject"]
    )  # fmt: skip
    (good,) = standing_of(
        store, catalogue, INCENTIVES, LATER, date(2024, 6, 1)
    ).incentives
    assert good.ends_on == date(2025, 1, 1)
    assert good.kind is not None
    assert good.kind.facilitations
    store.upsert_sanctions(
        [
            make_sanction(
                sanction_id="P1", subject_id=LATER, type="administrative_penalty",
                decision_no="成市监罚〔2024〕7号", decided_on=date(2024, 7, 1),
                violation_date=None,
            )
        ]
    )  # fmt: skip
    enforcement.propagate(store, catalogue)
    assert seen(date(2024, 6, 30)) == ([("G1", "in_force")], ["trustworthy_subject"])
    assert seen(date(2024, 8, 1)) == ([("G1", "withdrawn")], [])
    (withdrawn,) = standing_of(
        store, catalogue, INCENTIVES, LATER, date(2024, 8, 1)
    ).good_records
    assert [s.sanction_id for s in withdrawn.suspensions] == ["P1"]
    for kind, on in ((EventKind.OBJECT, date(2024, 9, 1)),
                     (EventKind.UPHOLD, date(2024, 10, 1))):  # fmt: skip
        event = SanctionEvent("P1", kind, on, "officer", "wrong subject")
        enforcement.record_event(store, catalogue, event)
    assert seen(date(2024, 9, 15)) == ([("G1", "suspended")], [])
    assert seen(date(2024, 10, 1)) == ([("G1", "in_force")], ["trustworthy_subject"])
    assert seen(date(2025, 1, 1)) == ([("G1", "expired")], [])
    listed = standing_of(store, catalogue, INCENTIVES, LISTED, date(2024, 6, 1))
    assert (listed.good_records, listed.incentives) == ((), [])
