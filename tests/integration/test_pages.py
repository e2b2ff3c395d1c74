"""Pages of neighbours on both stores: ``roles_page`` is ``neighbours`` cut in the
store's query, ``people_page`` follows its cursors to every holder, once."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from graph.errors import EntityNotFoundError, InvalidRequestError
from graph.exploration import (
    Associate,
    people_of,
    people_page,
    related_entities,
    related_page,
)
from graph.model import EntityKind, Person, Role
from tests.factories import credit_code, make_enterprise, make_role, resident_id

if TYPE_CHECKING:
    from graph.store import GraphStore

HUB, SMALL = credit_code(1), credit_code(2)
PEOPLE = [resident_id(n) for n in range(1, 24)]


def _seed(store: GraphStore) -> None:
    store.upsert_persons([Person(key, f"人{n}") for n, key in enumerate(PEOPLE)])
    store.upsert_enterprises(
        [make_enterprise(credit_code=HUB), make_enterprise(credit_code=SMALL)]
    )
    roles = [
        make_role(person_id=key, credit_code=HUB, record_id=str(n),
                  since=date(2015 + n % 5, 1, 1),
                  until=date(2021, 1, 1) if n % 3 == 0 else None)
        for n, key in enumerate(PEOPLE)
    ]  # fmt: skip
    roles.append(make_role(person_id=PEOPLE[0], credit_code=SMALL))
    store.upsert_roles(roles)


@pytest.mark.parametrize("on", [None, date(2020, 6, 1), date(2022, 1, 1)])
def test_roles_pages_cut_neighbours(store: GraphStore, on: date | None) -> None:
    _seed(store)
    for kind, key in ((EntityKind.ENTERPRISE, HUB), (EntityKind.PERSON, PEOPLE[0])):
        everything = store.neighbours(kind, key, on)
        for skip, limit in ((0, 5), (5, 5), (20, 10), (0, 100), (30, 3)):
            page = store.roles_page(kind, key, on, skip=skip, limit=limit)
            assert page == everything[skip : skip + limit], (kind, skip, limit)


def test_people_pages_follow_the_cursor(store: GraphStore) -> None:
    _seed(store)
    _, holders = people_of(store, HUB, date(2020, 6, 1))
    seen: list[tuple[Role, Person]] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = people_page(store, HUB, date(2020, 6, 1), limit=4, cursor=cursor)
        seen.extend(page.holders)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == holders
    assert pages == -(-len(holders) // 4)
    first = people_page(store, HUB, None, limit=4)
    assert first.next_cursor is not None
    with pytest.raises(InvalidRequestError):
        people_page(store, SMALL, None, limit=4, cursor=first.next_cursor)
    with pytest.raises(InvalidRequestError):
        people_page(store, HUB, date(2020, 1, 1), limit=4, cursor=first.next_cursor)
    with pytest.raises(InvalidRequestError):
        people_page(store, HUB, None, limit=0)
    with pytest.raises(EntityNotFoundError):
        people_page(store, credit_code(9), None, limit=4)
    assert PEOPLE[0][6:] not in (first.next_cursor or "")


def test_related_to_a_depth_in_pages(store: GraphStore) -> None:
    """PEOPLE[0] is in HUB and SMALL; PEOPLE[1] also holds a role in a third."""
    _seed(store)
    third = credit_code(3)
    store.upsert_enterprises([make_enterprise(credit_code=third)])
    store.upsert_roles([make_role(person_id=PEOPLE[1], credit_code=third)])
    whole = related_entities(store, PEOPLE[0], None)
    one = related_page(store, PEOPLE[0], None, depth=1)
    assert (one.roles, one.enterprises, one.associates) == (
        whole.roles, whole.enterprises, ()
    )  # fmt: skip
    assert one.next_cursor is None
    seen: list[Associate] = []
    cursor: str | None = None
    while True:
        page = related_page(store, PEOPLE[0], None, depth=2, limit=5, cursor=cursor)
        assert len(page.associates) <= 5
        assert page.further == ()
        seen.extend(page.associates)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert tuple(seen) == whole.associates
    three = related_page(store, PEOPLE[0], None, depth=3, limit=2)
    assert three.next_cursor is not None
    assert related_page(  # a cursor is for its own depth
        store, PEOPLE[0], None, depth=3, limit=2, cursor=three.next_cursor
    ).associates
    assert [a.person.person_id for a in three.associates] == sorted(PEOPLE[1:])[:2]
    assert [(r.person_id, r.credit_code) for r in three.further] == (
        [(PEOPLE[1], third)] if PEOPLE[1] in sorted(PEOPLE[1:])[:2] else []
    )
    assert [e.credit_code for e in three.further_enterprises] == sorted(
        {r.credit_code for r in three.further}
    )
    with pytest.raises(InvalidRequestError):
        related_page(store, PEOPLE[0], None, depth=4)
    with pytest.raises(InvalidRequestError):
        related_page(store, PEOPLE[0], None, depth=2, cursor=three.next_cursor)
