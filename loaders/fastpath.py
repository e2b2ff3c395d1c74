"""The fast loading path: clean CSV files of the big kinds, a block of lines at a time.

Persons, enterprises and roles files hold nearly every row of a registry. When
such a file is plain (valid UTF-8, with or without a byte order mark; no quote,
no carriage return, no NUL anywhere; a header naming each field once, no
metadata column, no tab-separated header), its rows are split on commas a block
of lines at a time, the header is mapped to fields once for the whole file, and
the row interpreters' field parsers (dates, sexes, role names, enterprise
stubs) are memoised over the distinct values of the file: a registry names the
same dates, roles and enterprises again and again.

Exactly the per-row path's semantics: a row the fast path does not cover (a
count of values other than the header's, a cell escaped against formula
injection, a control character, a legacy identifier, any value a parser
refuses) goes through :func:`~loaders.readers.read_rows`' own row building and
:func:`~loaders.rows.interpret_row`, so its quarantine line (file, line, field,
reason, raw text) is the reference's. Any other file (GB18030 or mixed
encodings, quoted values, XLSX, JSON Lines, sanctions, commendations) is read
by the reference path whole. ``tests/unit/loaders/test_fastpath.py`` holds the
two paths to the same rows, and ``tests/integration/test_fast_load.py`` to the
same store, quarantine and report on generated awkward folders.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Final, TypeVar, cast

from graph.bounds import DateKind
from graph.model import Enterprise, Person, Role
from linkage.enterprises import LegacyId
from linkage.ids import InvalidCreditCode
from loaders import rows as _rows
from loaders.readers import (
    InputFormat,
    InputKind,
    MappedRow,
    RawRow,
    RowError,
    _cells_row,
    _header,
    column_field,
    duplicated_header,
    header_problem,
)
from loaders.rows import PendingRow, RowResult

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import date
    from pathlib import Path

    from graph.model import RoleType
    from loaders.readers import InputFile

Outcome = tuple[int, RawRow | None, RowResult | PendingRow | RowError | None]
"""A data row's line, its raw row (None for a clean row), and what it became
(None: left to :func:`~loaders.rows.interpret_row`, which the pipeline runs)."""

FAST_KINDS: Final = frozenset(
    {InputKind.PERSONS, InputKind.ENTERPRISES, InputKind.ROLES}
)
"""Kinds the fast path reads; the others are a small part of a registry."""

_BLOCK: Final = 4 * 1024 * 1024
_SCAN: Final = 1024 * 1024
"""Pieces of the eligibility scan: one without a line break means a long line
(the reference bounds lines at :data:`~loaders.readers.MAX_ROW_BYTES`), which
the fast path leaves to it."""
_REFUSED_BYTES: Final = (b'"', b"\r", b"\x00")
_MEMO_LIMIT: Final = 1 << 16
"""Entries a memo keeps before it starts again (bounded memory at any size)."""


class _RefusedError(Exception):
    """A value the fast path leaves to the reference interpreter."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where each field of a kind is in a file's rows, and its other columns."""

    header: tuple[str, ...]
    fields: tuple[tuple[str, int], ...]
    """(field, column) in column order, as ``map_row`` fills its dict."""
    extras: tuple[tuple[str, int], ...]
    """(header, column) of columns that map to no field."""


def fast_outcomes(file: InputFile) -> Iterator[Outcome] | None:
    """The data rows of ``file`` read by the fast path, or None when the file is
    not one it reads (the caller then reads it with the reference path)."""
    if (
        file.problem is not None
        or file.format is not InputFormat.CSV
        or file.kind not in FAST_KINDS
    ):
        return None
    plan = _plan(file.kind, _clean_header(file.path))
    if plan is None:
        return None
    return _outcomes(file, plan)


def _clean_header(path: Path) -> tuple[str, ...] | None:
    """The header of a file the fast path may read, or None.

    One pass over the bytes: strict UTF-8 (as :func:`~loaders.readers.
    detect_encoding` decides it), none of the refused bytes, and a line break in
    every full piece of :data:`_SCAN` bytes (so no line comes near the
    reference's bound). The header is the first line with a value.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    with path.open("rb") as f:
        try:
            header = _first_header(f)
            f.seek(0)
            while piece := f.read(_SCAN):
                decoder.decode(piece)
                if any(b in piece for b in _REFUSED_BYTES):
                    return None
                if len(piece) == _SCAN and b"\n" not in piece:
                    return None
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return None
    return header


def _first_header(f: IO[bytes]) -> tuple[str, ...] | None:
    """The header of a text file (the first line with a value), as the CSV
    reader takes it; None for a tab-separated header or a long line."""
    for number, data in enumerate(iter(lambda: f.readline(_SCAN), b""), start=1):
        if not data.endswith(b"\n") and len(data) == _SCAN:
            return None
        text = data.decode("utf-8").rstrip("\n")
        if number == 1:
            text = text.removeprefix("\ufeff").removeprefix("\ufeff")
        cells = text.split(",")
        if any(c.strip() for c in cells):
            if len(cells) == 1 and "\t" in cells[0]:
                return None  # a tab-separated file: the reference reads it
            return _header(cells)
    return None


def _plan(kind: InputKind, header: tuple[str, ...] | None) -> _Plan | None:
    if header is None or duplicated_header(header) is not None:
        return None
    if header_problem(kind, header) is not None:
        return None  # refused (or not) by the reference, as it decides
    fields: list[tuple[str, int]] = []
    extras: list[tuple[str, int]] = []
    for index, name in enumerate(header):
        field = column_field(kind, name)
        if name.startswith("_"):
            return None  # metadata columns: a quarantine file loaded back
        if field is None:
            extras.append((name, index))
        elif any(f == field for f, _ in fields):
            return None  # two columns of one field: the first filled one wins
        else:
            fields.append((field, index))
    return _Plan(header, tuple(fields), tuple(extras))


def _outcomes(file: InputFile, plan: _Plan) -> Iterator[Outcome]:
    interpret = _Interpreter(file, plan)
    width = len(plan.header)
    header_seen = False
    line_no = 0
    rest = b""
    controls = _rows._CONTROLS
    with file.path.open("rb") as f:
        while True:
            piece = f.read(_BLOCK)
            data = rest + piece
            if piece:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    rest = data
                    continue
                data, rest = data[:cut], data[cut:]
            elif not data:
                return
            text = data.decode("utf-8")
            if line_no == 0:
                text = text.removeprefix("\ufeff").removeprefix("\ufeff")
            lines = text.split("\n")
            if text.endswith("\n"):
                lines.pop()
            flagged = controls.search(text) is not None
            for line in lines:
                line_no += 1
                values = line.split(",")
                if not values[0].strip() and not any(v.strip() for v in values):
                    continue  # a blank row (or blank lines before the header)
                if not header_seen:
                    header_seen = True
                    continue
                if (
                    len(values) != width
                    or "'" in line
                    or (flagged and controls.search(line) is not None)
                ):
                    result = None
                else:
                    result = interpret(values, line_no)
                if result is not None:
                    yield line_no, None, result
                    continue
                yield line_no, _cells_row(line_no, plan.header, values, line), None
            if not piece:
                return


_K = TypeVar("_K")
_V = TypeVar("_V")

_BAD: Final = object()
"""A memoised value the parser refused."""


class _Interpreter:
    """Clean rows of one file to results, with memoised field parsers; None for a
    row the reference must interpret (it then finds the error, or the pending
    legacy identifier, itself)."""

    def __init__(self, file: InputFile, plan: _Plan) -> None:
        self._file_name = file.name
        self._plan = plan
        self._dates: dict[tuple[str, DateKind], object] = {}
        self._sexes: dict[str, object] = {}
        self._roles: dict[str, object] = {}
        self._enterprises: dict[tuple[str, str], object] = {}
        self._persons: dict[tuple[str, str], object] = {}
        kinds: dict[InputKind, Callable[[list[str], int], RowResult | None]] = {
            InputKind.PERSONS: self._person,
            InputKind.ENTERPRISES: self._enterprise,
            InputKind.ROLES: self._role,
        }
        self._interpret = kinds[file.kind]

    def __call__(self, values: list[str], line: int) -> RowResult | None:
        try:
            return self._interpret(values, line)
        except _RefusedError:
            return None

    # -- shared ---------------------------------------------------------------------
    def _fields(self, values: list[str]) -> dict[str, str]:
        return {f: values[i].strip() for f, i in self._plan.fields}

    def _raw(
        self, values: list[str], fields: dict[str, str], renames: dict[str, str]
    ) -> dict[str, str]:
        """As :func:`loaders.rows._raw`: extra columns, then the named fields."""
        raw: dict[str, str] = {}
        for header, index in self._plan.extras:
            text = values[index].strip()
            if text:
                raw.setdefault(header, text)
        for field, value in fields.items():
            if value and field not in ("source", "record_id"):
                raw[renames.get(field, field)] = value
        return raw

    def _key(self, fields: dict[str, str], line: int) -> tuple[str, str]:
        source = fields.get("source") or self._file_name
        return source, fields.get("record_id") or str(line)

    def _date(self, text: str, kind: DateKind) -> date | None:
        key = (text, kind)
        if key in self._dates:
            value = self._dates[key]
        else:
            try:
                value = _rows._date_field({"d": text}, "d", kind)
            except _rows._RowRejectedError:
                value = _BAD
            _remember(self._dates, key, value)
        if value is _BAD:
            raise _RefusedError
        return cast("date | None", value)

    def _memo(
        self, memo: dict[str, object], text: str, parse: Callable[[str], _V]
    ) -> _V:
        if text in memo:
            value = memo[text]
        else:
            try:
                value = parse(text)
            except ValueError:
                value = _BAD
            _remember(memo, text, value)
        if value is _BAD:
            raise _RefusedError
        return cast("_V", value)

    # -- kinds ----------------------------------------------------------------------
    def _person(self, values: list[str], line: int) -> RowResult | None:
        fields = self._fields(values)
        name = fields.get("name", "")
        raw_id = fields.get("id_number", "")
        if not name and not raw_id:
            return None
        birth_date = self._date(fields.get("birth_date", ""), DateKind.BIRTH)
        sex = self._memo(self._sexes, fields.get("sex", ""), _rows.parse_sex)
        source, record_id = self._key(fields, line)
        raw = self._raw(values, fields, {})
        return _rows.person_result(
            source, record_id, raw, name, raw_id, birth_date, sex
        )

    def _enterprise(self, values: list[str], line: int) -> RowResult | None:
        fields = self._fields(values)
        source, record_id = self._key(fields, line)
        row = MappedRow(fields, self._raw(values, {}, {}), {})
        try:
            return _rows._enterprise(row, source, record_id)
        except _rows._RowRejectedError:
            return None

    def _role(self, values: list[str], line: int) -> RowResult | None:
        fields = self._fields(values)
        code_text = fields.get("credit_code", "")
        if not code_text:
            return None  # a legacy identifier, or none: the reference decides
        role_types = self._memo(self._roles, fields.get("role", ""), _role_types)
        since = self._date(fields.get("since", ""), DateKind.EVENT)
        until = self._date(fields.get("until", ""), DateKind.EVENT)
        if since is not None and until is not None and until < since:
            return None
        name = fields.get("person_name", "")
        raw_id = fields.get("person_id_number", "")
        if not name and not raw_id:
            return None
        stub = self._enterprise_stub(code_text, fields.get("enterprise_name", ""))
        source, record_id = self._key(fields, line)
        raw = self._raw(values, fields, _rows._ROLE_RAW_NAMES)
        id_number = _rows._resident_id(raw_id)
        if isinstance(id_number, str):
            raw["id_error"] = id_number
            record = _rows._record(source, record_id, raw, None)
            return RowResult(source_records=(record,))
        person_id = id_number.value
        roles = tuple(
            Role(
                person_id, stub.credit_code, role_type, since, until, source, record_id
            )
            for role_type in role_types
        )
        key = (raw_id, name)
        person = self._persons.get(key)
        if person is None:
            person = Person(person_id, name, id_number.birth_date, id_number.sex)
            _remember(self._persons, key, person)
        return RowResult(
            roles=roles,
            source_records=(_rows._record(source, record_id, raw, person_id),),
            person_stubs=(person,),  # type: ignore[arg-type]
            enterprise_stubs=(stub,),
        )

    def _enterprise_stub(self, code_text: str, name: str) -> Enterprise:
        key = (code_text, name)
        stub = self._enterprises.get(key)
        if stub is None:
            try:
                ref = _rows._parse_enterprise_ref(code_text)
            except InvalidCreditCode:
                stub = _BAD
            else:
                stub = (
                    _BAD
                    if isinstance(ref, LegacyId)
                    else _rows._enterprise_stub(ref, name)
                )
            _remember(self._enterprises, key, stub)
        if stub is _BAD:
            raise _RefusedError
        return stub  # type: ignore[return-value]


def _role_types(text: str) -> tuple[RoleType, ...]:
    if not text:
        raise ValueError("missing")
    return _rows.parse_roles(text)


def _remember(memo: dict[_K, _V], key: _K, value: _V) -> None:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
