"""Input files: discovery, encodings, CSV / JSON Lines / XLSX rows, header mapping.

A folder holds one or more files per kind, named ``persons.*``, ``enterprises.*``,
``roles.*``, ``sanctions.*`` and ``commendations.*`` (the part of the file name
before the first dot names the kind, so ``persons.2024.csv`` and
``persons.quarantine.csv`` are persons files), found recursively. Readers stream:
a row is read, handed over and dropped.

Readers never raise on bad content. Every data row comes out as a :class:`RawRow`;
a row that cannot even be split into cells (undecodable bytes, malformed JSON, more
values than columns, a line longer than :data:`MAX_ROW_BYTES`) carries a
:class:`RowError` instead of being skipped, so that every data row is counted.

Columns whose header starts with ``_`` are metadata (the quarantine writes
``_file``, ``_line``, ``_field``, ``_reason``, ``_raw``) and never map to a field.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from functools import cache
from typing import IO, TYPE_CHECKING, Final
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils import get_column_letter

from loaders.cells import unescape_cell

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path


class InputKind(StrEnum):
    """The kinds of input file, named by the start of the file name."""

    ENTERPRISES = "enterprises"
    PERSONS = "persons"
    ROLES = "roles"
    SANCTIONS = "sanctions"
    COMMENDATIONS = "commendations"


LOAD_ORDER: Final = (
    InputKind.ENTERPRISES,
    InputKind.PERSONS,
    InputKind.ROLES,
    InputKind.SANCTIONS,
    InputKind.COMMENDATIONS,
)
"""Kinds in the order they are loaded, so that the endpoints of roles and the
subjects of sanctions and commendations exist before them."""


class InputFormat(StrEnum):
    """File formats, told by the file name's last suffix."""

    CSV = "csv"
    JSONL = "jsonl"
    XLSX = "xlsx"


_SUFFIXES: Final = {
    ".csv": InputFormat.CSV,
    ".jsonl": InputFormat.JSONL,
    ".ndjson": InputFormat.JSONL,
    ".xlsx": InputFormat.XLSX,
}

MAX_ROW_BYTES: Final = 8 * 1024 * 1024
"""Longest line or row read; a longer one is a row error, read in bounded pieces
and never held whole (no registry row comes near it)."""

MAX_COLUMNS: Final = 1024
"""Columns read from a worksheet; a value beyond them is a row error."""

MAX_EMPTY_ROWS: Final = 10_000
"""Empty worksheet rows in a row after which reading stops (rows below with data
are reported as one block)."""

_CHUNK: Final = 1024 * 1024
_KIND_NAMES: Final = frozenset(kind.value for kind in InputKind)


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input file: where it is, its name relative to the folder, kind, format."""

    path: Path
    name: str
    kind: InputKind
    format: InputFormat
    problem: str | None = None
    """Why the file cannot be read at all (a dangling link): one row error."""


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a row was not accepted: the field at fault ("" for the whole row)."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row as read.

    ``line`` is where the row starts: the 1-based line of a CSV or JSON Lines file,
    the row number of a worksheet. ``cells`` are (column header, value) pairs in
    column order, metadata columns included; ``raw`` is the row's source text.
    """

    line: int
    cells: tuple[tuple[str, str], ...]
    raw: str
    error: RowError | None = None


@dataclass(frozen=True, slots=True)
class MappedRow:
    """A row's cells sorted out: known fields, other columns, metadata columns.

    ``fields`` maps field names to stripped values (the first non-empty value
    wins when several columns map to one field); ``extras`` keeps unknown columns
    under their own header; ``meta`` holds the ``_``-prefixed columns.
    """

    fields: dict[str, str]
    extras: dict[str, str]
    meta: dict[str, str]


# ---------------------------------------------------------------------- discovery


def kind_of(path: Path) -> tuple[InputKind, InputFormat] | None:
    """The kind and format of an input file name, or None when it is not one."""
    fmt = _SUFFIXES.get(path.suffix.lower())
    stem = path.name.split(".", 1)[0].lower()
    if fmt is None or stem not in _KIND_NAMES:
        return None
    return InputKind(stem), fmt


def discover_inputs(root: Path, *, exclude: Path | None = None) -> list[InputFile]:
    """Input files under ``root`` (or ``root`` itself when it is a file).

    Sorted by load order (see :data:`LOAD_ORDER`) and then by relative path, so
    that runs are deterministic. Hidden files and folders, Office lock files
    (``~$...``), quarantine files (``*.quarantine.*``) in its subfolders (they are
    read only when named, or when ``root`` is the folder that holds them) and
    everything under ``exclude`` (the quarantine folder) are skipped. A file
    reached by several paths (symbolic links) is listed once, by its own path when
    that is under ``root``; a dangling link is listed with its ``problem``, so that
    it is reported as a row error rather than ignored.
    """
    return survey_inputs(root, exclude=exclude)[0]


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file found under the input folder that was not loaded, and why."""

    path: Path
    reason: str


def expected_names() -> str:
    """The file names the loader reads, for messages."""
    kinds = "|".join(kind.value for kind in LOAD_ORDER)
    suffixes = "|".join(sorted(s.removeprefix(".") for s in _SUFFIXES))
    return f"({kinds})[.anything].({suffixes})"


def survey_inputs(
    root: Path, *, exclude: Path | None = None
) -> tuple[list[InputFile], list[SkippedFile]]:
    """The input files under ``root`` (see :func:`discover_inputs`) and the other
    visible files found there, each with the reason it is not read."""
    if root.is_file():
        found = kind_of(root)
        if found is None:
            reason = f"not an input file name: expected {expected_names()}"
            return [], [SkippedFile(root, reason)]
        return [InputFile(root, root.name, *found)], []
    skip = exclude.resolve() if exclude is not None else None
    files: list[InputFile] = []
    skipped: list[SkippedFile] = []
    by_real: dict[Path, list[InputFile]] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith((".", "~$")) for part in rel.parts):
            continue
        found = kind_of(path)
        if path.is_symlink() and not path.exists():
            if found is not None:
                problem = f"dangling symbolic link (to {os.readlink(path)})"
                files.append(InputFile(path, rel.as_posix(), *found, problem=problem))
            else:
                skipped.append(SkippedFile(path, "a dangling symbolic link"))
            continue
        real = path.resolve()
        if (skip is not None and real.is_relative_to(skip)) or not path.is_file():
            continue
        if _QUARANTINE_FILE in path.name.lower() and path.parent != root:
            reason = "a quarantine file: fix it, then load it or its folder by name"
            skipped.append(SkippedFile(path, reason))
            continue
        if found is None:
            reason = f"not an input file name: expected {expected_names()}"
            skipped.append(SkippedFile(path, reason))
            continue
        by_real.setdefault(real, []).append(InputFile(path, rel.as_posix(), *found))
    for real, names in by_real.items():
        # one file reached by several paths loads once, preferably by its own
        files.append(next((f for f in names if f.path.absolute() == real), names[0]))
    order = {kind: i for i, kind in enumerate(LOAD_ORDER)}
    files.sort(key=lambda f: (order[f.kind], f.name))
    skipped.sort(key=lambda f: f.path)
    return files, skipped


_QUARANTINE_FILE: Final = ".quarantine."


def estimate_rows(files: Iterable[InputFile]) -> int | None:
    """About how many data rows the files hold (lines, less a CSV header), for a
    progress bar's total; None when a worksheet is among them."""
    total = 0
    for file in files:
        if file.problem is not None:  # a dangling link: one row error
            total += 1
            continue
        if file.format is InputFormat.XLSX:
            return None
        lines = 0
        with file.path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                lines += chunk.count(b"\n")
        total += max(lines - (file.format is InputFormat.CSV), 0)
    return total


# ---------------------------------------------------------------------- encodings


def detect_encoding(path: Path) -> str:
    """``utf-8-sig``, ``utf-8``, ``gb18030``, ``utf-16`` or ``mixed`` for a text file.

    Strict UTF-8 is tried first (with or without a byte order mark), then strict
    GB18030 (a superset of GBK and GB2312). A file valid in neither is ``mixed``:
    its lines are decoded one by one. UTF-16 is recognised by its byte order mark
    only (spreadsheet "Unicode text" exports).
    """
    with path.open("rb") as f:
        head = f.read(len(codecs.BOM_UTF8))
    utf16_boms = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    if head.startswith(utf16_boms) and _decodes(path, "utf-16"):
        return "utf-16"
    if _decodes(path, "utf-8"):
        return "utf-8-sig" if head == codecs.BOM_UTF8 else "utf-8"
    if _decodes(path, "gb18030"):
        return "gb18030"
    return "mixed"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as f:
        try:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


@dataclass(frozen=True, slots=True)
class _Undecided:
    """Why a line of a file that is not wholly UTF-8 has no one reading."""

    reason: str


def decode_line(data: bytes) -> str | _Undecided:
    """One line of a file that is not wholly UTF-8: its UTF-8 or its GB18030 text.

    A line valid in one encoding only is read in it. A line valid in both (bytes
    above ASCII that read differently) is read in the one whose every character
    is ASCII, common punctuation or a level-1 hanzi of GB 2312 (the 3755 most
    frequent); when both or neither are, the line is undecided and its row is
    quarantined with both readings, never guessed.
    """
    readings: list[str] = []
    for encoding in ("utf-8", "gb18030"):
        try:
            readings.append(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    if not readings:
        return _Undecided("undecodable (neither UTF-8 nor GB18030)")
    if len(readings) == 1 or readings[0] == readings[1]:
        return readings[0]
    common = [text for text in readings if all(map(_common_char, text))]
    if len(common) == 1:
        return common[0]
    utf8, gb = (text.strip()[:40] for text in readings)
    return _Undecided(
        f"ambiguous encoding: the line reads as UTF-8 {utf8!r} and as GB18030 "
        f"{gb!r}; save the file as UTF-8"
    )


@cache
def _common_char(char: str) -> bool:
    if char.isascii():
        return True
    try:
        encoded = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    # rows 0xA1-0xA9: punctuation and symbols; 0xB0-0xD7: level-1 hanzi
    return 0xA1 <= encoded[0] <= 0xA9 or 0xB0 <= encoded[0] <= 0xD7


class _RowTooLongError(Exception):
    """Raised from inside the CSV reader's line source to abandon a runaway row."""


class _Lines:
    """Decoded lines of a text file, for ``csv.reader`` and the JSON Lines reader.

    ``\\n`` never occurs inside a multi-byte UTF-8 or GB18030 character, so lines
    are split on bytes and each is decoded alone: in the file's encoding, else in
    the other one, else it is marked bad and a blank line is handed on in its
    place. A line longer than :data:`MAX_ROW_BYTES` is read in pieces, dropped
    and marked bad. ``consumed`` collects the text handed on since the last
    :meth:`take`, so a row's raw text and problems can be reported.
    """

    def __init__(self, f: IO[bytes], encoding: str) -> None:
        self._readline: Callable[[int], bytes] = f.readline
        if encoding == "utf-16":
            # Lines of UTF-16 cannot be split on bytes; hand them on as UTF-8.
            text = io.TextIOWrapper(f, encoding="utf-16", newline="")
            self._readline = lambda limit: text.readline(limit).encode()
            encoding = "utf-8"
        # A file valid UTF-8 has every line valid in it. Any other file is decided
        # line by line: GB18030 accepts the bytes of most UTF-8 text (张三 reads
        # as 寮犱笁), so a whole-file verdict would mis-decode a UTF-8 line in it.
        self._utf8_only = encoding in ("utf-8-sig", "utf-8")
        self._pending: list[str] = []
        self.line_no = 0
        self.consumed: list[str] = []
        self.problems: list[str] = []
        self._row_bytes = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            self.line_no += 1
            return self._hand_on(self._pending.pop(0))
        data = self._readline(MAX_ROW_BYTES + 1)
        if not data:
            raise StopIteration
        self.line_no += 1
        if len(data) > MAX_ROW_BYTES and not data.endswith(b"\n"):
            size = len(data)
            while data and not data.endswith(b"\n"):
                data = self._readline(_CHUNK)
                size += len(data)
            self.problems.append(f"line {self.line_no} longer than {MAX_ROW_BYTES}")
            self.consumed.append(f"<{size} bytes dropped>")
            return "\n"
        if self.line_no == 1:
            data = data.removeprefix(codecs.BOM_UTF8)
        text = self._decode(data)
        if not isinstance(text, str):
            self.problems.append(text.reason)
            self.consumed.append(data.decode("utf-8", "backslashreplace"))
            return "\n"
        if self.line_no == 1:
            text = text.removeprefix("\ufeff")
        # A lone CR ends a line too (old Mac files); csv.reader rejects it mid-string.
        if "\r" in text.rstrip("\r\n"):
            first, *rest = re.split(r"(?<=\r)(?!\n|$)", text)
            self._pending.extend(rest)
            text = first
        return self._hand_on(text)

    def _hand_on(self, text: str) -> str:
        self._row_bytes += len(text)
        self.consumed.append(text)
        if self._row_bytes > MAX_ROW_BYTES:
            self._row_bytes = 0
            self.problems.append(f"row longer than {MAX_ROW_BYTES} (unclosed quote?)")
            raise _RowTooLongError
        return text

    def _decode(self, data: bytes) -> str | _Undecided:
        if self._utf8_only:
            return data.decode("utf-8")
        return decode_line(data)

    def take(self) -> tuple[str, list[str]]:
        """The raw text and problems of the lines handed on since the last call."""
        raw = "".join(self.consumed).rstrip("\r\n")
        problems = self.problems
        self.consumed, self.problems, self._row_bytes = [], [], 0
        return raw, problems


# ------------------------------------------------------------------------- rows


def read_rows(file: InputFile) -> Iterator[RawRow]:
    """Stream the data rows of an input file; blank rows and the header are skipped."""
    if file.problem is not None:
        return iter((RawRow(0, (), "", RowError("", file.problem)),))
    if file.format is InputFormat.CSV:
        return _csv_rows(file.path)
    if file.format is InputFormat.JSONL:
        return _jsonl_rows(file.path)
    return _xlsx_rows(file.path)


def _csv_rows(path: Path) -> Iterator[RawRow]:
    # The default limit (128 KiB) would make one long field crash the read.
    if csv.field_size_limit() < MAX_ROW_BYTES:
        csv.field_size_limit(MAX_ROW_BYTES)
    with path.open("rb") as f:
        lines = _Lines(f, detect_encoding(path))
        header: tuple[str, ...] | None = None
        header_error: RowError | None = None
        reader = csv.reader(lines)
        while True:
            start = lines.line_no + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (_RowTooLongError, csv.Error) as exc:
                raw, problems = lines.take()
                reason = problems[0] if problems else f"bad CSV: {exc}"
                yield RawRow(start, (), raw, RowError("", reason))
                continue
            raw, problems = lines.take()
            if header is None and problems:
                # An unreadable header line is reported; its columns stay unknown.
                header = ()
                yield RawRow(start, (), raw, RowError("", f"header: {problems[0]}"))
                continue
            if header is None:
                if any(c.strip() for c in cells):
                    header = _header(cells)
                    if len(cells) == 1 and "\t" in cells[0]:
                        header = _header(cells[0].split("\t"))
                        reader = csv.reader(lines, delimiter="\t")
                    header_error = duplicated_header(header)
                continue
            if problems:
                yield RawRow(start, (), raw, RowError("", problems[0]))
            elif header_error is not None and any(c.strip() for c in cells):
                pairs = tuple(zip(header, cells, strict=False))
                yield RawRow(start, pairs, raw, header_error)
            elif any(c.strip() for c in cells):
                yield _cells_row(start, header, cells, raw)


def _header(cells: Iterable[str]) -> tuple[str, ...]:
    return tuple(
        c.strip().removeprefix("\ufeff") or f"column {i}"
        for i, c in enumerate(cells, start=1)
    )


def duplicated_header(header: Iterable[str]) -> RowError | None:
    """The error of a header that names a column twice, naming both, or None.

    Headers are compared after NFKC, case folding and stripping (``姓名`` and
    ``姓名 `` are one name). Which of the two columns holds the value cannot be
    told, so every row under such a header is quarantined.
    """
    seen: dict[str, int] = {}
    for number, name in enumerate(header, start=1):
        key = unicodedata.normalize("NFKC", name).casefold().strip()
        if key in seen:
            first = seen[key]
            return RowError(
                name,
                f"duplicated header: columns {first} and {number} are both {name!r}",
            )
        seen[key] = number
    return None


def _cells_row(
    line: int, header: tuple[str, ...], values: list[str], raw: str
) -> RawRow:
    """A row of positional values under ``header``; too many values is an error."""
    pairs = tuple(zip(header, values, strict=False))
    surplus = [v for v in values[len(header) :] if v.strip()]
    if surplus:
        return RawRow(
            line,
            pairs,
            raw,
            RowError("", f"{len(values)} values for {len(header)} columns"),
        )
    if len(values) < len(header):
        reason = f"{len(values)} values for {len(header)} columns (truncated?)"
        return RawRow(line, pairs, raw, RowError("", reason))
    return RawRow(line, pairs, raw)


def _jsonl_rows(path: Path) -> Iterator[RawRow]:
    with path.open("rb") as f:
        lines = _Lines(f, detect_encoding(path))
        while True:
            try:
                text = next(lines)
            except StopIteration:
                return
            except _RowTooLongError:  # cannot happen line by line, but stay total
                text = "\n"
            raw, problems = lines.take()
            if problems:
                yield RawRow(lines.line_no, (), raw, RowError("", problems[0]))
                continue
            if not text.strip():
                continue
            try:
                obj = json.loads(text, object_pairs_hook=_JsonPairs)
            except (json.JSONDecodeError, RecursionError) as exc:
                yield RawRow(lines.line_no, (), raw, RowError("", f"bad JSON: {exc}"))
                continue
            if not isinstance(obj, _JsonPairs):
                error = RowError("", "a JSON Lines row must be an object")
                yield RawRow(lines.line_no, (), raw, error)
                continue
            cells = tuple((str(k), _json_text(v)) for k, v in obj)
            yield RawRow(
                lines.line_no, cells, raw, duplicated_header(k for k, _ in obj)
            )


class _JsonPairs(list[tuple[str, object]]):
    """A JSON object's members in order, duplicated keys kept (json.loads keeps
    only the last one of a dict)."""


def _json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value)
    return json.dumps(_plain(value), ensure_ascii=False)


def _plain(value: object) -> object:
    """Nested JSON as json.dumps writes it (members of an object as a dict)."""
    if isinstance(value, _JsonPairs):
        return {str(k): _plain(v) for k, v in value}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _number_text(value: int | float) -> str:
    """Integers as digits; a float beyond 2**53 keeps its exponent form.

    A spreadsheet stores numbers as doubles: an 18-digit ID number typed as a
    number has lost its last digits. Written as plain digits it could pass the
    check by chance and name someone else, so it stays ``1.1010519491231e+17``.
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path) -> Iterator[RawRow]:
    """Rows of the first worksheet, bounded by the cells it really holds.

    The declared dimension (``<dimension ref="A1:XFD1048576"/>``) is ignored: rows
    come as stored, a missing row costs nothing and no row is widened beyond its
    last cell. At most :data:`MAX_COLUMNS` columns are read (a value beyond them
    is a row error), and after :data:`MAX_EMPTY_ROWS` empty rows in a row reading
    stops: the rows with data further down are reported as one block.
    """
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError) as exc:
        yield RawRow(0, (), "", RowError("", f"unreadable workbook: {exc}"))
        return
    try:
        if not book.worksheets:
            return
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        yield from _sheet_rows(sheet.iter_rows(min_row=1, values_only=True))
    finally:
        book.close()


def _sheet_rows(rows: Iterator[tuple[object, ...]]) -> Iterator[RawRow]:
    header: tuple[str, ...] | None = None
    header_error: RowError | None = None
    line = empty_run = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except (KeyError, ValueError, ParseError, zipfile.BadZipFile) as exc:
            reason = f"unreadable worksheet after row {line}: {exc}"
            yield RawRow(line + 1, (), "", RowError("", reason))
            return
        line += 1
        if empty_run >= MAX_EMPTY_ROWS:
            yield from _rows_after_gap(line, values, rows)
            return
        texts = [_cell_text(v) for v in values[:MAX_COLUMNS]]
        beyond = next(
            (i for i, v in enumerate(values[MAX_COLUMNS:], MAX_COLUMNS + 1)
             if _cell_text(v).strip()),
            None,
        )  # fmt: skip
        if not any(t.strip() for t in texts) and beyond is None:
            empty_run += 1
            continue
        empty_run = 0
        raw = _csv_line(texts)
        if beyond is not None:
            reason = (
                f"a value in column {get_column_letter(beyond)}, beyond the "
                f"{MAX_COLUMNS} columns read"
            )
            yield RawRow(line, (), raw, RowError("", reason))
            if header is not None or not any(t.strip() for t in texts):
                continue
        if header is None:
            while texts and not texts[-1].strip():
                texts.pop()
            header = _header(texts)
            header_error = duplicated_header(header)
            continue
        if header_error is not None:
            pairs = tuple(zip(header, texts, strict=False))
            yield RawRow(line, pairs, raw, header_error)
            continue
        width = len(header)
        while len(texts) > width and not texts[-1].strip():
            texts.pop()
        texts.extend([""] * (width - len(texts)))
        yield _cells_row(line, header, texts, raw)


def _rows_after_gap(
    line: int, values: tuple[object, ...], rows: Iterator[tuple[object, ...]]
) -> Iterator[RawRow]:
    """One block for the rows with data after a long empty run (counted, not read)."""
    first: int | None = None
    count = 0
    while True:
        if any(_cell_text(v).strip() for v in values):
            first = first or line
            count += 1
        try:
            values = next(rows)
        except StopIteration:
            break
        except (KeyError, ValueError, ParseError, zipfile.BadZipFile):
            break
        line += 1
    if first is not None:
        reason = (
            f"{count} rows with data from row {first} on, after {MAX_EMPTY_ROWS} "
            "empty rows, not read (stray cells far below the table?)"
        )
        yield RawRow(first, (), "", RowError("", reason))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value)
    return str(value)


def _csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


# ------------------------------------------------------------------ header mapping

FIELDS: Final[dict[InputKind, tuple[str, ...]]] = {
    InputKind.PERSONS: (
        "source",
        "record_id",
        "name",
        "id_number",
        "birth_date",
        "sex",
    ),
    InputKind.ENTERPRISES: (
        "source",
        "record_id",
        "credit_code",
        "org_code",
        "registration_no",
        "name",
        "status",
        "founded_on",
    ),
    InputKind.ROLES: (
        "source",
        "record_id",
        "person_id_number",
        "person_name",
        "credit_code",
        "org_code",
        "registration_no",
        "enterprise_name",
        "role",
        "since",
        "until",
    ),
    InputKind.SANCTIONS: (
        "source",
        "record_id",
        "sanction_id",
        "subject_kind",
        "subject_id",
        "subject_credit_code",
        "subject_org_code",
        "subject_registration_no",
        "subject_id_number",
        "subject_name",
        "type",
        "authority",
        "decision_no",
        "violation_date",
        "decided_on",
        "display_until",
    ),
    InputKind.COMMENDATIONS: (
        "source",
        "record_id",
        "commendation_id",
        "subject_kind",
        "subject_id",
        "subject_credit_code",
        "subject_org_code",
        "subject_registration_no",
        "subject_id_number",
        "subject_name",
        "kind",
        "authority",
        "decided_on",
        "valid_until",
    ),
}
"""The fields of each kind, as the row interpreter sees them."""

_ID_NUMBER = (
    "身份证号码",
    "身份证号",
    "身份证",
    "公民身份号码",
    "居民身份证号码",
    "证件号码",
    "证件号",
    "身份号码",
)
_CREDIT_CODE = ("credit_code", "uscc", "统一社会信用代码", "社会信用代码", "信用代码")
_ORG_CODE = (
    "org_code",
    "organization_code",
    "organisation_code",
    "组织机构代码",
    "机构代码",
    "组织代码",
)
_REGISTRATION_NO = (
    "registration_no",
    "registration_number",
    "注册号",
    "工商注册号",
    "营业执照注册号",
    "营业执照号",
)
_COMMON = {
    "source": ("source", "来源", "数据来源", "来源系统"),
    "record_id": ("record_id", "记录编号", "记录号", "记录id"),
}

# Header spellings per field; compared after _header_key (case, width, spaces,
# underscores, hyphens and a parenthesised note such as "（18位）" do not matter).
_ALIASES: Final[dict[InputKind, dict[str, tuple[str, ...]]]] = {
    InputKind.PERSONS: {
        **_COMMON,
        "name": ("name", "person_name", "姓名"),
        "id_number": ("id_number", "id_no", "person_id_number", *_ID_NUMBER),
        "birth_date": ("birth_date", "date_of_birth", "birthday", "出生日期"),
        "sex": ("sex", "gender", "性别"),
    },
    InputKind.ENTERPRISES: {
        **_COMMON,
        "credit_code": _CREDIT_CODE,
        "org_code": _ORG_CODE,
        "registration_no": _REGISTRATION_NO,
        "name": (
            "name",
            "enterprise_name",
            "企业名称",
            "名称",
            "单位名称",
            "市场主体名称",
        ),
        "status": ("status", "登记状态", "经营状态", "企业状态"),
        "founded_on": ("founded_on", "founded", "成立日期", "成立时间"),
    },
    InputKind.ROLES: {
        **_COMMON,
        "person_id_number": ("person_id_number", "id_number", "id_no", *_ID_NUMBER),
        "person_name": ("person_name", "name", "姓名"),
        "credit_code": _CREDIT_CODE,
        "org_code": _ORG_CODE,
        "registration_no": _REGISTRATION_NO,
        "enterprise_name": ("enterprise_name", "企业名称", "单位名称", "市场主体名称"),
        "role": ("role", "position", "职务", "职位", "人员类型"),
        "since": ("since", "start", "任职日期", "任职起始日期", "起始日期"),
        "until": ("until", "end", "离任日期", "离职日期", "卸任日期", "终止日期"),
    },
    InputKind.SANCTIONS: {
        **_COMMON,
        "sanction_id": ("sanction_id", "惩戒编号", "失信编号", "编号"),
        "subject_kind": ("subject_kind", "主体类型", "主体类别", "失信主体类型"),
        "subject_id": ("subject_id", "主体标识", "主体代码", "失信主体标识"),
        "subject_credit_code": _CREDIT_CODE,
        "subject_org_code": _ORG_CODE,
        "subject_registration_no": _REGISTRATION_NO,
        "subject_id_number": ("id_number", *_ID_NUMBER),
        "subject_name": (
            "subject_name",
            "主体名称",
            "失信主体名称",
            "当事人名称",
            "当事人",
            "企业名称",
            "姓名",
        ),
        "type": ("type", "sanction_type", "失信类型", "惩戒类型", "名单类型"),
        "authority": ("authority", "决定机关", "认定机关", "作出决定机关", "认定部门"),
        "decision_no": ("decision_no", "决定文书号", "决定书文号", "文书号"),
        "violation_date": ("violation_date", "违法行为发生日期", "违法日期"),
        "decided_on": ("decided_on", "decision_date", "决定日期", "认定日期"),
        "display_until": ("display_until", "公示截止日期", "公示截止时间"),
    },
    InputKind.COMMENDATIONS: {
        **_COMMON,
        "commendation_id": ("commendation_id", "表彰编号", "激励编号", "编号"),
        "subject_kind": ("subject_kind", "主体类型", "主体类别"),
        "subject_id": ("subject_id", "主体标识", "主体代码"),
        "subject_credit_code": _CREDIT_CODE,
        "subject_org_code": _ORG_CODE,
        "subject_registration_no": _REGISTRATION_NO,
        "subject_id_number": ("id_number", *_ID_NUMBER),
        "subject_name": (
            "subject_name",
            "主体名称",
            "当事人名称",
            "企业名称",
            "姓名",
        ),
        "kind": (
            "kind",
            "commendation_kind",
            "表彰类型",
            "激励类型",
            "荣誉类型",
            "守信类型",
        ),
        "authority": (
            "authority",
            "issuing_body",
            "授予机关",
            "表彰机关",
            "认定机关",
            "认定部门",
        ),
        "decided_on": (
            "decided_on",
            "decision_date",
            "授予日期",
            "表彰日期",
            "认定日期",
        ),
        "valid_until": ("valid_until", "有效期至", "有效截止日期", "截止日期"),
    },
}

_NOTE = re.compile(r"\(.*?\)")
_SEPARATORS = re.compile(r"[\s_\-*:]+")


def _header_key(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).lower()
    return _SEPARATORS.sub("", _NOTE.sub("", text))


@cache
def _alias_index(kind: InputKind) -> dict[str, str]:
    index: dict[str, str] = {}
    for field, aliases in _ALIASES[kind].items():
        for alias in aliases:
            index.setdefault(_header_key(alias), field)
    return index


@cache
def column_field(kind: InputKind, header: str) -> str | None:
    """The field a column header maps to for ``kind``, or None (metadata or unknown)."""
    if header.startswith("_"):
        return None
    return _alias_index(kind).get(_header_key(header))


def header_problem(kind: InputKind, headers: Iterable[str]) -> str | None:
    """Why no row under ``headers`` can load as ``kind`` (no header names one of its
    columns besides source and record id), or None when some header does."""
    shown = [h for h in headers if not h.startswith("_")]
    known = {column_field(kind, h) for h in shown} - {None, *_COMMON}
    if known:
        return None
    recognised = [h for h in shown if column_field(kind, h) is not None]
    unrecognised = [h for h in shown if column_field(kind, h) is None]
    expected = ", ".join(
        "/".join(aliases[:2] + aliases[-1:]) if len(aliases) > 2 else "/".join(aliases)
        for field, aliases in _ALIASES[kind].items()
        if field not in _COMMON
    )
    return (
        f"no column header is one of a {kind.value} file's: recognised "
        f"[{', '.join(recognised)}], unrecognised [{', '.join(unrecognised)}]; "
        f"expected headers such as {expected}"
    )


def map_row(kind: InputKind, cells: Iterable[tuple[str, str]]) -> MappedRow:
    """Sort a row's cells into fields, extra columns and metadata columns.

    A cell escaped against formula injection (``loaders.cells``) is read as the
    value it was escaped from.
    """
    fields: dict[str, str] = {}
    extras: dict[str, str] = {}
    meta: dict[str, str] = {}
    for header, value in cells:
        text = unescape_cell(value).strip()
        field = column_field(kind, header)
        if field is not None:
            if text or field not in fields:
                fields[field] = fields.get(field) or text
        elif header.startswith("_"):
            meta[header] = text
        elif text:
            extras.setdefault(header, text)
    return MappedRow(fields, extras, meta)
