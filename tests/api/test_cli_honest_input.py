"""Honest decoding and columns: nothing mis-decoded, merged or ignored in silence.

Each case used to load quietly wrong: a UTF-8 line in a GB18030 file became
mojibake (张三 -> 寮犱笁), a duplicated column was dropped, a file reached through
a symbolic link loaded twice and a dangling one was ignored, NUL bytes ended up in
names, and decorated digits (𝟏, ①, ¹) resolved to real persons' numbers.
"""

from __future__ import annotations

import csv
import os
from typing import TYPE_CHECKING

from tests.factories import resident_id

if TYPE_CHECKING:
    from pathlib import Path

    from tests.api.conftest import Cli


def _quarantined(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    return folder


def test_lines_in_two_encodings_are_decided_line_by_line(
    cli: Cli, tmp_path: Path
) -> None:
    folder = _folder(tmp_path)
    (folder / "persons.csv").write_bytes(
        b"name,id_number\n"
        + f"张三,{resident_id(1)}\n".encode()
        + f"李四,{resident_id(2)}\n".encode("gb18030")
        + f"王五,{resident_id(3)}\n".encode("gb18030")
        + f"José,{resident_id(4)}\n".encode()  # as GB18030: Jos茅
    )
    (file,) = cli.json("load", str(folder))["files"]
    assert (file["read"], file["loaded"], file["quarantined"]) == (4, 3, 1)
    names = [cli.json("explain", resident_id(n))["person"]["name"] for n in (1, 2, 3)]
    assert names == ["张三", "李四", "王五"]
    (row,) = _quarantined(folder / "quarantine" / "persons.quarantine.csv")
    assert row["_line"] == "5"
    assert row["_reason"].startswith("ambiguous encoding: the line reads as UTF-8")
    assert "Jos茅" in row["_reason"]


def test_a_duplicated_header_is_an_error_naming_both_columns(
    cli: Cli, tmp_path: Path
) -> None:
    folder = _folder(tmp_path)
    (folder / "persons.csv").write_text(
        f"name,id_number,Name\n张三,{resident_id(1)},李四\n", encoding="utf-8"
    )
    (folder / "roles.jsonl").write_text(
        f'{{"id_number": "{resident_id(1)}", "role": "董事", "role": "监事"}}\n',
        encoding="utf-8",
    )
    report = cli.json("load", str(folder), code=2)  # nothing loaded: exit 2
    assert [f["quarantined"] for f in report["files"]] == [1, 1]
    (person,) = _quarantined(folder / "quarantine" / "persons.quarantine.csv")
    assert person["_reason"] == "duplicated header: columns 1 and 3 are both 'Name'"
    assert person["_raw"] == f"张三,{resident_id(1)},李四"  # nothing dropped
    (role,) = _quarantined(folder / "quarantine" / "roles.quarantine.csv")
    assert role["_reason"] == "duplicated header: columns 2 and 3 are both 'role'"
    assert cli.json("stats")["persons"] == 0


def test_a_linked_file_loads_once_and_a_dangling_link_is_reported(
    cli: Cli, tmp_path: Path
) -> None:
    folder = _folder(tmp_path)
    (folder / "persons.csv").write_text(
        f"name,id_number\n张三,{resident_id(1)}\n", encoding="utf-8"
    )
    os.symlink(folder / "persons.csv", folder / "persons.copy.csv")
    os.symlink(tmp_path / "gone.csv", folder / "roles.csv")
    report = cli.json("load", str(folder))
    assert [
        (f["path"].rsplit("/", 1)[-1], f["read"], f["loaded"], f["quarantined"])
        for f in report["files"]
    ] == [("persons.csv", 1, 1, 0), ("roles.csv", 1, 0, 1)]
    (row,) = _quarantined(folder / "quarantine" / "roles.quarantine.csv")
    assert row["_reason"] == f"dangling symbolic link (to {tmp_path / 'gone.csv'})"
    assert cli.json("stats")["source_records"] == 1


def test_control_characters_in_text_are_quarantined(cli: Cli, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "persons.csv").write_bytes(
        b"name,id_number,note\n"
        + f"张\x00三,{resident_id(1)},\n".encode()
        + f"李四,{resident_id(2)},a\x1b[31mb\n".encode()
        + f"王\u202e五,{resident_id(3)},\n".encode()
        + f"赵六,{resident_id(4)},fine\n".encode()
    )
    (file,) = cli.json("load", str(folder))["files"]
    assert (file["loaded"], file["quarantined"]) == (1, 3)
    rows = _quarantined(folder / "quarantine" / "persons.quarantine.csv")
    assert [(r["_field"], r["_reason"]) for r in rows] == [
        ("name", "control character U+0000 (control) in the value"),
        ("note", "control character U+001B (control) in the value"),
        ("name", "control character U+202E (RIGHT-TO-LEFT OVERRIDE) in the value"),
    ]


def test_only_ascii_and_full_width_digits_make_a_number(
    cli: Cli, tmp_path: Path
) -> None:
    folder = _folder(tmp_path)
    real = resident_id(1)
    decorated = {
        "bold": "".join(chr(0x1D7CE + int(c)) if c.isdigit() else c for c in real),
        "circled": "①" + real[1:],
        "superscript": "¹" + real[1:],
        "arabic-indic": "".join(chr(0x0660 + int(c)) if c.isdigit() else c
                                for c in real),
    }  # fmt: skip
    full_width = "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in real)
    rows = [f"{kind},{number}" for kind, number in decorated.items()]
    (folder / "persons.csv").write_text(
        "name,id_number\n" + "\n".join([*rows, f"张三,{full_width}"]) + "\n",
        encoding="utf-8",
    )
    cli.json("load", str(folder))
    stats = cli.json("stats")
    # every row is kept as a record; only the full-width one names a person
    assert (stats["persons"], stats["source_records"]) == (1, 5)
    assert cli.json("explain", real)["person"]["name"] == "张三"
