"""Awkward registry folders for differential tests: a generated registry, edited.

:func:`awkward_folders` draws edits of a small registry from
``loaders.generator`` (never real ID numbers): bad check characters, blank
cells, full-width digits, other date spellings, unknown and combined roles,
legacy identifiers in place of credit codes, duplicated rows, blank lines, too
many or too few values, cells escaped against formula injection, control
characters, an extra column, Chinese headers, a byte order mark, GB18030, a
quoted value (which sends a file to the per-row path whole). :func:`write_folder`
writes one drawn folder.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from hypothesis import strategies as st

from loaders.generator import generate

KINDS: Final = ("persons", "enterprises", "roles", "sanctions")

CHINESE_HEADERS: Final = {
    "persons": {
        "name": "姓名",
        "id_number": "身份证号码",
        "birth_date": "出生日期",
        "sex": "性别",
        "record_id": "记录编号",
    },
    "enterprises": {
        "credit_code": "统一社会信用代码",
        "name": "企业名称",
        "founded_on": "成立日期",
        "org_code": "组织机构代码",
    },
    "roles": {
        "person_id_number": "身份证号码",
        "person_name": "姓名",
        "credit_code": "统一社会信用代码",
        "role": "职务",
        "since": "任职日期",
        "until": "离任日期",
    },
    "sanctions": {"subject_id": "主体标识", "type": "失信类型"},
}

CELL_VALUES: Final = (
    "",
    "   ",
    "２０２０-０１-０２",
    "2020年1月2日",
    "20200102",
    "1999-02-30",
    "2199-01-01",
    "董事长兼总经理",
    "director、supervisor",
    "plumber",
    "男",
    "女",
    "x",
    "'=1+1",
    "'-5",
    "=cmd",
    "a\x01b",
    "Ｘ",
    "911101087178578130",
)
"""Values written over a cell: dates, roles and sexes in other spellings, and
values a parser refuses."""


@dataclass(frozen=True, slots=True)
class Edit:
    """One change to one data line of one file."""

    kind: str
    line: int
    how: str
    column: int
    value: str


@dataclass(frozen=True, slots=True)
class Folder:
    """A drawn folder: edits of data lines, and per file its header and encoding."""

    edits: tuple[Edit, ...]
    chinese: frozenset[str]
    encodings: tuple[tuple[str, str], ...]
    extra_column: frozenset[str]
    quoted: frozenset[str]


KEPT_LINES: Final = {"persons": 80, "enterprises": 25, "roles": 150, "sanctions": 20}
"""Lines of each generated file kept (the header included): small enough for a
content checksum per example on Neo4j; roles of enterprises cut off get stubs."""


@cache
def base_registry() -> dict[str, list[str]]:
    """The first lines of each file of a small generated registry (cached)."""
    with tempfile.TemporaryDirectory(prefix="credlink-awkward-") as scratch:
        folder = Path(scratch)
        generate(folder, persons=200, enterprises=30, seed=7, jobs=1)
        return {
            kind: (folder / f"{kind}.csv")
            .read_text(encoding="utf-8")
            .splitlines()[: KEPT_LINES[kind]]
            for kind in KINDS
        }


_HOWS: Final = (
    "value",
    "check",
    "full_width",
    "legacy",
    "duplicate",
    "blank_line",
    "more",
    "fewer",
    "spaces",
    "delete_value",
)


def _edits() -> st.SearchStrategy[Edit]:
    return st.builds(
        Edit,
        kind=st.sampled_from(KINDS),
        line=st.integers(0, 400),
        how=st.sampled_from(_HOWS),
        column=st.integers(0, 12),
        value=st.sampled_from(CELL_VALUES),
    )


def awkward_folders() -> st.SearchStrategy[Folder]:
    """Folders of edits drawn over the base registry."""
    kinds = st.frozensets(st.sampled_from(KINDS))
    encoding = st.sampled_from(("utf-8", "utf-8", "utf-8-sig", "gb18030"))
    return st.builds(
        Folder,
        edits=st.lists(_edits(), max_size=25).map(tuple),
        chinese=kinds,
        encodings=st.tuples(*(st.tuples(st.just(k), encoding) for k in KINDS)),
        extra_column=kinds,
        quoted=st.frozensets(st.sampled_from(KINDS), max_size=1),
    )


def write_folder(drawn: Folder, target: Path) -> Path:
    """Write the drawn folder's files into ``target``; returns ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    base = base_registry()
    encodings = dict(drawn.encodings)
    for kind in KINDS:
        header, *rows = base[kind]
        cells = [row.split(",") for row in rows]
        lines: list[str | list[str]] = list(cells)
        for edit in (e for e in drawn.edits if e.kind == kind):
            _apply(lines, edit)
        names = header.split(",")
        if kind in drawn.chinese:
            names = [CHINESE_HEADERS[kind].get(n, n) for n in names]
        if kind in drawn.extra_column:
            names.append("备注")
            lines = [
                [*row, f"note {i}" if i % 3 else ""] if isinstance(row, list) else row
                for i, row in enumerate(lines)
            ]
        if kind in drawn.quoted and lines and isinstance(lines[0], list):
            first = lines[0]
            lines[0] = [f'"{first[0]}"', *first[1:]]
        text = "\n".join(
            [",".join(names)]
            + [",".join(row) if isinstance(row, list) else row for row in lines]
        )
        encoding = encodings.get(kind, "utf-8")
        data = (text + "\n").encode(encoding, errors="replace")
        (target / f"{kind}.csv").write_bytes(data)
    return target


def _apply(lines: list[str | list[str]], edit: Edit) -> None:
    if not lines:
        return
    index = edit.line % len(lines)
    row = lines[index]
    if edit.how == "blank_line":
        lines.insert(index, "" if edit.value else " , ,")
        return
    if not isinstance(row, list):
        return
    column = edit.column % len(row)
    row = list(row)
    cell = row[column]
    if edit.how == "value":
        row[column] = edit.value
    elif edit.how == "check" and len(cell) in (15, 18):
        last = "0" if cell[-1] != "0" else "1"
        row[column] = cell[:-1] + last
    elif edit.how == "full_width":
        row[column] = "".join(
            chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in cell
        )
    elif edit.how == "legacy" and len(cell) == 18 and not cell.isdigit():
        row[column] = cell[8:16] + "-" + cell[16]  # the organisation code
    elif edit.how == "duplicate":
        lines.insert(index, list(row))
    elif edit.how == "more":
        row.append(edit.value or "x")
    elif edit.how == "fewer":
        row.pop()
    elif edit.how == "spaces":
        row[column] = f"  {cell} "
    elif edit.how == "delete_value":
        row[column] = ""
    lines[index] = row
