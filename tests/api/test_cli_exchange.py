"""``credlink export`` and ``credlink import-ftm`` on both stores: audited first,
progress on stderr, every format, and an FtM export that imports back."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import networkx as nx
import pytest

from api.exchange import ExportFormat
from api.stores import open_store
from tests.api.conftest import Cli
from tests.factories import (
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from pathlib import Path


WHO = ("--as", "analyst-7", "--purpose", "exchange with the provincial platform")


def _seed(cli: Cli) -> None:
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        store.upsert_persons([make_person(), make_person(person_id=resident_id(2))])
        store.upsert_enterprises([make_enterprise()])
        store.upsert_roles([make_role(), make_role(person_id=resident_id(2))])
        store.upsert_sanctions([make_sanction()])
    finally:
        store.close()


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_export_is_audited_and_written(cli: Cli, tmp_path: Path, fmt: str) -> None:
    _seed(cli)
    out = tmp_path / f"out-{fmt}"
    result = cli.run(
        *WHO, "export", "--format", fmt, "--view", "public", "--on", "2024-01-01",
        "--out", str(out), "--json",
    )  # fmt: skip
    answer = json.loads(result.stdout)
    assert answer["format"] == fmt
    assert answer["view"] == "public"
    assert answer["read"] == {"enterprise": 1, "person": 2, "role": 2, "sanction": 1}
    assert answer["written"] > 0
    assert "read 6 (" in result.stderr  # progress on stderr
    assert out.is_dir() == ExportFormat(fmt).folder
    (entry,) = [json.loads(line) for line in cli.audit_log.read_text().splitlines()]
    assert entry["key_name"] == "analyst-7"
    assert entry["action"] == "exchange.export"
    assert entry["purpose"] == "exchange with the provincial platform"
    assert entry["subject"] == (
        f"format={fmt} view=public on=2024-01-01 out={out.resolve()}"
    )
    files = [out] if out.is_file() else sorted(out.iterdir())
    for file in files:
        if file.suffix in (".csv", ".json", ".graphml", ".args", ""):
            assert resident_id(1) not in file.read_text("utf-8")


def test_an_existing_output_is_refused_before_anything(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "exists.graphml"
    out.write_text("keep me")
    result = cli.run("export", "--format", "graphml", "--out", str(out), code=2)
    assert "exists" in result.output
    assert out.read_text() == "keep me"
    assert not cli.audit_log.exists()


def test_ftm_export_imports_back(cli: Cli, tmp_path: Path) -> None:
    _seed(cli)
    out = tmp_path / "graph.ftm.json"
    cli.run("export", "--format", "ftm", "--out", str(out))
    graph = out.read_text("utf-8")
    assert resident_id(1) in graph  # the full view
    audit_log = tmp_path / "import-audit.jsonl"
    target = Cli(
        str(tmp_path / "target.db"), {"CREDLINK_AUDIT_LOG": str(audit_log)}, audit_log
    )
    answer = target.json(*WHO, "import-ftm", str(out))
    assert {k["kind"]: k["loaded"] for k in answer["kinds"]} == {
        "enterprises": 1, "persons": 2, "roles": 2, "sanctions": 1,
        "commendations": 0,  # FtM has no good records
    }  # fmt: skip
    assert target.json("stats") == {
        **cli.json("stats"),
        # the import's own provenance: a record per person and enterprise, and
        # one for both roles (they keep their record, test#1)
        "source_records": 4,
    }
    entries = [json.loads(line) for line in target.audit_log.read_text().splitlines()]
    assert [(e["action"], e["subject"]) for e in entries] == [
        ("exchange.import", f"file={out.resolve()}")
    ]


def test_graphml_export_reads_in_networkx(cli: Cli, tmp_path: Path) -> None:
    _seed(cli)
    out = tmp_path / "g.graphml"
    cli.run("export", "--format", "graphml", "--out", str(out))
    assert nx.read_graphml(out).number_of_nodes() == 4
