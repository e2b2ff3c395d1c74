"""The export reads (``iter_*``) of both stores: everything, in order, in pages.

Pages are made tiny so that every read crosses several page boundaries.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, LiteralString

import pytest

import graph.embedded_store
import graph.neo4j_store
from graph import queries
from graph.model import EntityKind, RoleType
from graph.policy import load_catalogue
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    import neo4j

    from graph.store import GraphStore

PERSONS = 7
ENTERPRISES = 5


@pytest.fixture(autouse=True)
def _tiny_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (graph.embedded_store, graph.neo4j_store):
        monkeypatch.setattr(module, "_PAGE", 2)
    monkeypatch.setattr(graph.neo4j_store, "_FACT_PAGE", 2)


def _fill(store: GraphStore) -> None:
    store.upsert_persons(
        [make_person(person_id=resident_id(n), name=f"人{n}") for n in range(PERSONS)]
    )
    store.upsert_enterprises(
        [
            make_enterprise(credit_code=credit_code(n), name=f"企业{n}")
            for n in range(ENTERPRISES)
        ]
    )
    store.upsert_roles(
        [
            make_role(
                person_id=resident_id(n),
                credit_code=credit_code(n % ENTERPRISES),
                role=RoleType.LEGAL_REPRESENTATIVE if n % 2 else RoleType.DIRECTOR,
                since=date(2010 + n, 1, 1),
                until=date(2020, 1, 1) if n % 3 == 0 else None,
            )
            for n in range(PERSONS)
        ]
    )
    store.upsert_sanctions(
        [
            make_sanction(
                sanction_id=f"S{n}",
                subject_id=credit_code(n),
                decided_on=date(2023, 6, 1 + n),
            )
            for n in range(3)
        ]
    )
    store.propagate(load_catalogue(), full=True)


def test_every_entity_comes_once_in_key_order(store: GraphStore) -> None:
    _fill(store)
    persons = list(store.iter_persons())
    assert [p.person_id for p in persons] == sorted(
        resident_id(n) for n in range(PERSONS)
    )
    assert persons == store.get_persons([p.person_id for p in persons])
    enterprises = list(store.iter_enterprises())
    assert [e.credit_code for e in enterprises] == sorted(
        credit_code(n) for n in range(ENTERPRISES)
    )
    assert enterprises[0] == store.get_enterprise(enterprises[0].credit_code)
    roles = list(store.iter_roles())
    assert len(roles) == PERSONS
    assert roles == store.roles_by_id([r.role_id for r in roles])
    sanctions = list(store.iter_sanctions())
    assert [s.sanction_id for s in sanctions] == ["S0", "S1", "S2"]
    assert sanctions[1] == store.get_sanction("S1")


def test_roles_and_facts_of_a_day(store: GraphStore) -> None:
    _fill(store)
    day = date(2021, 1, 1)
    held = list(store.iter_roles(day))
    every = [
        role
        for code in sorted(credit_code(n) for n in range(ENTERPRISES))
        for role in store.neighbours(EntityKind.ENTERPRISE, code, day)
    ]
    assert held == sorted(every, key=lambda r: r.role_id)
    assert 0 < len(held) < PERSONS
    facts = list(store.iter_restriction_facts())
    assert facts
    assert facts == sorted(
        store.restriction_facts(), key=lambda f: (f.person_id, f.restriction_id)
    )
    on = date(2023, 6, 2)  # S0 and S1 decided, S2 not yet
    assert list(store.iter_restriction_facts(on)) == sorted(
        store.restriction_facts(on=on), key=lambda f: (f.person_id, f.restriction_id)
    )
    assert {f.sanction_id for f in store.iter_restriction_facts(on)} <= {"S0", "S1"}


def test_an_empty_store_yields_nothing(store: GraphStore) -> None:
    assert list(store.iter_persons()) == []
    assert list(store.iter_enterprises()) == []
    assert list(store.iter_roles()) == []
    assert list(store.iter_sanctions()) == []
    assert list(store.iter_restriction_facts()) == []


@pytest.mark.neo4j
@pytest.mark.usefixtures("neo4j_store")  # its schema: the indexes the pages seek
@pytest.mark.parametrize(
    "name",
    [
        "PAGE_PERSONS",
        "PAGE_ENTERPRISES",
        "PAGE_ROLES",
        "PAGE_SANCTIONS",
        "PAGE_RESTRICTION_FACTS",
    ],
)
def test_a_page_seeks_the_key_index_and_sorts_nothing(
    neo4j_driver: neo4j.Driver, name: str
) -> None:
    """Each page costs its own size, not the store's: keyset pagination only pays
    when the query seeks the key's index in order (no Sort of every row)."""
    query: LiteralString = getattr(queries, name)
    with neo4j_driver.session() as session:
        summary = session.run("EXPLAIN " + query, after="", limit=10, on=None).consume()
    assert summary.plan is not None
    operators: list[str] = []

    def walk(step: dict[str, Any]) -> None:
        operators.append(step["operatorType"].split("@")[0])
        for child in step.get("children", []):
            walk(child)

    walk(summary.plan)
    assert any(op.endswith("IndexSeekByRange") for op in operators), operators
    assert not any("Sort" in op for op in operators), operators


def _operators(plan: dict[str, Any]) -> list[str]:
    found = [plan["operatorType"].split("@")[0]]
    for child in plan.get("children", []):
        found += _operators(child)
    return found


@pytest.mark.usefixtures("neo4j_store")  # its schema: the source_record_order index
@pytest.mark.parametrize("unresolved_only", [False, True])
def test_source_records_stream_from_the_index_unsorted(
    neo4j_driver: neo4j.Driver, unresolved_only: bool
) -> None:
    """Linkage reads every person record (1.7M at 1M persons): a Sort holds them all
    in the transaction's memory, which overran a 4 GiB heap; the composite index
    gives them in (source, record_id) order as they stream."""
    with neo4j_driver.session() as session:
        summary = session.run(
            "EXPLAIN " + queries.SOURCE_RECORDS_OF_KIND,
            kind=EntityKind.PERSON.value,
            unresolved_only=unresolved_only,
        ).consume()
    assert summary.plan is not None
    operators = _operators(summary.plan)
    assert any("IndexSeek" in op for op in operators), operators
    assert not any("Sort" in op for op in operators), operators
