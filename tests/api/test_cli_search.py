"""``credlink search``, on both stores: ranked hits with reasons, pages, masking in
tables, the audit record; bad input exits 2."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from api.cli import run
from api.masking import mask_id_number
from api.stores import open_store
from graph.model import Person
from tests.factories import credit_code, make_enterprise, resident_id

if TYPE_CHECKING:
    import pytest

    from tests.api.conftest import Cli

WANG, WANG_TOO = resident_id(1), resident_id(2)
FIRM = credit_code(1)
WHO = ("--as", "investigator-3", "--purpose", "case 42")


def _seed(cli: Cli) -> None:
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        store.upsert_persons([Person(WANG, "王建国"), Person(WANG_TOO, "王建國")])
        store.upsert_enterprises(
            [make_enterprise(credit_code=FIRM, name="建国科技有限公司")]
        )
    finally:
        store.close()


def _entries(cli: Cli) -> list[dict[str, Any]]:
    lines = cli.audit_log.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_search_by_pinyin_pages_and_audits(cli: Cli) -> None:
    _seed(cli)
    first = cli.json(*WHO, "search", "wang jianguo", "--kind", "person", "--limit", "1")
    assert [(h["key"], h["reasons"]) for h in first["hits"]] == [
        (WANG, ["pinyin of the name"])
    ]
    second = cli.json(
        "search", "wang jianguo", "--kind", "person", "--limit", "1",
        "--cursor", first["next_cursor"],
    )  # fmt: skip
    assert [h["key"] for h in second["hits"]] == [WANG_TOO]
    assert second["next_cursor"] is None
    entry = _entries(cli)[0]
    assert (entry["action"], entry["subject"], entry["persons"]) == (
        "search.persons",
        "search:person",
        [WANG],
    )
    assert entry["key_name"] == "investigator-3"


def test_enterprises_only_and_the_table_masks(cli: Cli) -> None:
    _seed(cli)
    firms = cli.json("search", "建国科技", "--kind", "enterprise")
    assert [h["key"] for h in firms["hits"]] == [FIRM]
    assert _entries(cli)[-1]["action"] == "search.enterprises"
    out = cli.run("search", "王建国").stdout
    assert mask_id_number(WANG) in out
    assert WANG not in out
    assert "same name" in out


def test_bad_input_exits_2(
    cli: Cli, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(cli)
    for name, value in cli.env.items():
        monkeypatch.setenv(name, value)
    base = ["--store", cli.location, "search"]
    assert run([*base, "王建国", "--cursor", "bogus"]) == 2
    assert run([*base, "王建国", "--kind", "robot"]) == 2
    assert run([*base, " "]) == 2
    assert "error:" in capsys.readouterr().err
