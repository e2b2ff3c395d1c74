"""Import of FollowTheMoney entities (JSON Lines, as OpenSanctions publishes).

One FtM file is read as four inputs of the loader pipeline, one per kind
(enterprises, persons, roles, sanctions, in that order), each a pass over the
file: every entity becomes a row of credlink fields and takes exactly the path of
a row of a CSV file (:func:`loaders.pipeline.load_files`), so validation, stubs,
batches and quarantine are the loaders' own. Quarantined rows name the FtM file
and its line.

| FtM | credlink |
|---|---|
| ``Company``, ``Organization``, ``LegalEntity``, ``PublicBody`` | enterprise |
| ``Person`` | person (one row per name: the first is the name, then aliases) |
| ``Directorship`` | role (``role`` read as a role column, default director) |
| ``Ownership`` | shareholder role |
| ``Sanction`` | sanction (``programId`` or ``program`` read as a sanction type) |

Anything else is quarantined with its schema named, as is a ``Sanction`` credlink
derived (status ``derived``: propagation derives it again) and a link whose end is
not in the file or is of the wrong kind. The source of every row is the file's
name and its record id the entity's id (a role keeps the ``recordId`` credlink
wrote, ``source#record_id``); the row's FtM id and schema stay in its source
record. Links are resolved through an index of the file's persons and companies
(id -> number), the one thing held in memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from linkage.ids import (
    InvalidCreditCode,
    normalize_org_code,
    normalize_registration_no,
    parse_credit_code,
)
from loaders.pipeline import load_files
from loaders.readers import (
    LOAD_ORDER,
    InputFile,
    InputFormat,
    InputKind,
    RawRow,
    RowError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from graph.store import GraphStore
    from loaders.pipeline import LoadReport

    _Props = dict[str, list[str]]

SCHEMA_KINDS: Final[dict[str, InputKind]] = {
    "Company": InputKind.ENTERPRISES,
    "Organization": InputKind.ENTERPRISES,
    "LegalEntity": InputKind.ENTERPRISES,
    "PublicBody": InputKind.ENTERPRISES,
    "Person": InputKind.PERSONS,
    "Directorship": InputKind.ROLES,
    "Ownership": InputKind.ROLES,
    "Sanction": InputKind.SANCTIONS,
}
"""The FtM schemata credlink reads, and the kind each becomes."""

DERIVED: Final = "derived"
"""Status of the ``Sanction`` of a restriction credlink derived (api.exchange.ftm)."""

_A_KIND: Final = {InputKind.PERSONS: "a person", InputKind.ENTERPRISES: "an enterprise"}
_UNMAPPED_KIND: Final = InputKind.ENTERPRISES  # the first pass reports the others


def load_ftm(
    path: Path,
    store: GraphStore,
    *,
    quarantine_dir: Path | None = None,
    strict: bool = False,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Load the FtM JSON Lines file ``path`` into ``store``.

    The quarantine goes to ``quarantine_dir`` (default: ``quarantine`` beside the
    file); ``strict``, ``batch_size`` and ``progress`` are those of
    :func:`~loaders.pipeline.load_folder`. The report has one entry per kind,
    each with the file's path.
    """
    if not path.is_file():
        raise FileNotFoundError(path)
    reader = _FtmReader(path)
    files = [InputFile(path, path.name, kind, InputFormat.JSONL) for kind in LOAD_ORDER]
    return load_files(
        files,
        store,
        quarantine_dir=quarantine_dir or path.parent / "quarantine",
        rows_of=reader.rows,
        strict=strict,
        batch_size=batch_size,
        progress=progress,
    )


@dataclass(slots=True)
class _FtmReader:
    """Reads the file once per kind; remembers persons' and companies' numbers."""

    path: Path
    # FtM id -> (kind, the number a row names it by: ID number or credit code, name)
    index: dict[str, tuple[InputKind, str, str]] = field(default_factory=dict)

    def end(
        self, props: _Props, name: str, kind: InputKind | None
    ) -> tuple[InputKind | None, str, str, RowError | None]:
        """The entity a link's property ``name`` names: its kind, number and name,
        or why it names none (not in the file, of another kind than ``kind``)."""
        target = _first(props, name)
        found = self.index.get(target)
        if found is None:
            reason = f"entity {target} is not a person or company of the file"
            return None, "", "", RowError(name, reason if target else "missing")
        if kind is not None and found[0] is not kind:
            is_a, wanted = _A_KIND[found[0]], _A_KIND[kind]
            reason = f"entity {target} is {is_a}, not {wanted}"
            return None, "", "", RowError(name, reason)
        return (*found, None)

    def rows(self, file: InputFile) -> Iterator[RawRow]:
        with self.path.open("rb") as lines:
            for line_no, data in enumerate(lines, start=1):
                try:
                    line = data.decode("utf-8-sig" if line_no == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    if file.kind is _UNMAPPED_KIND:
                        text = data.decode("utf-8", errors="replace")
                        error = RowError("", f"undecodable: {exc.reason}")
                        yield RawRow(line_no, (), text.rstrip("\r\n"), error)
                    continue
                if not line.strip():
                    continue
                yield from self._rows_of(file.kind, line_no, line.rstrip("\r\n"))

    def _rows_of(self, kind: InputKind, line: int, text: str) -> Iterator[RawRow]:
        try:
            data = json.loads(text)
        except ValueError as exc:
            if kind is _UNMAPPED_KIND:
                yield RawRow(line, (), text, RowError("", f"not JSON: {exc}"))
            return
        schema = data.get("schema") if isinstance(data, dict) else None
        props = data.get("properties") if isinstance(data, dict) else None
        entity_id = data.get("id") if isinstance(data, dict) else None
        if (
            not isinstance(schema, str)
            or not isinstance(entity_id, str)
            or not isinstance(props, dict)
            or schema not in SCHEMA_KINDS
        ):
            if kind is _UNMAPPED_KIND:
                reason = (
                    f"FtM schema {schema} has no credlink kind"
                    if isinstance(schema, str) and isinstance(entity_id, str)
                    else "not an FtM entity (id, schema, properties)"
                )
                yield RawRow(line, (), text, RowError("schema", reason))
            return
        if SCHEMA_KINDS[schema] is not kind:
            return
        values: _Props = {
            k: [str(v) for v in vs] for k, vs in props.items() if isinstance(vs, list)
        }
        meta = (("ftm_id", entity_id), ("ftm_schema", schema))
        for cells, error in _INTERPRET[kind](self, entity_id, schema, values):
            yield RawRow(line, (*cells, *meta), text, error)


def _first(props: _Props, name: str) -> str:
    return next((v for v in props.get(name, ()) if v.strip()), "")


def _day(props: _Props, name: str) -> str:
    """A full date (FtM allows ``2020`` or ``2020-05``: passed on, the loader
    quarantines what is no day)."""
    return _first(props, name)


_Cells = tuple[tuple[str, str], ...]
_Rows = list[tuple[_Cells, RowError | None]]


def _enterprise(reader: _FtmReader, entity_id: str, _: str, props: _Props) -> _Rows:
    numbers = [
        *props.get("uscCode", ()),
        *props.get("registrationNumber", ()),
        *props.get("taxNumber", ()),
    ]
    code = next((n for n in numbers if _is(parse_credit_code, n)), "")
    org_code = next(
        (n for n in props.get("registrationNumber", ()) if _is(normalize_org_code, n)),
        "",
    )
    registration_no = next(
        (n for n in numbers if _is(normalize_registration_no, n)), ""
    )
    name = _first(props, "name")
    if code and _same_code(name, code):
        name = ""  # credlink's export names a nameless enterprise by its code
    reader.index[entity_id] = (InputKind.ENTERPRISES, code, name)
    cells = (
        ("record_id", entity_id),
        ("credit_code", code),
        ("org_code", org_code),
        ("registration_no", registration_no),
        ("name", name),
        ("status", _first(props, "status")),
        ("founded_on", _day(props, "incorporationDate")),
    )
    return [(cells, None)]


def _person(reader: _FtmReader, entity_id: str, _: str, props: _Props) -> _Rows:
    number = _first(props, "idNumber")
    names = [n for n in (*props.get("name", ()), *props.get("alias", ())) if n.strip()]
    names = list(dict.fromkeys(n for n in names if n != number)) or [""]
    reader.index[entity_id] = (InputKind.PERSONS, number, names[0])
    gender = _first(props, "gender")
    rows: _Rows = []
    for n, name in enumerate(names):
        cells = (
            ("record_id", entity_id if n == 0 else f"{entity_id}#name{n}"),
            ("name", name),
            ("id_number", number),
            ("birth_date", _day(props, "birthDate")),
            ("sex", gender if gender in ("male", "female") else ""),
        )
        rows.append((cells, None))
    return rows


def _role(reader: _FtmReader, entity_id: str, schema: str, props: _Props) -> _Rows:
    if schema == "Ownership":
        person_field, company_field, role = "owner", "asset", "shareholder"
    else:
        person_field, company_field = "director", "organization"
        role = _first(props, "role") or "director"
    _, person, name, error = reader.end(props, person_field, InputKind.PERSONS)
    _, company, _, company_error = reader.end(
        props, company_field, InputKind.ENTERPRISES
    )
    source, _, record_id = _first(props, "recordId").rpartition("#")
    cells = (
        *((("source", source),) if source else ()),
        ("record_id", record_id or entity_id),
        ("person_id_number", person),
        ("person_name", name),
        ("credit_code", company),
        ("role", role),
        ("since", _day(props, "startDate")),
        ("until", _day(props, "endDate")),
    )
    return [(cells, error or company_error)]


def _sanction(reader: _FtmReader, entity_id: str, _: str, props: _Props) -> _Rows:
    error = None
    if _first(props, "status") == DERIVED:
        error = RowError(
            "status",
            "a restriction credlink derived: propagation derives it again from "
            "the sanction it cites",
        )
    kind, subject, _, end_error = reader.end(props, "entity", None)
    cells = (
        ("record_id", entity_id),
        ("subject_kind", "person" if kind is InputKind.PERSONS else "enterprise"),
        ("subject_id", subject),
        ("type", _first(props, "programId") or _first(props, "program")),
        ("authority", _first(props, "authority")),
        ("decision_no", _first(props, "authorityId")),
        ("violation_date", _day(props, "date")),
        ("decided_on", _day(props, "startDate")),
        ("display_until", _day(props, "endDate")),
    )
    return [(cells, error or end_error)]


_INTERPRET: Final[dict[InputKind, Callable[[_FtmReader, str, str, _Props], _Rows]]] = {
    InputKind.ENTERPRISES: _enterprise,
    InputKind.PERSONS: _person,
    InputKind.ROLES: _role,
    InputKind.SANCTIONS: _sanction,
}


def _is(parse: Callable[[str], object], value: str) -> bool:
    try:
        parse(value)
    except InvalidCreditCode:
        return False
    return True


def _same_code(name: str, code: str) -> bool:
    try:
        return parse_credit_code(name).value == code
    except InvalidCreditCode:
        return False
