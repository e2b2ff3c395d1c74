"""Rows to domain types: one function per kind, a value or a :class:`RowError`.

A row that cannot be interpreted becomes a ``RowError`` naming the field and the
reason; the pipeline quarantines it. A role or sanction row that names its
enterprise by a legacy identifier (organisation code, registration number) becomes
a :class:`PendingRow`: the pipeline resolves the identifier against the known
enterprises and finishes the row with the credit code, or quarantines it.

A person (or role) row whose ID number is missing or invalid is not an error: it
is a real record of a real person, kept as an unresolved :class:`SourceRecord`
with the raw number and ``id_error`` so that linkage can recover or review it. It
is never merged by that number.

Values are compared after NFKC normalisation (full-width digits and letters) and
stripping; the raw row kept in source records is the text as read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Final, Protocol

from graph.bounds import DateKind, date_bound_problem, date_horizon
from graph.errors import InvalidIdentifierError
from graph.model import (
    Commendation,
    Enterprise,
    EntityKind,
    Person,
    Role,
    RoleType,
    Sanction,
    Sex,
    SourceRecord,
)
from graph.policy import load_catalogue
from graph.policy.incentives import configured_incentives
from linkage.enterprises import LegacyId, parse_enterprise_ref
from linkage.ids import (
    CreditCode,
    IdNumber,
    InvalidCreditCode,
    InvalidIdNumber,
    describe_characters,
    foreign_characters,
    normalize_org_code,
    normalize_registration_no,
    parse_credit_code,
    parse_resident_id,
)
from loaders.readers import InputKind, MappedRow, RowError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


@dataclass(frozen=True, slots=True)
class RowResult:
    """What one accepted row contributes to the store.

    ``person_stubs`` and ``enterprise_stubs`` are endpoints a role or sanction
    needs: the pipeline writes each only when the store does not hold it yet, so a
    stub never overwrites what an input file said about the entity.
    """

    persons: tuple[Person, ...] = ()
    enterprises: tuple[Enterprise, ...] = ()
    roles: tuple[Role, ...] = ()
    sanctions: tuple[Sanction, ...] = ()
    commendations: tuple[Commendation, ...] = ()
    source_records: tuple[SourceRecord, ...] = ()
    person_stubs: tuple[Person, ...] = ()
    enterprise_stubs: tuple[Enterprise, ...] = ()


@dataclass(frozen=True, slots=True)
class PendingRow:
    """A row naming its enterprise by a legacy identifier, waiting for its credit code.

    Every other field is checked. ``finish(credit_code)`` gives the row's result
    once ``identifier`` is resolved to the enterprise it names; when it names none
    (unknown, or claimed by two enterprises) the row is quarantined at ``field``.
    """

    field: str
    identifier: LegacyId
    finish: Callable[[str], RowResult]


class _Finish(Protocol):
    """Builds a sanction's or a good record's row once its subject is known."""

    def __call__(
        self,
        subject_id: str,
        person_stubs: tuple[Person, ...] = (),
        enterprise_stubs: tuple[Enterprise, ...] = (),
    ) -> RowResult: ...


RESOLVED_CREDIT_CODE: Final = "resolved_credit_code"
"""Raw key of a role record that named its enterprise by a legacy identifier: the
credit code it was resolved to (the identifier as written stays in its column)."""

ROLE_ENTERPRISE_FIELDS: Final = ("credit_code", "org_code", "registration_no")
"""Fields of a role row that name its enterprise; the first one filled is used."""

SUBJECT_ENTERPRISE_FIELDS: Final = (
    "subject_credit_code",
    "subject_org_code",
    "subject_registration_no",
)
"""Fields of a sanction row that name an enterprise subject (after ``subject_id``)."""


class _RowRejectedError(Exception):
    """A field that cannot be interpreted; carries the row error."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.error = RowError(field, reason)


# --------------------------------------------------------------------- vocabularies

ROLE_NAMES: Final[dict[str, RoleType]] = {
    **{role.value: role for role in RoleType},
    "legal representative": RoleType.LEGAL_REPRESENTATIVE,
    "法定代表人": RoleType.LEGAL_REPRESENTATIVE,
    "法人代表": RoleType.LEGAL_REPRESENTATIVE,
    "director": RoleType.DIRECTOR,
    "董事": RoleType.DIRECTOR,
    "董事长": RoleType.DIRECTOR,
    "副董事长": RoleType.DIRECTOR,
    "执行董事": RoleType.DIRECTOR,
    "独立董事": RoleType.DIRECTOR,
    "职工董事": RoleType.DIRECTOR,
    "监事": RoleType.SUPERVISOR,
    "监事会主席": RoleType.SUPERVISOR,
    "职工监事": RoleType.SUPERVISOR,
    "高级管理人员": RoleType.SENIOR_MANAGER,
    "高管": RoleType.SENIOR_MANAGER,
    "经理": RoleType.SENIOR_MANAGER,
    "总经理": RoleType.SENIOR_MANAGER,
    "副总经理": RoleType.SENIOR_MANAGER,
    "财务负责人": RoleType.SENIOR_MANAGER,
    "董事会秘书": RoleType.SENIOR_MANAGER,
    "股东": RoleType.SHAREHOLDER,
    "出资人": RoleType.SHAREHOLDER,
}
"""Role names accepted in the role column (lower-cased), and the role they mean."""

_SANCTION_ALIASES: Final[dict[str, str]] = {
    "严重违法失信名单": "serious_illegal_dishonest",
    "严重违法失信主体名单": "serious_illegal_dishonest",
    "失信被执行人": "dishonest_judgment_debtor",
    "重大税收违法失信主体名单": "major_tax_violation",
    "吊销营业执照": "license_revoked",
    "行政处罚": "administrative_penalty",
    "列入经营异常名录": "abnormal_operations",
}


@cache
def sanction_type_names() -> dict[str, str]:
    """Accepted sanction type names (lower-cased) and the catalogue key they mean.

    The keys and Chinese names of the measures catalogue's types, and common
    shorter spellings of them; a type the catalogue lacks is never accepted.
    """
    names: dict[str, str] = {}
    for rule in load_catalogue().rules:
        names[rule.sanction_type] = rule.sanction_type
        names[_clean(rule.name_zh)] = rule.sanction_type
    keys = set(names.values())
    for alias, key in _SANCTION_ALIASES.items():
        if key in keys:
            names.setdefault(_clean(alias), key)
    return names


SUBJECT_KINDS: Final[dict[str, EntityKind]] = {
    "enterprise": EntityKind.ENTERPRISE,
    "企业": EntityKind.ENTERPRISE,
    "法人": EntityKind.ENTERPRISE,
    "法人和其他组织": EntityKind.ENTERPRISE,
    "person": EntityKind.PERSON,
    "个人": EntityKind.PERSON,
    "自然人": EntityKind.PERSON,
}
"""Subject kinds accepted (lower-cased)."""

SEXES: Final[dict[str, Sex | None]] = {
    "m": Sex.MALE,
    "male": Sex.MALE,
    "男": Sex.MALE,
    "1": Sex.MALE,  # GB/T 2261.1 code
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "女": Sex.FEMALE,
    "2": Sex.FEMALE,
    "未知": None,
    "0": None,
    "9": None,
}
"""Sex values accepted (lower-cased); None means stated unknown."""

_ROLE_SEPARATORS = re.compile(r"[兼、,;/]|及")
_DATE_FORMS = (
    re.compile(
        r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
        r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    ),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)


# Role and sanction rows name the same people and enterprises again and again; the
# parsed values are immutable, so a bounded cache saves most of the parsing.
_parse_credit_code = lru_cache(maxsize=1 << 15)(parse_credit_code)
_parse_resident_id = lru_cache(maxsize=1 << 15)(parse_resident_id)
_parse_enterprise_ref = lru_cache(maxsize=1 << 15)(parse_enterprise_ref)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


# ------------------------------------------------------------------ field parsers


def parse_date(text: str) -> date | None:
    """A date from ``yyyy-mm-dd``, ``yyyy/mm/dd``, ``yyyymmdd`` or ``2020年1月2日``.

    Empty means open or unknown (None). A time of day after the date is ignored.
    Raises ValueError for text that is not a date or names no real day
    (``1999-02-30``).
    """
    foreign = foreign_characters(re.sub("[年月日]", "", text))
    if foreign:
        msg = f"characters not accepted in a date ({describe_characters(foreign)})"
        raise ValueError(msg)
    value = _clean(text)
    if not value:
        return None
    for form in _DATE_FORMS:
        match = form.fullmatch(value)
        if match is not None:
            year, month, day = (int(g) for g in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                raise ValueError(f"no such date {text!r}") from None
    raise ValueError(f"not a date {text!r}")


def parse_roles(text: str) -> tuple[RoleType, ...]:
    """The roles named in a role cell; ``董事长兼总经理`` names two.

    Raises ValueError for an empty cell or any name not in :data:`ROLE_NAMES`.
    """
    parts = [p.strip() for p in _ROLE_SEPARATORS.split(_clean(text))]
    roles: dict[RoleType, None] = {}
    for part in parts:
        if part not in ROLE_NAMES:
            raise ValueError(f"unknown role {part or text!r}")
        roles[ROLE_NAMES[part]] = None
    return tuple(roles)


def parse_sanction_type(text: str) -> str:
    """The catalogue key of a sanction type name; ValueError when unknown."""
    key = sanction_type_names().get(_clean(text))
    if key is None:
        raise ValueError(f"unknown sanction type {text!r}")
    return key


def parse_commendation_kind(text: str) -> str:
    """The incentives catalogue's key of a commendation kind (its key, Chinese or
    English name, or an alias); ValueError when the catalogue lacks it."""
    key = configured_incentives().names().get(_clean(text))
    if key is None:
        raise ValueError(f"unknown commendation kind {text!r}")
    return key


def parse_subject_kind(text: str) -> EntityKind:
    """``enterprise`` or ``person`` from its English or Chinese name."""
    kind = SUBJECT_KINDS.get(_clean(text))
    if kind is None:
        raise ValueError(f"unknown subject kind {text!r}")
    return kind


def parse_sex(text: str) -> Sex | None:
    """A sex from 男/女, M/F, male/female or the GB/T 2261.1 codes; empty is None."""
    value = _clean(text)
    if not value:
        return None
    if value not in SEXES:
        raise ValueError(f"unknown sex {text!r}")
    return SEXES[value]


# ------------------------------------------------------------------------- rows


def interpret_row(
    kind: InputKind, row: MappedRow, *, file_name: str, line: int
) -> RowResult | PendingRow | RowError:
    """Turn one mapped row into domain values, or say why it cannot be.

    A row naming its enterprise by a legacy identifier gives a :class:`PendingRow`.

    ``source`` and ``record_id`` default to the file's relative name and the line;
    in a quarantine file its ``_file`` and ``_line`` columns stand in for them, so
    a fixed row loads under the key it would have had.
    """
    source = row.fields.get("source") or row.meta.get("_file") or file_name
    record_id = row.fields.get("record_id") or row.meta.get("_line") or str(line)
    try:
        _refuse_controls(row)
        return _INTERPRETERS[kind](row, source, record_id)
    except _RowRejectedError as exc:
        return exc.error


_CONTROLS: Final = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
"""C0 and C1 controls (NUL, escape, backspace, ...) and the bidirectional overrides:
no name, number, date or vocabulary holds one, and in a stored name they corrupt
every screen and file that shows it. Tab and line breaks are let through: a
spreadsheet cell holds them (Alt+Enter), and every output escapes them."""


def _refuse_controls(row: MappedRow) -> None:
    """Reject a row whose fields or extra columns hold a control character."""
    for name, value in (*row.fields.items(), *row.extras.items()):
        found = _CONTROLS.search(value)
        if found is not None:
            char = found.group()
            raise _RowRejectedError(
                name,
                f"control character U+{ord(char):04X} "
                f"({unicodedata.name(char, 'control')}) in the value",
            )


def _date_field(
    fields: Mapping[str, str], name: str, kind: DateKind = DateKind.EVENT
) -> date | None:
    """The date in field ``name``, refused when it is not one or out of bounds."""
    try:
        value = parse_date(fields.get(name, ""))
    except ValueError as exc:
        raise _RowRejectedError(name, str(exc)) from None
    if value is None:
        return None
    problem = date_bound_problem(value, kind, horizon=date_horizon())
    if problem is not None:
        raise _RowRejectedError(name, f"out of bounds: {problem}")
    return value


def _required(fields: Mapping[str, str], name: str) -> str:
    value = fields.get(name, "")
    if not value:
        raise _RowRejectedError(name, "missing")
    return value


def _credit_code(fields: Mapping[str, str], name: str) -> CreditCode:
    raw = _required(fields, name)
    try:
        return _parse_credit_code(raw)
    except InvalidCreditCode as exc:
        raise _RowRejectedError(name, f"invalid credit code ({exc.reason})") from None


def _enterprise_ref(
    fields: Mapping[str, str], names: tuple[str, ...]
) -> tuple[str, CreditCode | LegacyId]:
    """The first filled of the fields ``names`` and the enterprise it names."""
    field = next((name for name in names if fields.get(name)), names[0])
    raw = _required(fields, field)
    try:
        return field, _parse_enterprise_ref(raw)
    except InvalidCreditCode as exc:
        raise _RowRejectedError(field, str(exc)) from None


def _stated(
    fields: Mapping[str, str], name: str, normalise: Callable[[str], str]
) -> str | None:
    """A legacy identifier an enterprise row states, canonical; None when empty."""
    raw = fields.get(name, "")
    if not raw:
        return None
    try:
        return normalise(raw)
    except InvalidCreditCode as exc:
        raise _RowRejectedError(name, f"{exc} ({exc.reason})") from None


def _resident_id(raw: str) -> IdNumber | str:
    """The parsed ID number, or the reason it is unusable (``missing``, ...)."""
    if not raw:
        return "missing"
    try:
        return _parse_resident_id(raw)
    except InvalidIdNumber as exc:
        return exc.reason


def _raw(row: MappedRow, renames: Mapping[str, str] | None = None) -> dict[str, str]:
    """The row's non-empty values as provenance, keyed by field name."""
    renames = renames or {}
    raw = dict(row.extras)
    for field, value in row.fields.items():
        if value and field not in ("source", "record_id"):
            raw[renames.get(field, field)] = value
    return raw


def _record(
    source: str, record_id: str, raw: Mapping[str, str], entity_key: str | None
) -> SourceRecord:
    return SourceRecord(
        source=source,
        record_id=record_id,
        kind=EntityKind.PERSON,
        raw=tuple(sorted(raw.items())),
        entity_key=entity_key,
    )


def _person(row: MappedRow, source: str, record_id: str) -> RowResult:
    fields = row.fields
    name = fields.get("name", "")
    raw_id = fields.get("id_number", "")
    if not name and not raw_id:
        raise _RowRejectedError("name", "no name and no ID number")
    birth_date = _date_field(fields, "birth_date", DateKind.BIRTH)
    try:
        sex = parse_sex(fields.get("sex", ""))
    except ValueError as exc:
        raise _RowRejectedError("sex", str(exc)) from None
    return person_result(source, record_id, _raw(row), name, raw_id, birth_date, sex)


def person_result(
    source: str,
    record_id: str,
    raw: dict[str, str],
    name: str,
    raw_id: str,
    birth_date: date | None,
    sex: Sex | None,
) -> RowResult:
    """The person and source record of a person row whose fields passed their checks
    (shared by the per-row path and :mod:`loaders.fastpath`)."""
    id_number = _resident_id(raw_id)
    if isinstance(id_number, str):
        raw["id_error"] = id_number
        return RowResult(source_records=(_record(source, record_id, raw, None),))
    conflicts = [
        field
        for field, stated, encoded in (
            ("birth_date", birth_date, id_number.birth_date),
            ("sex", sex, id_number.sex),
        )
        if stated is not None and stated != encoded
    ]
    if conflicts:
        raw["conflict"] = ",".join(conflicts)
    person = Person(id_number.value, name, id_number.birth_date, id_number.sex)
    record = _record(source, record_id, raw, id_number.value)
    if not name:
        # A nameless row must not become the "first name" of the person.
        return RowResult(source_records=(record,), person_stubs=(person,))
    return RowResult(persons=(person,), source_records=(record,))


def _enterprise(row: MappedRow, source: str, record_id: str) -> RowResult:
    fields = row.fields
    code = _credit_code(fields, "credit_code")
    org_code = _stated(fields, "org_code", normalize_org_code)
    if org_code is not None and code.org_code not in (None, org_code):
        # One of the two is wrong; linking either way could be a wrong merge.
        raise _RowRejectedError(
            "org_code",
            f"organisation code {org_code} is not the one in the credit code "
            f"({code.org_code})",
        )
    enterprise = Enterprise(
        credit_code=code.value,
        name=fields.get("name", ""),
        status=fields.get("status") or None,
        founded_on=_date_field(fields, "founded_on", DateKind.FOUNDING),
        conforming=code.conforming,
        org_code=org_code or code.org_code,
        registration_no=_stated(fields, "registration_no", normalize_registration_no),
    )
    record = SourceRecord(
        source=source,
        record_id=record_id,
        kind=EntityKind.ENTERPRISE,
        raw=tuple(sorted(_raw(row).items())),
        entity_key=code.value,
    )
    return RowResult(enterprises=(enterprise,), source_records=(record,))


_ROLE_RAW_NAMES: Final = {"person_name": "name", "person_id_number": "id_number"}


def _role(row: MappedRow, source: str, record_id: str) -> RowResult | PendingRow:
    fields = row.fields
    field, ref = _enterprise_ref(fields, ROLE_ENTERPRISE_FIELDS)
    try:
        role_types = parse_roles(_required(fields, "role"))
    except ValueError as exc:
        raise _RowRejectedError("role", str(exc)) from None
    since = _date_field(fields, "since")
    until = _date_field(fields, "until")
    if since is not None and until is not None and until < since:
        raise _RowRejectedError("until", f"until {until} before since {since}")
    if not fields.get("person_name") and not fields.get("person_id_number"):
        raise _RowRejectedError("person_name", "no name and no ID number")

    def finish(credit_code: str) -> RowResult:
        return _role_result(
            row, source, record_id, (role_types, since, until), credit_code, None
        )

    if isinstance(ref, LegacyId):
        return PendingRow(field, ref, finish)
    stub = _enterprise_stub(ref, fields.get("enterprise_name", ""))
    return _role_result(
        row, source, record_id, (role_types, since, until), ref.value, stub
    )


def _role_result(
    row: MappedRow,
    source: str,
    record_id: str,
    held: tuple[tuple[RoleType, ...], date | None, date | None],
    credit_code: str,
    stub: Enterprise | None,
) -> RowResult:
    """A checked role row's result; ``stub`` is None when a legacy identifier
    named the (known) enterprise."""
    fields = row.fields
    role_types, since, until = held
    name = fields.get("person_name", "")
    raw = _raw(row, _ROLE_RAW_NAMES)
    if stub is None:
        raw[RESOLVED_CREDIT_CODE] = credit_code
    id_number = _resident_id(fields.get("person_id_number", ""))
    if isinstance(id_number, str):
        # No role until linkage resolves the person; the record keeps the role.
        raw["id_error"] = id_number
        return RowResult(source_records=(_record(source, record_id, raw, None),))
    person_id = id_number.value
    roles = tuple(
        Role(person_id, credit_code, role_type, since, until, source, record_id)
        for role_type in role_types
    )
    return RowResult(
        roles=roles,
        source_records=(_record(source, record_id, raw, person_id),),
        person_stubs=(Person(person_id, name, id_number.birth_date, id_number.sex),),
        enterprise_stubs=(stub,) if stub is not None else (),
    )


def _enterprise_stub(code: CreditCode, name: str) -> Enterprise:
    return Enterprise(
        credit_code=code.value,
        name=name,
        conforming=code.conforming,
        org_code=code.org_code,
    )


def _sanction(row: MappedRow, source: str, record_id: str) -> RowResult | PendingRow:
    fields = row.fields
    try:
        sanction_type = parse_sanction_type(_required(fields, "type"))
    except ValueError as exc:
        raise _RowRejectedError("type", str(exc)) from None
    decided_on = _date_field(fields, "decided_on")
    if decided_on is None:
        raise _RowRejectedError("decided_on", "missing")
    violation_date = _date_field(fields, "violation_date")
    display_until = _date_field(fields, "display_until")
    if violation_date is not None and violation_date > decided_on:
        raise _RowRejectedError("violation_date", "after the decision date")
    if display_until is not None and display_until < decided_on:
        raise _RowRejectedError("display_until", "before the decision date")
    subject_kind = _subject_kind(fields)
    name = fields.get("subject_name", "")

    def finish(
        subject_id: str,
        person_stubs: tuple[Person, ...] = (),
        enterprise_stubs: tuple[Enterprise, ...] = (),
    ) -> RowResult:
        decision_no = fields.get("decision_no", "")
        sanction_id = fields.get("sanction_id") or (
            f"{sanction_type}|{decision_no}|{subject_kind.value}|{subject_id}"
            if decision_no
            else f"{source}#{record_id}"
        )
        sanction = Sanction(
            sanction_id=sanction_id,
            subject_kind=subject_kind,
            subject_id=subject_id,
            type=sanction_type,
            authority=fields.get("authority", ""),
            decision_no=decision_no,
            decided_on=decided_on,
            violation_date=violation_date,
            display_until=display_until,
        )
        return RowResult(
            sanctions=(sanction,),
            person_stubs=person_stubs,
            enterprise_stubs=enterprise_stubs,
        )

    return _with_subject(fields, subject_kind, name, finish)


def _with_subject(
    fields: Mapping[str, str],
    subject_kind: EntityKind,
    name: str,
    finish: _Finish,
) -> RowResult | PendingRow:
    """The row finished with its subject's key and stub: an enterprise by any of
    its identifiers (a legacy one resolved later), a person by a valid ID number
    only (a sanction or a good record must never reach an uncertain subject)."""
    if subject_kind is EntityKind.ENTERPRISE:
        field, ref = _enterprise_ref(
            fields, _subject_columns(fields, SUBJECT_ENTERPRISE_FIELDS)
        )
        if isinstance(ref, LegacyId):
            return PendingRow(field, ref, finish)
        return finish(ref.value, enterprise_stubs=(_enterprise_stub(ref, name),))
    (field,) = _subject_columns(fields, ("subject_id_number",))
    id_number = _resident_id(_required(fields, field))
    if isinstance(id_number, str):
        raise _RowRejectedError(field, f"invalid ID number ({id_number})")
    subject = Person(id_number.value, name, id_number.birth_date, id_number.sex)
    return finish(id_number.value, person_stubs=(subject,))


def _subject_columns(
    fields: Mapping[str, str], specific: tuple[str, ...]
) -> tuple[str, ...]:
    """``subject_id`` when filled (or when none of the kind's own columns is),
    else the kind's own columns."""
    if fields.get("subject_id") or not any(fields.get(f) for f in specific):
        return ("subject_id",)
    return specific


def _subject_kind(fields: Mapping[str, str]) -> EntityKind:
    """The stated subject kind, else the one told by which number column is filled."""
    stated = fields.get("subject_kind", "")
    if stated:
        try:
            return parse_subject_kind(stated)
        except ValueError as exc:
            raise _RowRejectedError("subject_kind", str(exc)) from None
    has_code = any(fields.get(f) for f in SUBJECT_ENTERPRISE_FIELDS)
    has_id = bool(fields.get("subject_id_number"))
    if has_code != has_id:
        return EntityKind.ENTERPRISE if has_code else EntityKind.PERSON
    raise _RowRejectedError("subject_kind", "missing")


def _commendation(
    row: MappedRow, source: str, record_id: str
) -> RowResult | PendingRow:
    fields = row.fields
    try:
        kind = parse_commendation_kind(_required(fields, "kind"))
    except ValueError as exc:
        raise _RowRejectedError("kind", str(exc)) from None
    decided_on = _date_field(fields, "decided_on")
    if decided_on is None:
        raise _RowRejectedError("decided_on", "missing")
    valid_until = _date_field(fields, "valid_until")
    if valid_until is not None and valid_until <= decided_on:
        raise _RowRejectedError("valid_until", "not after the decision date")
    subject_kind = _subject_kind(fields)
    listed = configured_incentives().get(kind)
    if listed is not None and subject_kind not in listed.subjects:
        raise _RowRejectedError(
            "kind", f"{listed.name_zh} ({kind}) is not given to a {subject_kind.value}"
        )
    name = fields.get("subject_name", "")

    def finish(
        subject_id: str,
        person_stubs: tuple[Person, ...] = (),
        enterprise_stubs: tuple[Enterprise, ...] = (),
    ) -> RowResult:
        commendation = Commendation(
            commendation_id=fields.get("commendation_id") or f"{source}#{record_id}",
            subject_kind=subject_kind,
            subject_id=subject_id,
            kind=kind,
            authority=fields.get("authority", ""),
            decided_on=decided_on,
            valid_until=valid_until,
            source=source,
            record_id=record_id,
        )
        return RowResult(
            commendations=(commendation,),
            person_stubs=person_stubs,
            enterprise_stubs=enterprise_stubs,
        )

    return _with_subject(fields, subject_kind, name, finish)


_INTERPRETERS: Final[
    dict[InputKind, Callable[[MappedRow, str, str], RowResult | PendingRow]]
] = {
    InputKind.PERSONS: _person,
    InputKind.ENTERPRISES: _enterprise,
    InputKind.ROLES: _role,
    InputKind.SANCTIONS: _sanction,
    InputKind.COMMENDATIONS: _commendation,
}


def roles_of_record(
    record: SourceRecord, person_id: str
) -> tuple[list[Role], list[Enterprise]]:
    """The roles an unresolved role record states, once its person is known.

    Read with the loaders' vocabulary (Chinese role names included). The loader
    validated the row's role, dates and credit code when it stored the record, so
    a record without them is a person record and states no role. A record that
    named its enterprise by a legacy identifier keeps the credit code it was
    resolved to (:data:`RESOLVED_CREDIT_CODE`).
    """
    raw = record.raw_dict()
    written = raw.get(RESOLVED_CREDIT_CODE) or raw.get("credit_code")
    if not written or not raw.get("role"):
        return [], []
    try:
        code = parse_credit_code(written)
        kinds = parse_roles(raw["role"])
        since = parse_date(raw.get("since", ""))
        until = parse_date(raw.get("until", ""))
    except (ValueError, InvalidIdentifierError):
        return [], []
    roles = [
        Role(person_id, code.value, kind, since, until, record.source, record.record_id)
        for kind in kinds
    ]
    stub = Enterprise(
        code.value,
        raw.get("enterprise_name", ""),
        conforming=code.conforming,
        org_code=code.org_code,
    )
    return roles, [stub]
