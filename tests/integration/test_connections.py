"""How is A connected to B: the rules on both stores, and a differential test of the
two stores against a plain breadth-first search written here."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import queries
from graph.embedded_store import EmbeddedStore
from graph.errors import EntityNotFoundError
from graph.exploration import connections
from graph.model import (
    CONNECTION_MAX_HOPS,
    Connection,
    Enterprise,
    EntityKind,
    Person,
    Role,
    RoleType,
)
from tests.factories import credit_code, make_enterprise, make_person, resident_id

if TYPE_CHECKING:
    from graph.neo4j_store import Neo4jStore
    from graph.store import GraphStore

P = [resident_id(n) for n in range(1, 8)]
E = [credit_code(n) for n in range(1, 6)]
LONG_AGO = date(2010, 1, 1)


def _role(
    person: int,
    enterprise: int,
    role: RoleType = RoleType.DIRECTOR,
    since: date | None = None,
    until: date | None = None,
) -> Role:
    return Role(P[person], E[enterprise], role, since, until, "t", f"{person}{role}")


def _seed(store: GraphStore, roles: list[Role]) -> None:
    store.upsert_persons([make_person(person_id=key, name="") for key in P])
    store.upsert_enterprises([make_enterprise(credit_code=code) for code in E])
    store.upsert_roles(roles)


def _keys(found: list[Connection]) -> list[tuple[str, ...]]:
    return [c.keys for c in found]


# -- rules, on both stores -----------------------------------------------------


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (None, [(P[0], E[0], P[1])]),
        (date(2013, 12, 31), []),  # P1 not yet in
        (date(2014, 1, 1), [(P[0], E[0], P[1])]),  # since is inclusive
        (date(2014, 12, 31), [(P[0], E[0], P[1])]),
        (date(2015, 1, 1), []),  # until is exclusive: P0 has left
    ],
)
def test_only_roles_held_on_the_day_connect(
    store: GraphStore, on: date | None, expected: list[tuple[str, ...]]
) -> None:
    _seed(
        store,
        [
            _role(0, 0, since=date(2010, 1, 1), until=date(2015, 1, 1)),
            _role(1, 0, since=date(2014, 1, 1)),
        ],
    )
    assert _keys(connections(store, P[0], P[1], on=on)) == expected


def test_an_empty_interval_never_connects_on_a_day(store: GraphStore) -> None:
    day = date(2014, 1, 1)
    _seed(store, [_role(0, 0, since=day, until=day), _role(1, 0)])
    assert connections(store, P[0], P[1], on=day) == []
    assert _keys(connections(store, P[0], P[1])) == [(P[0], E[0], P[1])]


CHAIN = (P[0], E[0], P[1], E[1], P[2])


@pytest.mark.parametrize(
    ("max_hops", "expected"), [(0, []), (3, []), (4, [CHAIN]), (12, [CHAIN])]
)
def test_max_hops_cuts_longer_paths(
    store: GraphStore, max_hops: int, expected: list[tuple[str, ...]]
) -> None:
    _seed(store, [_role(0, 0), _role(1, 0), _role(1, 1), _role(2, 1)])
    assert _keys(connections(store, P[0], P[2], max_hops=max_hops)) == expected


def test_only_the_shortest_paths_are_given(store: GraphStore) -> None:
    # P0-E0-P1 (2 hops) and P0-E1-P2-E2-P1 (4 hops)
    _seed(store, [_role(0, 0), _role(1, 0), _role(0, 1), _role(2, 1), _role(2, 2)])
    store.upsert_roles([_role(1, 2)])
    found = connections(store, P[0], P[1])
    assert [(c.keys, c.hops) for c in found] == [((P[0], E[0], P[1]), 2)]


def test_every_shortest_path_in_key_order(store: GraphStore) -> None:
    # P0 and P1 share E2 and E1: two paths, ordered by the enterprise's key
    _seed(store, [_role(0, 2), _role(1, 2), _role(0, 1), _role(1, 1)])
    found = connections(store, P[0], P[1])
    assert _keys(found) == [(P[0], E[1], P[1]), (P[0], E[2], P[1])]
    assert _keys(connections(store, P[0], P[1], limit=1)) == [(P[0], E[1], P[1])]


def test_parallel_roles_are_parallel_paths(store: GraphStore) -> None:
    director = _role(0, 0, RoleType.DIRECTOR)
    shareholder = _role(0, 0, RoleType.SHAREHOLDER)
    again = _role(0, 0, RoleType.SHAREHOLDER, since=date(2020, 1, 1))
    other = _role(1, 0)
    _seed(store, [director, shareholder, again, other])
    found = connections(store, P[0], P[1])
    expected = sorted([director, shareholder, again], key=lambda r: r.role_id)
    assert [c.roles for c in found] == [(first, other) for first in expected]
    assert [c.roles[0] for c in connections(store, P[0], P[1], on=LONG_AGO)] == [
        director,
        shareholder,
    ]


def test_a_connection_lists_kinds_keys_and_roles(store: GraphStore) -> None:
    roles = [_role(0, 0, since=date(2011, 2, 3)), _role(1, 0, RoleType.SUPERVISOR)]
    _seed(store, roles)
    (found,) = connections(store, E[0], P[1])
    assert found == Connection(
        kinds=(EntityKind.ENTERPRISE, EntityKind.PERSON),
        keys=(E[0], P[1]),
        roles=(roles[1],),
    )
    (back,) = connections(store, P[1], P[0], on=date(2012, 1, 1))
    assert back.kinds == (EntityKind.PERSON, EntityKind.ENTERPRISE, EntityKind.PERSON)
    assert back.roles == (roles[1], roles[0])


@pytest.mark.parametrize("end", [P[0], E[0], P[6]])
def test_an_entity_is_connected_to_itself_without_hops(
    store: GraphStore, end: str
) -> None:
    _seed(store, [_role(0, 0)])
    kind = EntityKind.PERSON if end in P else EntityKind.ENTERPRISE
    expected = [Connection(kinds=(kind,), keys=(end,), roles=())]
    assert connections(store, end, end, max_hops=0) == expected
    assert connections(store, end, end, on=date(1900, 1, 1)) == expected


def test_entities_without_a_path_are_not_connected(store: GraphStore) -> None:
    _seed(store, [_role(0, 0), _role(1, 1)])
    assert connections(store, P[0], P[1]) == []
    assert connections(store, P[0], P[6]) == []  # P6 holds no role at all
    assert connections(store, E[0], E[4]) == []


@pytest.mark.parametrize(
    ("a", "b", "unknown"),
    [
        (resident_id(99), P[0], resident_id(99)),
        (P[0], credit_code(99), credit_code(99)),
        (resident_id(99), resident_id(99), resident_id(99)),
    ],
)
def test_an_unknown_end_is_not_found(
    store: GraphStore, a: str, b: str, unknown: str
) -> None:
    _seed(store, [_role(0, 0)])
    with pytest.raises(EntityNotFoundError) as caught:
        connections(store, a, b)
    assert caught.value.key == unknown


def test_the_store_checks_the_kind_of_each_end(store: GraphStore) -> None:
    _seed(store, [_role(0, 0)])
    with pytest.raises(EntityNotFoundError) as caught:
        store.connections((EntityKind.ENTERPRISE, P[0]), (EntityKind.PERSON, P[0]))
    assert (caught.value.kind, caught.value.key) == ("enterprise", P[0])
    with pytest.raises(EntityNotFoundError) as caught:
        store.connections((EntityKind.PERSON, P[0]), (EntityKind.PERSON, E[0]))
    assert (caught.value.kind, caught.value.key) == ("person", E[0])


@pytest.mark.parametrize(
    ("max_hops", "limit"), [(-1, 20), (CONNECTION_MAX_HOPS + 1, 20), (6, 0)]
)
def test_bounds_out_of_range_are_refused(
    store: GraphStore, max_hops: int, limit: int
) -> None:
    _seed(store, [_role(0, 0)])
    with pytest.raises(ValueError, match="must be"):
        connections(store, P[0], E[0], max_hops=max_hops, limit=limit)


def test_the_longest_search_reaches_the_fixed_bound(store: GraphStore) -> None:
    # the chain P0-E0-P1-E1-...-E4-P5: 10 hops
    chain = [r for n in range(5) for r in (_role(n, n), _role(n + 1, n))]
    _seed(store, chain)
    (found,) = connections(store, P[0], P[5], max_hops=CONNECTION_MAX_HOPS)
    assert found.hops == 10
    assert connections(store, P[0], P[5], max_hops=9) == []


def test_the_cypher_bound_is_the_model_constant() -> None:
    for query in queries.CONNECTIONS.values():
        assert f"]-{{0,{CONNECTION_MAX_HOPS}}}(t)" in query


# -- differential: both stores and a plain BFS ---------------------------------

DAY0 = date(2020, 1, 1)
days = st.integers(min_value=0, max_value=12).map(lambda n: DAY0 + timedelta(days=n))
maybe_days = st.none() | days
roles = st.builds(
    Role,
    person_id=st.sampled_from(P[:5]),
    credit_code=st.sampled_from(E[:4]),
    role=st.sampled_from([RoleType.DIRECTOR, RoleType.SHAREHOLDER]),
    since=maybe_days,
    until=maybe_days,
    source=st.just("t"),
    record_id=st.sampled_from(["1", "2"]),
)
ENDS = [*P[:6], *E[:5]]  # P5 and E4 hold no role: isolated entities
asks = st.tuples(
    st.sampled_from(ENDS),
    st.sampled_from(ENDS),
    maybe_days,
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=1, max_value=4),
)


@dataclass(frozen=True, slots=True)
class _Ask:
    a: str
    b: str
    on: date | None
    max_hops: int
    limit: int


def _bfs(registry: list[Role], ask: _Ask) -> list[Connection]:
    """Every shortest path, by breadth-first search over paths, in key order."""

    def node(kind: EntityKind, key: str) -> tuple[EntityKind, str]:
        return kind, key

    start = node(EntityKind.PERSON if ask.a in P else EntityKind.ENTERPRISE, ask.a)
    goal = node(EntityKind.PERSON if ask.b in P else EntityKind.ENTERPRISE, ask.b)
    held = [r for r in registry if ask.on is None or r.held_on(ask.on)]
    frontier: list[tuple[list[tuple[EntityKind, str]], list[Role]]] = [([start], [])]
    for _ in range(ask.max_hops + 1):
        done = [(nodes, path) for nodes, path in frontier if nodes[-1] == goal]
        if done:
            found = [
                Connection(
                    kinds=tuple(k for k, _ in nodes),
                    keys=tuple(key for _, key in nodes),
                    roles=tuple(path),
                )
                for nodes, path in done
            ]
            return sorted(found, key=lambda c: c.sort_key)[: ask.limit]
        frontier = [
            ([*nodes, there], [*path, role])
            for nodes, path in frontier
            for role in held
            for here, there in [
                (
                    node(EntityKind.PERSON, role.person_id),
                    node(EntityKind.ENTERPRISE, role.credit_code),
                ),
                (
                    node(EntityKind.ENTERPRISE, role.credit_code),
                    node(EntityKind.PERSON, role.person_id),
                ),
            ]
            if nodes[-1] == here and there not in nodes
        ]
    return []


def _registry(drawn: list[Role]) -> list[Role]:
    """The roles as stored: one per role id (a later write of an id replaces it)."""
    return list({role.role_id: role for role in drawn}.values())


@pytest.mark.neo4j
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    drawn=st.lists(roles, max_size=12),
    asked=st.lists(asks.map(lambda t: _Ask(*t)), min_size=1, max_size=6),
)
def test_both_stores_and_a_bfs_give_the_same_connections(
    neo4j_store: Neo4jStore, drawn: list[Role], asked: list[_Ask]
) -> None:
    registry = _registry(drawn)
    neo4j_store.wipe()
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore(Path(folder) / "connections.db")
        try:
            for store in (embedded, neo4j_store):
                store.upsert_persons([Person(key, "") for key in P[:6]])
                store.upsert_enterprises([Enterprise(code, "") for code in E[:5]])
                store.upsert_roles(registry)
            for ask in asked:
                expected = _bfs(registry, ask)
                for store in (embedded, neo4j_store):
                    found = connections(
                        store,
                        ask.a,
                        ask.b,
                        on=ask.on,
                        max_hops=ask.max_hops,
                        limit=ask.limit,
                    )
                    assert found == expected, (store.location, ask)
        finally:
            embedded.close()
