"""The GraphStore contract, run against both stores."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from graph.errors import EntityNotFoundError
from graph.model import Counts, EntityKind, RoleType, SanctionStatus, Sex
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    make_source_record,
    resident_id,
)

if TYPE_CHECKING:
    from graph.store import GraphStore


def _seed(store: GraphStore) -> None:
    store.upsert_persons([make_person(), make_person(person_id=resident_id(2))])
    store.upsert_enterprises([make_enterprise()])
    store.upsert_roles(
        [
            make_role(),
            make_role(
                person_id=resident_id(2),
                role=RoleType.LEGAL_REPRESENTATIVE,
                since=date(2012, 3, 1),
                until=date(2018, 3, 1),
            ),
        ]
    )


def test_empty_store_counts_zero(store: GraphStore) -> None:
    assert store.counts() == Counts()


def test_upserts_are_counted_and_idempotent(store: GraphStore) -> None:
    _seed(store)
    store.upsert_sanctions([make_sanction()])
    store.upsert_source_records([make_source_record()])
    first = store.counts()
    _seed(store)
    store.upsert_sanctions([make_sanction()])
    store.upsert_source_records([make_source_record()])
    assert (
        first
        == store.counts()
        == Counts(persons=2, enterprises=1, roles=2, sanctions=1, source_records=1)
    )


def test_first_name_wins_and_others_become_aliases(store: GraphStore) -> None:
    person = make_person()
    store.upsert_persons([person])
    store.upsert_persons([make_person(name="張偉"), make_person(name="张玮")])
    store.upsert_persons([make_person(name="張偉")])
    stored = store.get_person(person.person_id)
    assert stored is not None
    assert stored.name == "张伟"
    assert stored.aliases == ("张玮", "張偉")


def test_unknown_fields_fill_in_but_known_ones_stay(store: GraphStore) -> None:
    store.upsert_persons([make_person(birth_date=None, sex=None)])
    store.upsert_persons([make_person(birth_date=date(1961, 2, 2), sex=Sex.MALE)])
    store.upsert_persons([make_person(birth_date=date(1999, 1, 1), sex=Sex.FEMALE)])
    stored = store.get_person(resident_id(1))
    assert stored is not None
    assert (stored.birth_date, stored.sex) == (date(1961, 2, 2), Sex.MALE)


def test_enterprise_stub_does_not_erase_a_known_name(store: GraphStore) -> None:
    store.upsert_enterprises([make_enterprise()])
    store.upsert_enterprises([make_enterprise(name="", status=None, founded_on=None)])
    assert store.get_enterprise(credit_code(1)) == make_enterprise()


def test_get_returns_what_was_written(store: GraphStore) -> None:
    _seed(store)
    sanction = make_sanction(display_until=date(2026, 6, 1))
    store.upsert_sanctions([sanction])
    record = make_source_record()
    store.upsert_source_records([record])
    assert store.get_person(resident_id(1)) == make_person()
    assert store.get_enterprise(credit_code(1)) == make_enterprise()
    assert store.get_sanction("S1") == sanction
    assert store.get_source_record("test", "1") == record
    assert store.source_records_of(EntityKind.PERSON, resident_id(1)) == [record]


def test_get_unknown_key_is_none(store: GraphStore) -> None:
    assert store.get_person(resident_id(9)) is None
    assert store.get_enterprise(credit_code(9)) is None
    assert store.get_sanction("nope") is None
    assert store.get_source_record("test", "nope") is None
    assert store.neighbours(EntityKind.PERSON, resident_id(9)) == []


@pytest.mark.parametrize(
    ("on", "expected_people"),
    [
        (None, {resident_id(1), resident_id(2)}),
        (date(2012, 2, 29), set()),
        (date(2012, 3, 1), {resident_id(2)}),  # first day held
        (date(2015, 1, 1), {resident_id(1), resident_id(2)}),
        (date(2018, 2, 28), {resident_id(1), resident_id(2)}),
        (date(2018, 3, 1), {resident_id(1)}),  # until is exclusive
    ],
)
def test_neighbours_as_of_a_date(
    store: GraphStore, on: date | None, expected_people: set[str]
) -> None:
    _seed(store)
    roles = store.neighbours(EntityKind.ENTERPRISE, credit_code(1), on)
    assert {r.person_id for r in roles} == expected_people
    assert [r.role_id for r in roles] == sorted(r.role_id for r in roles)
    for person_id in expected_people:
        mine = store.neighbours(EntityKind.PERSON, person_id, on)
        assert [r for r in roles if r.person_id == person_id] == mine


def test_role_with_missing_endpoint_writes_nothing(store: GraphStore) -> None:
    _seed(store)
    before = store.counts()
    good = make_role(since=date(2020, 1, 1))
    with pytest.raises(EntityNotFoundError) as info:
        store.upsert_roles([good, make_role(person_id=resident_id(7))])
    assert info.value.key == resident_id(7)
    with pytest.raises(EntityNotFoundError):
        store.upsert_roles([make_role(credit_code=credit_code(7))])
    assert store.counts() == before


def test_sanction_subject_must_exist(store: GraphStore) -> None:
    with pytest.raises(EntityNotFoundError):
        store.upsert_sanctions([make_sanction()])
    with pytest.raises(EntityNotFoundError):
        store.upsert_sanctions(
            [make_sanction(subject_kind=EntityKind.PERSON, subject_id=resident_id(3))]
        )
    assert store.counts().sanctions == 0


def test_sanction_update_can_move_its_subject(store: GraphStore) -> None:
    _seed(store)
    store.upsert_sanctions([make_sanction()])
    moved = make_sanction(
        subject_kind=EntityKind.PERSON,
        subject_id=resident_id(2),
        status=SanctionStatus.SUSPENDED,
    )
    store.upsert_sanctions([moved])
    assert store.sanctions_against(EntityKind.ENTERPRISE, credit_code(1)) == []
    assert store.sanctions_against(EntityKind.PERSON, resident_id(2)) == [moved]


def test_role_update_replaces_its_end_date(store: GraphStore) -> None:
    _seed(store)
    store.upsert_roles([make_role(until=date(2020, 1, 1))])
    roles = store.neighbours(EntityKind.PERSON, resident_id(1))
    assert [r.until for r in roles] == [date(2020, 1, 1)]


def test_wipe_empties_the_store(store: GraphStore) -> None:
    _seed(store)
    store.wipe()
    assert store.counts() == Counts()
    assert store.neighbours(EntityKind.PERSON, resident_id(1)) == []


def test_existing_keys_names_only_what_is_there(store: GraphStore) -> None:
    _seed(store)
    asked = [resident_id(1), resident_id(9), resident_id(2)]
    assert store.existing_keys(EntityKind.PERSON, asked) == {
        resident_id(1),
        resident_id(2),
    }
    assert store.existing_keys(EntityKind.ENTERPRISE, [credit_code(1), "X"]) == {
        credit_code(1)
    }
    assert store.existing_keys(EntityKind.PERSON, []) == set()


def test_an_empty_name_is_unknown_not_first(store: GraphStore) -> None:
    store.upsert_persons([make_person(name="")])
    store.upsert_persons([make_person(name="张伟"), make_person(name="")])
    stored = store.get_person(resident_id(1))
    assert stored is not None
    assert (stored.name, stored.aliases) == ("张伟", ())
