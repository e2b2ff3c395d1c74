"""FollowTheMoney: the export validates in followthemoney, and imports back.

Round trip: a generated registry (hypothesis draws the seed and size) is loaded and
propagated, exported as FtM and imported into an empty store with ``load_ftm``;
the two graphs agree on every field FtM carries. A sanction's credlink id is not
one of them (the import names it as the loaders do), nor is its status (loaders
load sanctions active).
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from followthemoney import model
from hypothesis import given, settings
from hypothesis import strategies as st

from api.exchange.ftm import entity_problems, export_ftm
from api.exchange.population import Population
from api.exchange.views import ExportView
from api.routes.views import View
from graph.embedded_store import EmbeddedStore
from graph.model import EntityKind
from graph.policy import load_catalogue
from loaders.ftm import load_ftm
from loaders.generator import generate
from loaders.pipeline import load_folder
from tests.factories import credit_code, resident_id

if TYPE_CHECKING:
    from graph.store import GraphStore


def _graph(store: GraphStore) -> tuple[list[Any], ...]:
    sanctions = sorted(
        (replace(s, sanction_id="") for s in store.iter_sanctions()),
        key=repr,
    )
    return (
        list(store.iter_persons()),
        list(store.iter_enterprises()),
        list(store.iter_roles()),
        sanctions,
    )


def _round_trip(source: GraphStore, scratch: Path) -> tuple[int, list[dict[str, Any]]]:
    """Export ``source``, import it into a new store; the entities exported."""
    exported = scratch / "graph.ftm.jsonl"
    written = export_ftm(Population(source), ExportView(View.FULL), exported)
    target = EmbeddedStore(scratch / "target.db")
    try:
        report = load_ftm(exported, target, quarantine_dir=scratch / "q")
        # only the restrictions are left out: credlink derives them again
        assert report.quarantined == len(source.restriction_facts())
        assert report.loaded > 0
        assert _graph(target) == _graph(source)
    finally:
        target.close()
    lines = exported.read_text("utf-8").splitlines()
    assert len(lines) == written
    return written, [json.loads(line) for line in lines]


def _registry(scratch: Path, persons: int, enterprises: int, seed: int) -> Path:
    folder = scratch / "registry"
    generate(folder, persons=persons, enterprises=enterprises, seed=seed)
    return folder


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**20), enterprises=st.integers(10, 60))
def test_ftm_export_then_import_equals_the_source(seed: int, enterprises: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        scratch = Path(name)
        source = EmbeddedStore(scratch / "source.db")
        try:
            folder = _registry(scratch, 200, enterprises, seed)
            load_folder(folder, source, quarantine_dir=scratch / "lq")
            source.propagate(load_catalogue(), full=True)
            _round_trip(source, scratch)
        finally:
            source.close()


def test_from_either_store_every_entity_validates_in_followthemoney(
    store: GraphStore, tmp_path: Path
) -> None:
    load_folder(_registry(tmp_path, 200, 40, 15), store, quarantine_dir=tmp_path / "lq")
    store.propagate(load_catalogue(), full=True)
    _, entities = _round_trip(store, tmp_path)
    schemata = {e["schema"] for e in entities}
    assert schemata == {"Person", "Company", "Directorship", "Ownership", "Sanction"}
    for data in entities:
        assert entity_problems(data) == [], data
        proxy = model.get_proxy(data, cleaned=False)  # cleans every value again
        assert proxy.to_dict() == data
    derived = [e for e in entities if e["properties"].get("status") == ["derived"]]
    assert len(derived) == len(store.restriction_facts()) > 0


def test_ids_are_stable_across_exports_and_public_ones_are_not(
    embedded_store: GraphStore, tmp_path: Path
) -> None:
    load_folder(
        _registry(tmp_path, 200, 20, 4), embedded_store, quarantine_dir=tmp_path / "q"
    )

    def ids(view: View, name: str) -> list[str]:
        path = tmp_path / name
        export_ftm(Population(embedded_store), ExportView(view), path)
        return [json.loads(line)["id"] for line in path.read_text("utf-8").splitlines()]

    assert ids(View.FULL, "a") == ids(View.FULL, "b")
    assert not set(ids(View.PUBLIC, "c")) & set(ids(View.PUBLIC, "d"))
    public = (tmp_path / "c").read_text("utf-8")
    for person in embedded_store.iter_persons():
        assert person.person_id not in public


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"id": "x", "schema": "Nothing", "properties": {}}, "unknown schema"),
        ({"id": "x", "schema": "Thing", "properties": {"name": ["a"]}}, "abstract"),
        ({"id": "x", "schema": "Person", "properties": {}}, "required name"),
        (
            {"id": "x", "schema": "Person", "properties": {"name": ["a"], "x": ["1"]}},
            "no property x",
        ),
        (
            {
                "id": "x",
                "schema": "Person",
                "properties": {"name": ["a"], "birthDate": ["2020-13-01"]},
            },
            "invalid '2020-13-01'",
        ),
        ({"schema": "Person", "properties": {"name": ["a"]}}, "no id"),
    ],
)
def test_the_check_finds_what_the_model_refuses(
    data: dict[str, Any], problem: str
) -> None:
    assert any(problem in p for p in entity_problems(data))


def test_what_does_not_map_is_quarantined_with_file_and_line(
    embedded_store: GraphStore, tmp_path: Path
) -> None:
    entities: list[object] = [
        {"id": "p1", "schema": "Person",
         "properties": {"name": ["张伟"], "idNumber": [resident_id(1)]}},
        {"id": "c1", "schema": "Company",
         "properties": {"name": ["甲公司"], "uscCode": [credit_code(1)]}},
        {"id": "v1", "schema": "Vessel", "properties": {"name": ["船"]}},
        {"id": "d1", "schema": "Directorship",
         "properties": {"director": ["p1"], "organization": ["c1"],
                        "role": ["董事长"]}},
        {"id": "d2", "schema": "Directorship",
         "properties": {"director": ["c1"], "organization": ["c1"]}},
        {"id": "d3", "schema": "Directorship",
         "properties": {"director": ["p1"], "organization": ["nowhere"]}},
        {"id": "d4", "schema": "Directorship",
         "properties": {"director": ["p1"], "organization": ["c1"],
                        "role": ["Chief Wizard"]}},
        {"id": "s1", "schema": "Sanction",
         "properties": {"entity": ["c1"], "program": ["EU sanctions"],
                        "startDate": ["2020-01-01"]}},
        {"id": "s2", "schema": "Sanction",
         "properties": {"entity": ["c1"], "programId": ["administrative_penalty"],
                        "authority": ["某局"], "startDate": ["2020-01-01"]}},
        {"id": "o1", "schema": "Ownership",
         "properties": {"owner": ["p1"], "asset": ["c1"], "startDate": ["2019"]}},
    ]  # fmt: skip
    path = tmp_path / "entities.ftm.json"
    lines = [json.dumps(e, ensure_ascii=False) for e in entities]
    lines.insert(3, "{not json")
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\xfe{}\n")
    report = load_ftm(path, embedded_store, quarantine_dir=tmp_path / "q")
    assert report.read == len(lines) + 1
    assert report.loaded == 4  # p1, c1, d1 and s2
    quarantined = []
    for file in report.quarantine_files:
        with file.open(encoding="utf-8-sig") as f:
            quarantined += [
                (r["_line"], r["_field"], r["_reason"]) for r in csv.DictReader(f)
            ]
    got = {line: (field, reason) for line, field, reason in quarantined}
    assert got["3"] == ("schema", "FtM schema Vessel has no credlink kind")
    assert got["4"][0] == ""
    assert got["4"][1].startswith("not JSON")
    assert got["6"] == ("director", "entity c1 is an enterprise, not a person")
    assert got["7"][0] == "organization"
    assert got["8"] == ("role", "unknown role 'chief wizard'")
    assert got["9"] == ("type", "unknown sanction type 'EU sanctions'")
    assert got["11"][0] == "since"
    assert got["12"] == ("", "undecodable: invalid start byte")
    assert len(got) == 8
    roles = list(embedded_store.iter_roles())
    assert [(r.role.value, r.source, r.record_id) for r in roles] == [
        ("director", "entities.ftm.json", "d1")
    ]
    assert [s.authority for s in embedded_store.iter_sanctions()] == ["某局"]
    records = embedded_store.source_records_of(EntityKind.PERSON, resident_id(1))
    assert [(r.source, r.record_id) for r in records] == [
        ("entities.ftm.json", "d1"),
        ("entities.ftm.json", "p1"),
    ]
    assert ("ftm_id", "p1") in records[1].raw
    assert ("ftm_schema", "Person") in records[1].raw
