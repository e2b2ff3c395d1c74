"""Readers: discovery, encodings, CSV / JSON Lines / XLSX rows, header mapping."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING

import openpyxl
import pytest

from linkage.ids import InvalidIdNumber, normalize_resident_id
from loaders.readers import (
    MAX_ROW_BYTES,
    InputFile,
    InputFormat,
    InputKind,
    RawRow,
    column_field,
    detect_encoding,
    discover_inputs,
    kind_of,
    map_row,
    read_rows,
    survey_inputs,
)

if TYPE_CHECKING:
    from pathlib import Path


def _rows(path: Path, kind: InputKind = InputKind.PERSONS) -> list[RawRow]:
    found = kind_of(path)
    assert found is not None
    return list(read_rows(InputFile(path, path.name, kind, found[1])))


def _values(row: RawRow) -> dict[str, str]:
    return dict(row.cells)


# ---------------------------------------------------------------------- discovery


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("persons.csv", (InputKind.PERSONS, InputFormat.CSV)),
        ("Persons.CSV", (InputKind.PERSONS, InputFormat.CSV)),
        ("enterprises.xlsx", (InputKind.ENTERPRISES, InputFormat.XLSX)),
        ("roles.jsonl", (InputKind.ROLES, InputFormat.JSONL)),
        ("sanctions.ndjson", (InputKind.SANCTIONS, InputFormat.JSONL)),
        ("persons.2024.csv", (InputKind.PERSONS, InputFormat.CSV)),
        ("persons.quarantine.csv", (InputKind.PERSONS, InputFormat.CSV)),
        ("persons.txt", None),
        ("people.csv", None),
        ("persons_extra.csv", None),
        ("readme.md", None),
    ],
)
def test_kind_of(
    tmp_path: Path, name: str, expected: tuple[InputKind, InputFormat] | None
) -> None:
    assert kind_of(tmp_path / name) == expected


def test_discovery_is_recursive_sorted_by_load_order_then_path(tmp_path: Path) -> None:
    for rel in (
        "sanctions.csv",
        "b/roles.csv",
        "a/roles.jsonl",
        "persons.csv",
        "z/enterprises.xlsx",
        "enterprises.csv",
        "notes.csv",
        ".hidden/persons.csv",
        "~$persons.xlsx",
        "quarantine/persons.quarantine.csv",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x\n")
    found = discover_inputs(tmp_path, exclude=tmp_path / "quarantine")
    assert [f.name for f in found] == [
        "enterprises.csv",
        "z/enterprises.xlsx",
        "persons.csv",
        "a/roles.jsonl",
        "b/roles.csv",
        "sanctions.csv",
    ]
    assert found[1].path == tmp_path / "z" / "enterprises.xlsx"
    assert found[1].format is InputFormat.XLSX
    # Even without the exclusion an old quarantine file in a subfolder is never
    # input (a load with --quarantine elsewhere would load its rows unfixed) ...
    files, skipped = survey_inputs(tmp_path)
    assert "quarantine/persons.quarantine.csv" not in [f.name for f in files]
    assert tmp_path / "quarantine" / "persons.quarantine.csv" in [
        f.path for f in skipped
    ]
    # ... unless its folder, or the file itself, is named
    named = discover_inputs(tmp_path / "quarantine")
    assert [f.name for f in named] == ["persons.quarantine.csv"]
    alone = discover_inputs(tmp_path / "quarantine" / "persons.quarantine.csv")
    assert [f.kind for f in alone] == [InputKind.PERSONS]


def test_discovery_of_a_single_file(tmp_path: Path) -> None:
    path = tmp_path / "roles.csv"
    path.write_text("x\n")
    assert discover_inputs(path) == [
        InputFile(path, "roles.csv", InputKind.ROLES, InputFormat.CSV)
    ]
    assert discover_inputs(tmp_path / "nonsense.csv") == []


# ---------------------------------------------------------------------- encodings

_TEXT = "姓名,身份证号码\n张三,11010519491231002X\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "utf-8"),
        (b"name\nx\n", "utf-8"),
        (_TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + _TEXT.encode("utf-8"), "utf-8-sig"),
        (_TEXT.encode("gbk"), "gb18030"),
        (_TEXT.encode("gb18030"), "gb18030"),
        (_TEXT.encode("utf-8") + "李四,1\n".encode("gbk"), "mixed"),
        (b"\x80\xff\n", "mixed"),
        (_TEXT.encode("utf-16"), "utf-16"),
        (_TEXT.encode("utf-16-be"), "gb18030"),  # no byte order mark: not UTF-16
    ],
)
def test_detect_encoding(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "persons.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == expected


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_csv_in_every_encoding_and_line_ending(
    tmp_path: Path, encoding: str, newline: str
) -> None:
    path = tmp_path / "persons.csv"
    text = f"姓名,身份证号码{newline}张三,1{newline}{newline}李四,2{newline}"
    path.write_bytes(text.encode(encoding))
    rows = _rows(path)
    assert [(r.line, _values(r)) for r in rows] == [
        (2, {"姓名": "张三", "身份证号码": "1"}),
        (4, {"姓名": "李四", "身份证号码": "2"}),
    ]
    assert all(r.error is None for r in rows)


def test_mixed_file_decodes_line_by_line_and_reports_undecodable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "persons.csv"
    path.write_bytes(
        "姓名,身份证号码\n张三,1\n".encode()
        + "李四,2\n".encode("gbk")
        + b"\xff\xfe\xfa,3\n"
        + "王五,4\n".encode()
    )
    rows = _rows(path)
    assert [r.line for r in rows] == [2, 3, 4, 5]
    assert _values(rows[0])["姓名"] == "张三"
    assert _values(rows[1])["姓名"] == "李四"
    assert rows[2].error is not None
    assert "undecodable" in rows[2].error.reason
    assert rows[2].raw.endswith(",3")
    assert _values(rows[3])["姓名"] == "王五"


def test_empty_and_header_only_files_have_no_rows(tmp_path: Path) -> None:
    empty = tmp_path / "persons.csv"
    empty.write_bytes(b"")
    assert _rows(empty) == []
    header = tmp_path / "roles.csv"
    header.write_bytes(b"\xef\xbb\xbfname,id_number\r\n\r\n")
    assert _rows(header) == []


# ---------------------------------------------------------------------------- CSV


def test_csv_row_shapes(tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    path.write_text(
        "name,id_number,sex\n"
        "a,1,M\n"
        "b,2\n"  # truncated
        "c,3,F,surplus\n"  # extra value
        "d,4,F,,\n"  # trailing empty values are harmless
        '"e\nstill e",5,M\n'  # quoted line break: the row starts on line 6
        "f,6,M\n",
        encoding="utf-8",
    )
    rows = _rows(path)
    assert [r.line for r in rows] == [2, 3, 4, 5, 6, 8]
    assert [r.error is None for r in rows] == [True, False, False, True, True, True]
    assert _values(rows[4])["name"] == "e\nstill e"
    assert rows[1].error is not None
    assert "2 values for 3 columns" in rows[1].error.reason
    assert rows[2].error is not None
    assert "4 values for 3 columns" in rows[2].error.reason
    assert rows[2].raw == "c,3,F,surplus"


def test_tab_separated_csv(tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    path.write_text("姓名\t性别\n张三\t男\n", encoding="utf-8")
    assert [_values(r) for r in _rows(path)] == [{"姓名": "张三", "性别": "男"}]


def test_long_field_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    long_name = "张" * 300_000  # beyond csv's default 128 KiB field limit
    path.write_text(f"name,id_number\n{long_name},1\nb,2\n", encoding="utf-8")
    rows = _rows(path)
    assert [_values(r)["name"] for r in rows] == [long_name, "b"]


def test_overlong_line_is_a_row_error_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    with path.open("wb") as f:
        f.write(b"name,id_number\n")
        f.write(b"x" * (MAX_ROW_BYTES + 10) + b",1\n")
        f.write(b"b,2\n")
    rows = _rows(path)
    assert [r.line for r in rows] == [2, 3]
    assert rows[0].error is not None
    assert "longer than" in rows[0].error.reason
    assert len(rows[0].raw) < 100  # the dropped bytes are not kept
    assert _values(rows[1]) == {"name": "b", "id_number": "2"}


def test_unclosed_quote_cannot_swallow_unbounded_text(tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    line = b"y" * 1_000_000 + b"\n"
    with path.open("wb") as f:
        f.write(b'name,id_number\n"a,1\n')
        for _ in range(MAX_ROW_BYTES // len(line) + 2):
            f.write(line)
    rows = _rows(path)
    assert rows
    assert rows[0].error is not None
    assert "unclosed quote" in rows[0].error.reason


# --------------------------------------------------------------------- JSON Lines


def test_jsonl_values_become_text(tmp_path: Path) -> None:
    path = tmp_path / "persons.jsonl"
    lines = [
        json.dumps({"name": "张三", "id_number": 110105194912310021, "x": None}),
        "",
        json.dumps(
            {
                "name": "b",
                "flag": True,
                "n": 2.0,
                "f": 2.5,
                "l": [1],
                "big": 1.1010519491231002e17,
            }
        ),
        "{not json",
        "[1, 2]",
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    rows = _rows(path)
    assert [r.line for r in rows] == [1, 3, 4, 5]
    assert _values(rows[0]) == {
        "name": "张三",
        "id_number": "110105194912310021",
        "x": "",
    }
    assert _values(rows[1]) == {
        "name": "b",
        "flag": "true",
        "n": "2",
        "f": "2.5",
        "l": "[1]",
        "big": "1.1010519491231002e+17",
    }
    assert rows[2].error is not None
    assert "bad JSON" in rows[2].error.reason
    assert rows[2].raw == "{not json"
    assert rows[3].error is not None
    assert "object" in rows[3].error.reason


def test_jsonl_in_gbk(tmp_path: Path) -> None:
    path = tmp_path / "persons.jsonl"
    path.write_bytes(json.dumps({"姓名": "张三"}, ensure_ascii=False).encode("gbk"))
    assert [_values(r) for r in _rows(path)] == [{"姓名": "张三"}]


# --------------------------------------------------------------------------- XLSX


def test_xlsx_rows_cells_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "roles.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([])  # a blank first row before the header
    sheet.append(["姓名", "身份证号码", "任职日期", "离任日期", None])
    sheet.append(["张三", "11010519491231002X", datetime(2020, 1, 2), None])
    sheet.append([])
    sheet.append(["李四", 110105194912310021, date(2021, 3, 4), "2022-01-01"])
    sheet.append(["王五", "x", None, None, None, "beyond the header"])
    book.save(path)
    rows = _rows(path, InputKind.ROLES)
    assert [r.line for r in rows] == [3, 5, 6]
    assert _values(rows[0]) == {
        "姓名": "张三",
        "身份证号码": "11010519491231002X",
        "任职日期": "2020-01-02",
        "离任日期": "",
    }
    # A number cell is a double: an ID number typed as a number has lost digits,
    # so it must come out in a form that can never pass as some other number.
    as_number = _values(rows[1])["身份证号码"]
    assert "e+" in as_number
    with pytest.raises(InvalidIdNumber):
        normalize_resident_id(as_number)
    assert _values(rows[1])["任职日期"] == "2021-03-04"
    assert rows[0].error is None
    assert rows[1].error is None
    assert rows[2].error is not None


def test_broken_and_empty_workbooks(tmp_path: Path) -> None:
    broken = tmp_path / "persons.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    rows = _rows(broken)
    assert len(rows) == 1
    assert rows[0].error is not None
    assert "unreadable" in rows[0].error.reason
    empty = tmp_path / "enterprises.xlsx"
    openpyxl.Workbook().save(empty)
    assert _rows(empty, InputKind.ENTERPRISES) == []


# ------------------------------------------------------------------ header mapping


@pytest.mark.parametrize(
    ("kind", "header", "field"),
    [
        (InputKind.PERSONS, "姓名", "name"),
        (InputKind.PERSONS, "身份证号码", "id_number"),
        (InputKind.PERSONS, "公民身份号码", "id_number"),
        (InputKind.PERSONS, "证件号码", "id_number"),
        (InputKind.PERSONS, "身份证号码（18位）", "id_number"),
        (InputKind.PERSONS, "ID Number", "id_number"),
        (InputKind.PERSONS, " ＊姓名 ", "name"),
        (InputKind.PERSONS, "出生日期", "birth_date"),
        (InputKind.PERSONS, "性别", "sex"),
        (InputKind.PERSONS, "Record-ID", "record_id"),
        (InputKind.ENTERPRISES, "统一社会信用代码", "credit_code"),
        (InputKind.ENTERPRISES, "企业名称", "name"),
        (InputKind.ENTERPRISES, "name", "name"),
        (InputKind.ENTERPRISES, "登记状态", "status"),
        (InputKind.ENTERPRISES, "成立日期", "founded_on"),
        (InputKind.ROLES, "姓名", "person_name"),
        (InputKind.ROLES, "name", "person_name"),
        (InputKind.ROLES, "身份证号码", "person_id_number"),
        (InputKind.ROLES, "企业名称", "enterprise_name"),
        (InputKind.ROLES, "职务", "role"),
        (InputKind.ROLES, "任职日期", "since"),
        (InputKind.ROLES, "离任日期", "until"),
        (InputKind.SANCTIONS, "失信类型", "type"),
        (InputKind.SANCTIONS, "决定机关", "authority"),
        (InputKind.SANCTIONS, "决定文书号", "decision_no"),
        (InputKind.SANCTIONS, "违法行为发生日期", "violation_date"),
        (InputKind.SANCTIONS, "决定日期", "decided_on"),
        (InputKind.SANCTIONS, "公示截止日期", "display_until"),
        (InputKind.SANCTIONS, "统一社会信用代码", "subject_credit_code"),
        (InputKind.SANCTIONS, "身份证号码", "subject_id_number"),
        (InputKind.SANCTIONS, "主体类型", "subject_kind"),
        (InputKind.SANCTIONS, "subject_id", "subject_id"),
        (InputKind.PERSONS, "_line", None),
        (InputKind.PERSONS, "_name", None),
        (InputKind.PERSONS, "备注", None),
    ],
)
def test_column_field(kind: InputKind, header: str, field: str | None) -> None:
    assert column_field(kind, header) == field


def test_every_field_has_its_own_name_as_a_header() -> None:
    from loaders.readers import FIELDS

    for kind, fields in FIELDS.items():
        for field in fields:
            if field.startswith("subject_") and field != "subject_id":
                continue  # told apart from the enterprise/person number columns
            assert column_field(kind, field) == field


def test_map_row_sorts_cells() -> None:
    mapped = map_row(
        InputKind.PERSONS,
        [
            ("姓名", ""),
            ("name", " 张三 "),
            ("姓名", "李四"),
            ("备注", "note"),
            ("empty", ""),
            ("_reason", "bad"),
        ],
    )
    assert mapped.fields == {"name": "张三"}
    assert mapped.extras == {"备注": "note"}
    assert mapped.meta == {"_reason": "bad"}
