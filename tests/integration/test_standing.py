"""An enterprise's standing on both stores: its sanctions, its restricted holders,
and the roles taken while barred (违规任职)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from graph import enforcement
from graph.errors import EntityNotFoundError
from graph.model import RoleType
from graph.policy import load_catalogue
from graph.standing import standing_of
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

WANG, LI = resident_id(1), resident_id(2)
LISTED, LATER = credit_code(1), credit_code(2)


def seed_standing(store: GraphStore) -> None:
    """WANG represents LISTED (listed on 2023-06-01: barred from representing
    another enterprise) and became LATER's legal representative on 2024-01-01; LI
    has been a director of LATER since 2010."""
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
    enforcement.propagate(store, load_catalogue())


def test_standing_of_both_enterprises(store: GraphStore) -> None:
    seed_standing(store)
    catalogue = load_catalogue()
    day = date(2024, 6, 1)
    listed = standing_of(store, catalogue, LISTED, day)
    assert [s.sanction_id for s in listed.sanctions] == ["S1"]
    assert [h.role.person_id for h in listed.restricted] == [WANG]
    assert listed.irregular == ()  # WANG took this role before the listing
    later = standing_of(store, catalogue, LATER, day)
    assert later.sanctions == ()
    assert [h.role.person_id for h in later.restricted] == [WANG]
    assert [(a.role.person_id, a.role.since) for a in later.irregular] == [
        (WANG, date(2024, 1, 1))
    ]
    assert all(r.sanction_id == "S1" for r in later.irregular[0].blocking)
    assert later.persons == [WANG]
    before = standing_of(store, catalogue, LATER, date(2023, 1, 1))
    assert (before.restricted, before.irregular) == ((), ())
    with pytest.raises(EntityNotFoundError):
        standing_of(store, catalogue, credit_code(9), day)
