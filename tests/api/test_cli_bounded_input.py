"""Bounded work per file: a small hostile file never costs more than its bytes.

A 4.8 KB workbook with cells at ``A1048576`` and ``XFD1`` used to hang the loader
for ~37 minutes (openpyxl widened every row to the declared 16384 columns and
filled in a million rows); a broken file was quarantined row by row without end.
"""

from __future__ import annotations

import csv
import time
from typing import TYPE_CHECKING

import openpyxl

from loaders.readers import MAX_COLUMNS, MAX_EMPTY_ROWS
from tests.factories import resident_id

if TYPE_CHECKING:
    from pathlib import Path

    from tests.api.conftest import Cli


def _quarantined(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_a_workbook_with_far_cells_loads_at_once(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "身份证号码"])
    sheet.append(["张三", resident_id(1)])
    sheet["A1048576"] = "far below"
    sheet["XFD1"] = "far right"
    book.save(folder / "persons.xlsx")
    assert (folder / "persons.xlsx").stat().st_size < 10_000
    started = time.perf_counter()
    report = cli.json("load", str(folder))
    assert time.perf_counter() - started < 20
    (file,) = report["files"]
    assert (file["read"], file["loaded"], file["quarantined"]) == (3, 1, 2)
    rows = _quarantined(folder / "quarantine" / "persons.quarantine.csv")
    assert [(r["_line"], r["_reason"]) for r in rows] == [
        ("1", f"a value in column XFD, beyond the {MAX_COLUMNS} columns read"),
        (
            "1048576",
            f"1 rows with data from row 1048576 on, after {MAX_EMPTY_ROWS} empty "
            "rows, not read (stray cells far below the table?)",
        ),
    ]


def test_a_broken_file_is_quarantined_as_one_block_after_the_limit(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    lines = ["name,id_number", f"张三,{resident_id(1)}"]
    lines += [f"x{i},{i},surplus,values" for i in range(3000)]
    lines += [f"李四,{resident_id(2)}"]  # after the limit: counted in the block
    (folder / "persons.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = cli.json("load", str(folder), "--max-quarantined", "100")
    (file,) = report["files"]
    assert (file["read"], file["loaded"], file["quarantined"]) == (3002, 1, 3001)
    rows = _quarantined(folder / "quarantine" / "persons.quarantine.csv")
    assert len(rows) == 101
    block = rows[-1]
    assert block["_line"] == "103"
    assert block["_reason"].startswith("2901 more rows not read: 100 rows of this")
