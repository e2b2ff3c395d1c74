"""xlsx export: the workbooks load back into an empty store as the source graph.

The source is either store, loaded from a generated registry; the export loads
with ``load_folder`` (as ``credlink load`` does) into an empty embedded store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import openpyxl
import pytest

from api.exchange.population import Population
from api.exchange.views import ExportView
from api.exchange.xlsx import escape_cell, export_xlsx
from api.routes.views import View
from graph.embedded_store import EmbeddedStore
from graph.model import Person, SanctionStatus
from loaders.generator import generate
from loaders.pipeline import load_folder
from tests.factories import make_person

if TYPE_CHECKING:
    from pathlib import Path

    from graph.store import GraphStore


def _graph(store: GraphStore) -> tuple[list[object], ...]:
    return (
        list(store.iter_persons()),
        list(store.iter_enterprises()),
        list(store.iter_roles()),
        list(store.iter_sanctions()),
        list(store.iter_commendations()),
    )


def test_an_exported_workbook_loads_back_as_the_source(
    store: GraphStore, tmp_path: Path
) -> None:
    folder = tmp_path / "registry"
    generate(folder, persons=250, enterprises=60, seed=15)
    load_folder(folder, store, quarantine_dir=tmp_path / "q")
    first = next(store.iter_persons())
    store.upsert_persons([Person(first.person_id, "别名")])  # one more alias
    written = export_xlsx(Population(store), ExportView(View.FULL), tmp_path / "out")
    names = sum(1 + len(p.aliases) for p in store.iter_persons())
    assert written["persons.xlsx"] == names > store.counts().persons
    again = EmbeddedStore(tmp_path / "again.db")
    try:
        report = load_folder(tmp_path / "out", again, quarantine_dir=tmp_path / "q2")
        assert report.quarantined == 0
        assert report.read == sum(written.values())
        assert _graph(again) == _graph(store)
        assert {s.status for s in store.iter_sanctions()} == {SanctionStatus.ACTIVE}
        assert again.counts().roles == store.counts().roles > 0
        assert written["commendations.xlsx"] > 0  # the generator's good records
    finally:
        again.close()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("=1+2", "'=1+2"),
        ("+86", "'+86"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("张伟", "张伟"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_that_would_run_as_formulas_are_escaped(text: str, shown: str) -> None:
    assert escape_cell(text) == shown


def test_a_name_that_looks_like_a_formula_stays_text(
    embedded_store: GraphStore, tmp_path: Path
) -> None:
    embedded_store.upsert_persons([make_person(name="=HYPERLINK(1)")])
    export_xlsx(Population(embedded_store), ExportView(View.FULL), tmp_path)
    sheet = openpyxl.load_workbook(tmp_path / "persons.xlsx").worksheets[0]
    cell = sheet.cell(row=2, column=1)
    assert cell.value == "'=HYPERLINK(1)"
    assert cell.data_type == "s"
