"""Who runs what, and who connects to whom: traversals for investigators.

Built only on the GraphStore protocol, so both stores answer alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from graph.cursors import decode_cursor, encode_cursor
from graph.errors import (
    EntityNotFoundError,
    InvalidIdentifierError,
    InvalidRequestError,
)
from graph.model import Connection, Enterprise, EntityKind, Person, Role

if TYPE_CHECKING:
    from datetime import date

    from graph.store import GraphStore


@dataclass(frozen=True, slots=True)
class Associate:
    """A person who holds a role in an enterprise where the subject holds one too."""

    person: Person
    via: tuple[str, ...]  # credit codes of the shared enterprises, sorted


@dataclass(frozen=True, slots=True)
class Related:
    """A person's roles, the enterprises they are in, and the people met there."""

    person: Person
    roles: tuple[Role, ...]
    enterprises: tuple[Enterprise, ...]
    associates: tuple[Associate, ...]
    # related_page: how far it went, the roles of its associates in other
    # enterprises (depth 3) and those enterprises, the cursor of the next page
    depth: int = 2
    further: tuple[Role, ...] = ()
    further_enterprises: tuple[Enterprise, ...] = ()
    next_cursor: str | None = None


def related_entities(store: GraphStore, person_id: str, on: date | None) -> Related:
    """The person's roles held on ``on`` (all when None) and their associates.

    Associates are the other holders of roles on ``on`` in the same enterprises,
    sorted by person id. Raises EntityNotFoundError for an unknown person.
    """
    person = store.get_person(person_id)
    if person is None:
        raise EntityNotFoundError("person", person_id)
    roles = store.neighbours(EntityKind.PERSON, person_id, on)
    codes = sorted({role.credit_code for role in roles})
    enterprises = [e for code in codes if (e := store.get_enterprise(code))]
    shared: dict[str, set[str]] = {}
    for code in codes:
        for role in store.neighbours(EntityKind.ENTERPRISE, code, on):
            if role.person_id != person_id:
                shared.setdefault(role.person_id, set()).add(code)
    associates = [
        Associate(person=other, via=tuple(sorted(shared[key])))
        for key in sorted(shared)
        if (other := store.get_person(key)) is not None
    ]
    return Related(
        person=person,
        roles=tuple(roles),
        enterprises=tuple(enterprises),
        associates=tuple(associates),
    )


def people_of(
    store: GraphStore, credit_code: str, on: date | None
) -> tuple[Enterprise, list[tuple[Role, Person]]]:
    """The enterprise and its role holders on ``on`` (all when None), by role id.

    Raises EntityNotFoundError for an unknown credit code.
    """
    enterprise = store.get_enterprise(credit_code)
    if enterprise is None:
        raise EntityNotFoundError("enterprise", credit_code)
    holders = [
        (role, person)
        for role in store.neighbours(EntityKind.ENTERPRISE, credit_code, on)
        if (person := store.get_person(role.person_id)) is not None
    ]
    return enterprise, holders


def connections(
    store: GraphStore,
    a: str,
    b: str,
    *,
    on: date | None = None,
    max_hops: int = 6,
    limit: int = 20,
) -> list[Connection]:
    """Every shortest path between ``a`` and ``b`` (person ids or credit codes)
    through roles held on ``on`` (all roles when None), at most ``max_hops`` roles
    long, sorted by entity keys then role ids, the first ``limit``.

    Each key names a person or an enterprise of the store: an unknown key raises
    EntityNotFoundError, one naming both raises InvalidIdentifierError (reason
    ``ambiguous``). No path within ``max_hops`` gives []; ``a == b`` gives the one
    connection without hops. ``max_hops`` is 0..``CONNECTION_MAX_HOPS``.
    """
    return store.connections(
        _entity(store, a), _entity(store, b), on=on, max_hops=max_hops, limit=limit
    )


def _entity(store: GraphStore, key: str) -> tuple[EntityKind, str]:
    """The kind of entity ``key`` names in the store."""
    kinds = [kind for kind in EntityKind if store.existing_keys(kind, [key]) == {key}]
    if not kinds:
        raise EntityNotFoundError("person or enterprise", key)
    if len(kinds) > 1:
        raise InvalidIdentifierError(
            "ambiguous", f"{key!r} names both a person and an enterprise"
        )
    return kinds[0], key


PAGE_MAX: Final = 1000
"""The most roles one page of ``people_page`` or ``related_page`` holds."""


@dataclass(frozen=True, slots=True)
class PeoplePage:
    """One page of an enterprise's role holders and the cursor of the next."""

    enterprise: Enterprise
    holders: tuple[tuple[Role, Person], ...]
    next_cursor: str | None


def people_page(
    store: GraphStore,
    credit_code: str,
    on: date | None,
    *,
    limit: int,
    cursor: str | None = None,
) -> PeoplePage:
    """One page of ``people_of``: ``limit`` (1..``PAGE_MAX``) holders by role id from
    where ``cursor`` points (the first when None), paged in the store's query.

    Raises EntityNotFoundError for an unknown credit code and InvalidRequestError
    for a cursor of another enterprise or date.
    """
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidRequestError(f"a page holds 1 to {PAGE_MAX} roles, not {limit}")
    scope = ("people", credit_code, on)
    skip = decode_cursor(cursor, *scope) if cursor else 0
    enterprise = store.get_enterprise(credit_code)
    if enterprise is None:
        raise EntityNotFoundError("enterprise", credit_code)
    roles = store.roles_page(
        EntityKind.ENTERPRISE, credit_code, on, skip=skip, limit=limit + 1
    )
    more, roles = len(roles) > limit, roles[:limit]
    persons = {p.person_id: p for p in store.get_persons([r.person_id for r in roles])}
    holders = tuple((r, persons[r.person_id]) for r in roles if r.person_id in persons)
    after = encode_cursor(skip + limit, *scope) if more else None
    return PeoplePage(enterprise, holders, after)


DEPTH_MAX: Final = 3
"""The farthest ``related_page`` goes: enterprises, people met there, theirs."""


def related_page(
    store: GraphStore,
    person_id: str,
    on: date | None,
    *,
    depth: int = 2,
    limit: int = 100,
    cursor: str | None = None,
) -> Related:
    """The person's neighbourhood to ``depth`` (1..3), its associates in pages.

    Depth 1: the person's roles held on ``on`` (all when None) and their
    enterprises. Depth 2: also the people who hold roles there on ``on``
    (associates), ``limit`` (1..``PAGE_MAX``) of them by person id from where
    ``cursor`` points, paged in the store's query. Depth 3: also the roles of this
    page's associates in other enterprises, and those enterprises. Raises
    EntityNotFoundError for an unknown person, InvalidRequestError for a depth,
    limit or cursor out of bounds.
    """
    if not 1 <= depth <= DEPTH_MAX:
        raise InvalidRequestError(f"depth is 1 to {DEPTH_MAX}, not {depth}")
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidRequestError(f"a page holds 1 to {PAGE_MAX} people, not {limit}")
    scope = ("related", person_id, on, depth)
    skip = decode_cursor(cursor, *scope) if cursor else 0
    person = store.get_person(person_id)
    if person is None:
        raise EntityNotFoundError("person", person_id)
    roles = store.neighbours(EntityKind.PERSON, person_id, on)
    codes = sorted({role.credit_code for role in roles})
    enterprises = store.get_enterprises(codes)
    if depth == 1:
        return Related(person, tuple(roles), tuple(enterprises), (), depth=1)
    found = store.co_holders(codes, on, exclude=person_id, skip=skip, limit=limit + 1)
    more, found = len(found) > limit, found[:limit]
    persons = {p.person_id: p for p in store.get_persons([key for key, _ in found])}
    associates = tuple(
        Associate(persons[key], via) for key, via in found if key in persons
    )
    further: list[Role] = []
    if depth == DEPTH_MAX:
        mine = set(codes)
        for associate in associates:
            further += [
                r
                for r in store.neighbours(
                    EntityKind.PERSON, associate.person.person_id, on
                )
                if r.credit_code not in mine
            ]
    further_codes = sorted({r.credit_code for r in further})
    return Related(
        person,
        tuple(roles),
        tuple(enterprises),
        associates,
        depth=depth,
        further=tuple(sorted(further, key=lambda r: r.role_id)),
        further_enterprises=tuple(store.get_enterprises(further_codes)),
        next_cursor=encode_cursor(skip + limit, *scope) if more else None,
    )
