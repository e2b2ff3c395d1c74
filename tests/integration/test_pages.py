"""Pages of neighbours on both stores: ``roles_page`` is ``neighbours`` cut in the
store's query, ``people_page`` follows its cursors to every holder, once."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from graph.errors import EntityNotFoundError, InvalidRequestError
from graph.exploration import people_of, people_page
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
