"""Nothing executable leaves: hostile text in, inert text out, on both stores.

Names that are rich markup used to crash ``related``, ``people`` and ``explain``
(``MarkupError``) or become terminal hyperlinks; quarantine files wrote formulas
back into the officer's spreadsheet unescaped.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from api.stores import open_store
from loaders.cells import FORMULA_STARTS
from tests.factories import credit_code, make_person, resident_id

if TYPE_CHECKING:
    from pathlib import Path

    from tests.api.conftest import Cli

ACME = credit_code(1)
MARKUP = "[/bold]张三"
LINK = "[link=http://evil.example/]李四[/link]"
CONTROLS = "王\x1b[31m五\u202e"
FORMULAS = [
    '=HYPERLINK("http://evil.example/","点击")',
    "=1+2",
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
]
CONTROL_FORMULAS = ["\t=1+2", "\r=1+2"]


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _seed_names(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "names"
    folder.mkdir()
    people = [
        (resident_id(1), MARKUP),
        (resident_id(2), LINK),
        (resident_id(3), "赵六"),
    ]
    _write(folder / "persons.csv",
           [{"name": name, "id_number": pid} for pid, name in people])  # fmt: skip
    _write(folder / "roles.csv", [
        {"id_number": pid, "credit_code": ACME, "enterprise_name": LINK,
         "role": "董事", "since": "2020-01-01"}
        for pid, _ in people
    ])  # fmt: skip
    assert cli.json("load", str(folder))["files"][0]["quarantined"] == 0
    # text stored before the door refused control characters
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        store.upsert_persons([make_person(person_id=resident_id(4), name=CONTROLS)])
    finally:
        store.close()


def test_markup_in_names_prints_as_text(cli: Cli, tmp_path: Path) -> None:
    _seed_names(cli, tmp_path)
    cli = type(cli)(cli.location, {**cli.env, "COLUMNS": "300"}, cli.audit_log)
    # the associate's name is markup: querying someone else must not crash
    related = cli.run("related", resident_id(3)).stdout
    assert MARKUP in related
    assert LINK in related  # shown as text, not turned into a hyperlink
    people = cli.run("people", ACME).stdout
    assert MARKUP in people
    assert "\x1b]8;" not in people  # no OSC 8 hyperlink
    assert MARKUP in cli.run("explain", resident_id(1)).stdout
    assert LINK in cli.run("explain", resident_id(2)).stdout
    shown = cli.run("explain", resident_id(4)).stdout
    assert "王\\x1b[31m五\\u202e" in shown
    assert "\x1b" not in shown


def test_quarantine_files_escape_formulas_and_load_back(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [
        {"name": text, "id_number": resident_id(10 + i), "birth_date": "not a date"}
        for i, text in enumerate(FORMULAS + CONTROL_FORMULAS)
    ]
    _write(folder / "persons.csv", rows)
    loaded = cli.json("load", str(folder), code=2)  # every row quarantined: exit 2
    assert loaded["files"][0]["quarantined"] == len(rows)
    written = folder / "quarantine" / "persons.quarantine.csv"
    with written.open(encoding="utf-8-sig", newline="") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    assert cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert "'=1+2" in cells
    # fixed by the officer, the file loads the values as they were
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    text = written.read_text(encoding="utf-8-sig").replace("not a date", "")
    (fixed / "persons.quarantine.csv").write_text(text, encoding="utf-8-sig")
    report = cli.json("load", str(fixed))
    # names with a tab or carriage return are refused again (control characters)
    assert report["files"][0]["loaded"] >= len(FORMULAS)
    for i, name in enumerate(FORMULAS):
        explained = cli.json("explain", resident_id(10 + i))
        assert explained["person"]["name"] == name.strip()
