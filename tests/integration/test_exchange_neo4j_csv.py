"""neo4j-csv export: from the embedded store into an empty Neo4j, equal to the source.

A generated registry is loaded, linked and propagated in an ``EmbeddedStore``,
exported as neo4j-admin CSV, imported with ``neo4j-admin database import full``
into a throwaway launcher server (its own HOME, stopped at the end), and read back
with the differential test's reader over every key of the source.
"""

from __future__ import annotations

import os
from datetime import date
from typing import TYPE_CHECKING

import neo4j
import neo4j_launcher
import pytest

from api.exchange.neo4j_csv import ARGS_FILE, export_neo4j_csv
from api.exchange.population import Population
from api.exchange.views import ExportView
from api.routes.views import View
from graph.embedded_store import EmbeddedStore
from graph.model import EntityKind
from graph.neo4j_store import Neo4jStore
from graph.policy import load_catalogue
from linkage.link_store import link_store
from loaders.bulk import run_import
from loaders.generator import generate
from loaders.pipeline import load_folder
from tests.integration.test_differential import _answers

if TYPE_CHECKING:
    from pathlib import Path

    from graph.store import GraphStore

DAYS = (None, date(2015, 1, 1), date(2022, 6, 1))


def _everything(source: GraphStore, target: GraphStore) -> tuple[object, object]:
    """The differential reader over every key of ``source``, on both stores."""
    keys = {
        "people": [p.person_id for p in source.iter_persons()],
        "companies": [e.credit_code for e in source.iter_enterprises()],
        "sanction_ids": [s.sanction_id for s in source.iter_sanctions()],
        "records": [
            (r.source, r.record_id)
            for kind in EntityKind
            for r in source.iter_source_records(kind)
        ],
    }
    return (
        _answers(source, days=DAYS, **keys),  # type: ignore[arg-type]
        _answers(target, days=DAYS, **keys),  # type: ignore[arg-type]
    )


@pytest.mark.neo4j
@pytest.mark.slow
def test_embedded_to_neo4j_csv_to_neo4j_equals_the_source(tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    generate(folder, persons=600, enterprises=150, seed=15)
    source = EmbeddedStore(tmp_path / "source.db")
    home = tmp_path / "home"
    try:
        load_folder(folder, source, quarantine_dir=tmp_path / "q")
        link_store(source)
        catalogue = load_catalogue()
        source.propagate(catalogue, full=True)
        files = export_neo4j_csv(
            Population(source), ExportView(View.FULL), tmp_path / "export"
        )
        assert files.counts == source.counts()
        assert files.counts.commendations > 0
        args = (files.directory / ARGS_FILE).read_text("utf-8").split()
        assert args == files.arguments()
        run_import(files, home, neo4j_launcher.admin, heap="512m", threads=2)
        server = neo4j_launcher.start(home, auth=False, heap="512m", pagecache="128m")
        with neo4j.GraphDatabase.driver(server.uri) as driver:
            target = Neo4jStore(driver)
            mine, theirs = _everything(source, target)
            assert mine == theirs
            assert source.counts().roles > 0
            assert target.counts() == source.counts()
            assert list(target.iter_commendations()) == list(
                source.iter_commendations()
            )
            target.propagate(catalogue)  # every imported sanction is pending
            assert target.restriction_facts() == source.restriction_facts()
            assert target.restriction_facts()
    finally:
        source.close()
        neo4j_launcher.stop(home)
    assert neo4j_launcher.status(home) is None


def test_the_public_view_names_no_person(tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    generate(folder, persons=200, enterprises=40, seed=3)
    store = EmbeddedStore(tmp_path / "s.db")
    try:
        load_folder(folder, store, quarantine_dir=tmp_path / "q")
        keys = [p.person_id for p in store.iter_persons()]
        names = [p.name for p in store.iter_persons() if len(p.name) > 1]
        files = export_neo4j_csv(
            Population(store), ExportView(View.PUBLIC), tmp_path / "export"
        )
        assert files.counts.persons == len(keys)
        assert files.counts.source_records == 0
        held = list(store.iter_commendations())
        assert files.counts.commendations == len(held) > 0
    finally:
        store.close()
    text = "".join(
        path.read_text("utf-8") for _, path in (*files.nodes, *files.relationships)
    )
    assert not [key for key in keys if key in text]
    assert not [name for name in names if name in text]
    assert os.path.getsize(files.directory / "roles.csv") > 100
