"""GraphML export: networkx reads back the graph the store holds."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import networkx as nx

from api.exchange.graphml import export_graphml
from api.exchange.population import Population
from api.exchange.views import ExportView
from api.routes.views import View
from graph.model import EntityKind
from graph.policy import load_catalogue
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
    from pathlib import Path

    from graph.store import GraphStore


def _fill(store: GraphStore) -> None:
    store.upsert_persons(
        [
            make_person(name='王<"&>\x01芳', aliases=("王芳芳",)),
            make_person(person_id=resident_id(2), name="李娜"),
        ]
    )
    store.upsert_enterprises(
        [make_enterprise(), make_enterprise(credit_code=credit_code(2), name="乙")]
    )
    store.upsert_roles(
        [
            make_role(),
            make_role(person_id=resident_id(2), until=date(2016, 1, 1)),
            make_role(person_id=resident_id(2), credit_code=credit_code(2)),
        ]
    )
    store.upsert_sanctions(
        [
            make_sanction(),
            make_sanction(
                sanction_id="S2",
                subject_kind=EntityKind.PERSON,
                subject_id=resident_id(2),
                type="dishonest_judgment_debtor",
            ),
        ]
    )
    store.upsert_commendations(
        [
            # an id that holds the person's key, as a loader may make one
            make_commendation(
                commendation_id="文明办#" + resident_id(2), subject_id=resident_id(2),
                decided_on=date(2016, 6, 1),
            ),
            make_commendation(
                commendation_id="G1", subject_kind=EntityKind.ENTERPRISE,
                subject_id=credit_code(1), kind="trustworthy_subject",
                decided_on=date(2024, 1, 1), valid_until=date(2024, 9, 1),
            ),
        ]
    )  # fmt: skip
    store.propagate(load_catalogue(), full=True)


def test_networkx_reads_back_every_node_and_edge(
    store: GraphStore, tmp_path: Path
) -> None:
    _fill(store)
    path = tmp_path / "graph.graphml"
    written = export_graphml(Population(store), ExportView(View.FULL), path)
    graph = nx.read_graphml(path)
    facts = store.restriction_facts()
    assert facts
    assert graph.number_of_nodes() == 2 + 2 + 2 + 2
    assert graph.number_of_edges() == 3 + 2 + 2 + len(facts)
    assert written == graph.number_of_nodes() + graph.number_of_edges()
    person = graph.nodes["person:" + resident_id(1)]
    assert person["label"] == '王<"&>\ufffd芳'
    assert person["aliases"] == "王芳芳"
    assert person["id_number"] == resident_id(1)
    enterprise = graph.nodes["enterprise:" + credit_code(1)]
    assert enterprise["conforming"] is True
    assert enterprise["founded_on"] == make_enterprise().founded_on.isoformat()  # type: ignore[union-attr]
    roles = graph.get_edge_data(
        "person:" + resident_id(2), "enterprise:" + credit_code(1)
    )
    assert [(d["relation"], d["until"]) for d in roles.values()] == [
        ("role", "2016-01-01")
    ]
    against = graph.get_edge_data("sanction:S2", "person:" + resident_id(2))
    assert [d["relation"] for d in against.values()] == ["against"]
    restricted = [
        d for _, _, d in graph.edges(data=True) if d["relation"] == "restricted_by"
    ]
    assert sorted(d["measure"] for d in restricted) == sorted(f.measure for f in facts)
    good = graph.nodes["commendation:G1"]
    assert (good["kind"], good["type"], good["decided_on"], good["valid_until"]) == (
        "commendation", "trustworthy_subject", "2024-01-01", "2024-09-01"
    )  # fmt: skip
    assert (good["source"], good["record_id"]) == ("test", "C1")
    commends = graph.get_edge_data("commendation:G1", "enterprise:" + credit_code(1))
    assert [d["relation"] for d in commends.values()] == ["commends"]
    person_good = "commendation:文明办#" + resident_id(2)
    assert graph.has_edge(person_good, "person:" + resident_id(2))


def test_the_public_view_and_a_day(store: GraphStore, tmp_path: Path) -> None:
    _fill(store)
    path = tmp_path / "public.graphml"
    export_graphml(
        Population(store, on=date(2017, 1, 1)), ExportView(View.PUBLIC), path
    )
    text = path.read_text("utf-8")
    assert resident_id(1) not in text
    assert resident_id(2) not in text
    assert "李娜" not in text
    graph = nx.read_graphml(path)
    persons = [n for n, d in graph.nodes(data=True) if d["kind"] == "person"]
    assert len(persons) == 2
    assert {graph.nodes[n]["label"] for n in persons} == {"王******", "李*"}
    roles = [d for _, _, d in graph.edges(data=True) if d["relation"] == "role"]
    assert len(roles) == 2  # the role that ended in 2016 is not held in 2017
    sanctions = [n for n, d in graph.nodes(data=True) if d["kind"] == "sanction"]
    assert sanctions == []  # both decided in 2023
    (good,) = [n for n, d in graph.nodes(data=True) if d["kind"] == "commendation"]
    (subject,) = graph.successors(good)  # the 2024 good record is not yet decided
    assert subject in persons
    assert graph.nodes[good]["type"] == "moral_model"
