"""``POST /exports`` on both stores: the exchange partner gets the full graph in
every format, the public only the public view (and nothing it could not read),
every export audited before its first byte, nothing left behind on the server."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from openpyxl import load_workbook

from api.exchange.ftm import entity_problems
from graph.enforcement import propagate
from graph.policy.catalogue import load_catalogue
from linkage.resolve import link_store
from loaders.generator import generate as generate_registry
from loaders.pipeline import load_folder
from loaders.rows import roles_of_record
from tests.api.conftest import Api, open_api
from tests.api.test_public_masking import _scan, _secrets

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graph.store import GraphStore

EXCHANGE, PUBLIC = "exchange_partner", "public"


@pytest.fixture
def registry(store: GraphStore, tmp_path: Path) -> Iterator[tuple[Api, GraphStore]]:
    """A small generated registry, loaded, linked and propagated."""
    folder = tmp_path / "registry"
    generate_registry(folder, persons=200, enterprises=30, seed=5, jobs=1)
    load_folder(folder, store)
    link_store(store, roles_of=roles_of_record)
    propagate(store, load_catalogue())
    with open_api(store, tmp_path) as api:
        yield api, store


def _leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("credlink-export-*")}


def test_the_exchange_partner_gets_the_full_graph_as_valid_ftm(
    registry: tuple[Api, GraphStore],
) -> None:
    api, store = registry
    before = _leftovers()
    response = api.post("/exports", {"format": "ftm"}, role=EXCHANGE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.headers["x-credlink-view"] == "full"
    assert "credlink-full.ftm.json" in response.headers["content-disposition"]
    entities = [json.loads(line) for line in response.text.splitlines()]
    for entity in entities:
        assert entity_problems(entity) == [], entity["id"]
    people = [e for e in entities if e["schema"] == "Person"]
    counts = store.counts()
    assert len(people) == counts.persons
    assert sum(e["schema"] == "Company" for e in entities) == counts.enterprises
    numbers = {n for p in people for n in p["properties"].get("idNumber", [])}
    keys, _ = _secrets(store)
    assert keys & numbers  # the full view carries the numbers
    entry = api.audit()[-1]
    assert entry["action"] == "exchange.export"
    assert entry["outcome"] == "answered"
    assert "format=ftm view=full" in entry["subject"]
    assert _leftovers() == before  # the temporary folder is gone


def test_the_public_may_export_only_the_public_view(
    registry: tuple[Api, GraphStore],
) -> None:
    api, store = registry
    refused = api.post("/exports", {"format": "ftm"}, role=PUBLIC)
    assert refused.status_code == 403
    assert "public view" in refused.json()["detail"]
    assert api.audit()[-1]["outcome"] == "denied"
    keys, names = _secrets(store)
    for fmt in ("ftm", "graphml"):
        response = api.post("/exports", {"format": fmt, "view": "public"}, role=PUBLIC)
        assert response.status_code == 200, response.text
        assert response.headers["x-credlink-view"] == "public"
        assert len(response.content) > 1000
        _scan(response.text, keys, names, f"public {fmt} export")
    assert api.audit()[-1]["subject"].startswith("format=graphml view=public")


@pytest.mark.parametrize(
    ("fmt", "member"), [("xlsx", ".xlsx"), ("neo4j-csv", "persons")]
)
def test_folder_formats_come_as_one_zip_archive(
    registry: tuple[Api, GraphStore], fmt: str, member: str
) -> None:
    api, _ = registry
    response = api.post("/exports", {"format": fmt, "on": "2024-01-01"}, role=EXCHANGE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    names = archive.namelist()
    assert any(member in name for name in names), names
    if fmt == "xlsx":
        first = next(n for n in names if n.endswith(".xlsx"))
        book = load_workbook(io.BytesIO(archive.read(first)), read_only=True)
        assert book.sheetnames
    assert "on=2024-01-01" in api.audit()[-1]["subject"]


def test_a_request_that_cannot_be_read_is_refused_without_export(
    registry: tuple[Api, GraphStore],
) -> None:
    api, _ = registry
    before = _leftovers()
    for body in ({"format": "pdf"}, {"format": "ftm", "view": "secret"}, {}):
        response = api.post("/exports", body, role=EXCHANGE)
        assert response.status_code == 422, body
    assert _leftovers() == before
