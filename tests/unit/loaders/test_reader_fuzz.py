"""Fuzzing the readers: any bytes, any workbook, in bounded time, every row counted.

Each case is a file of one of the accepted formats built from hostile pieces
(quotes left open, lone carriage returns, NUL, byte order marks, GB18030 next to
UTF-8, far-away worksheet cells, huge declared dimensions) or plain random bytes.
It is loaded into an embedded store with the real pipeline. Every case must end
within :data:`BUDGET_SECONDS` (a hang is stopped by an alarm and fails), raise
nothing, and account for every row: read = loaded + quarantined for each file,
and the quarantine file holds one line per quarantined row.
"""

from __future__ import annotations

import csv
import io
import signal
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.embedded_store import EmbeddedStore
from loaders.pipeline import load_folder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import FrameType

BUDGET_SECONDS = 5.0
"""Per case; the largest case is a few kilobytes, which loads in milliseconds."""

PIECES = [
    b'"', b",", b"\n", b"\r", b"\r\n", b"\t", b"\x00", b"\x1b[31m", b"\xef\xbb\xbf",
    b"\xff\xfe", b"\xfe\xff", b"name", b"id_number", b"birth_date", b"\xe5\xa7\x93",
    "张三".encode(), "张三".encode("gb18030"), "身份证号码".encode("gb18030"),
    b"11010519491231002X", b"1999-02-30", b"9999-12-31", b"=1+2", b"[/bold]",
    b"{", b"}", b'{"name": "a"}', b"[1]", b"1e400", b"\x80", b"\xc3", b" ",
]  # fmt: skip
text_files = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=60).map(b"".join),
    st.binary(max_size=2000),
)
HEADERS = [
    b"name,id_number,birth_date\n",
    "姓名,身份证号码\n".encode("gb18030"),
]


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise TimeoutError(f"a case took longer than {BUDGET_SECONDS} s")


def _loaded_within_budget(folder: Path) -> None:
    """Load ``folder`` under an alarm; check the time and every row's account."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, BUDGET_SECONDS * 2)
    started = time.perf_counter()
    try:
        store = EmbeddedStore(folder.parent / "fuzz.db")
        try:
            report = load_folder(folder, store)
        finally:
            store.close()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - started < BUDGET_SECONDS
    for file in report.files:
        assert file.read == file.loaded + file.quarantined
    written = {
        path.name.split(".", 1)[0]: _rows(path) for path in report.quarantine_files
    }
    for kind in {f.kind.value for f in report.files}:
        quarantined = sum(f.quarantined for f in report.files if f.kind.value == kind)
        assert written.get(kind, 0) == quarantined


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def _folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        yield folder


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@FUZZ
@given(
    header=st.sampled_from([b"", *HEADERS]),
    body=text_files,
    name=st.sampled_from(["persons.csv", "roles.csv", "sanctions.jsonl"]),
)
def test_text_readers_end_in_time_and_count_every_row(
    header: bytes, body: bytes, name: str
) -> None:
    for folder in _folder():
        (folder / name).write_bytes(header + body)
        _loaded_within_budget(folder)


def _base_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "身份证号码"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BASE_WORKBOOK = _base_workbook()
SHEET = "xl/worksheets/sheet1.xml"
columns = st.integers(1, 16384)
rows = st.integers(1, 1048576)
cell_values = st.sampled_from(["张三", "=1+2", "", "11010519491231002X", "\x01"])


def _column(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@st.composite
def _sheet_xml(draw: st.DrawFn) -> bytes:
    """A worksheet with cells anywhere (sorted, as Excel writes them) and any
    declared dimension."""
    cells = draw(st.lists(st.tuples(rows, columns, cell_values), max_size=12))
    by_row: dict[int, dict[int, str]] = {}
    for row, column, value in cells:
        by_row.setdefault(row, {})[column] = value
    by_row.setdefault(1, {}).update({1: "姓名", 2: "身份证号码"})
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{draw(st.sampled_from(["A1", "A1:XFD1048576", "B2"]))}"/>'
        "<sheetData>"
    ]
    for row in sorted(by_row):
        parts.append(f'<row r="{row}">')
        for column in sorted(by_row[row]):
            value = by_row[row][column].replace("&", "&amp;").replace("<", "&lt;")
            ref = f"{_column(column)}{row}"
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        parts.append("</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode()


def _workbook_with(sheet: bytes, cut: int | None) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(BASE_WORKBOOK)) as base,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book,
    ):
        for item in base.infolist():
            data = sheet if item.filename == SHEET else base.read(item.filename)
            book.writestr(item.filename, data)
    data = out.getvalue()
    return data if cut is None else data[:cut]


@FUZZ
@given(sheet=_sheet_xml(), cut=st.none() | st.integers(0, 4000))
def test_workbooks_end_in_time_and_count_every_row(
    sheet: bytes, cut: int | None
) -> None:
    for folder in _folder():
        (folder / "persons.xlsx").write_bytes(_workbook_with(sheet, cut))
        _loaded_within_budget(folder)
