"""Generic records for the resolver: any source's fields, read through a mapping.

The resolver works on :class:`LinkRecord` values, never on raw rows. A
:class:`FieldMapping` says which fields hold the name parts, the birth date, the sex,
an address, an enterprise code and an ID number, and an :class:`IdScheme` says how
that number is normalised and whether it carries a check character (which makes
typo recovery possible). :data:`RESIDENT_ID` is the scheme of Chinese resident ID
numbers; :func:`plain_id_scheme` builds one for numbers without a check character,
so registries of other countries and record-linkage benchmarks link the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

from graph.model import Sex
from linkage.ids import (
    InvalidCreditCode,
    parse_credit_code,
)
from linkage.ids import normalize_resident_id as _normalize_resident_id
from linkage.names import normalize_name

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from graph.model import SourceRecord

__all__ = [
    "PERSON_FIELDS",
    "RESIDENT_ID",
    "FieldMapping",
    "IdScheme",
    "LinkRecord",
    "link_record",
    "link_record_from_source",
    "parse_stated_date",
    "parse_stated_sex",
    "plain_id_scheme",
]

_RESIDENT_ALPHABET: Final = "0123456789"


@dataclass(frozen=True, slots=True)
class IdScheme:
    """How one kind of identity number is normalised and what it encodes.

    ``normalize`` returns the canonical value or raises ValueError (an
    ``InvalidIdentifierError`` carries a ``reason``). ``clean`` gives the text that
    typo recovery varies (spacing and width removed, upper case). ``check`` is True
    when the number carries a check character, so a single typo always fails it and
    its neighbours one substitution or transposition away can be looked up.
    ``alphabet`` holds the characters a body position may take, ``check_alphabet``
    those of the check character. ``legacy`` maps a canonical value to an older
    form without a check character (15-digit resident IDs), or None.
    """

    name: str
    normalize: Callable[[str], str]
    clean: Callable[[str], str]
    check: bool = False
    alphabet: str = _RESIDENT_ALPHABET
    check_alphabet: str = ""
    birth_date: Callable[[str], date | None] | None = None
    sex: Callable[[str], Sex | None] | None = None
    legacy: Callable[[str], str | None] | None = None
    legacy_length: int = 0


def _clean_number(raw: str) -> str:
    return "".join(unicodedata.normalize("NFKC", raw).split()).upper()


def _resident_birth_date(value: str) -> date | None:
    # a canonical number is valid: its birth date is a real date, read it directly
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def _resident_sex(value: str) -> Sex | None:
    return Sex.MALE if int(value[16]) % 2 else Sex.FEMALE


def _resident_legacy(value: str) -> str | None:
    """The 15-digit form of a mainland number born 1900-1999, else None."""
    if value[0] == "9" or value[:2] in ("81", "82", "83") or value[6:8] != "19":
        return None
    return value[:6] + value[8:17]


RESIDENT_ID: Final = IdScheme(
    name="resident_id",
    normalize=_normalize_resident_id,
    clean=_clean_number,
    check=True,
    alphabet=_RESIDENT_ALPHABET,
    check_alphabet="0123456789X",
    birth_date=_resident_birth_date,
    sex=_resident_sex,
    legacy=_resident_legacy,
    legacy_length=15,
)
"""Chinese resident ID numbers (GB 11643), 15 or 18 characters, MOD 11-2 check."""


def plain_id_scheme(name: str, *, pattern: str | None = None) -> IdScheme:
    """A scheme for numbers without a check character: cleaned text is the value.

    With ``pattern`` (a regular expression) a cleaned value must match it in full;
    an empty value is always invalid (``missing``).
    """
    compiled = re.compile(pattern) if pattern else None

    def normalize(raw: str) -> str:
        value = _clean_number(raw)
        if not value:
            raise ValueError("missing")
        if compiled is not None and not compiled.fullmatch(value):
            raise ValueError("format")
        return value

    return IdScheme(name=name, normalize=normalize, clean=_clean_number)


@dataclass(frozen=True, slots=True)
class FieldMapping:
    """Which raw fields hold what; None where a source has no such field.

    ``name`` lists the name parts in writing order (family name first for Chinese
    names); they are joined with a space, so ``("given", "surname")`` works for
    western registries.
    """

    name: tuple[str, ...] = ("name",)
    id_number: str | None = "id_number"
    birth_date: str | None = "birth_date"
    sex: str | None = "sex"
    address: str | None = None
    enterprise: str | None = "credit_code"
    scheme: IdScheme = RESIDENT_ID


PERSON_FIELDS: Final = FieldMapping()
"""The fields of credlink's person and role records (English column names)."""


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """One source record as the resolver sees it: normalised, with its raw parts.

    ``id_value`` is the canonical number when it validates; otherwise ``id_error``
    says why not (``missing``, ``checksum``, ``length``, ...) and ``id_text`` keeps
    the cleaned text for typo recovery. ``birth_date`` and ``sex`` are what the
    record *states*, not what the number encodes. ``name_key`` is the normalised
    name, or "" when the record has no usable name.
    """

    key: str
    name: str
    name_key: str
    id_raw: str = ""
    id_value: str | None = None
    id_error: str | None = "missing"
    id_text: str = ""
    birth_date: date | None = None
    sex: Sex | None = None
    address: str = ""
    enterprise: str = ""


_DATE_FORMS: Final = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)
_SEXES: Final[dict[str, Sex]] = {
    "m": Sex.MALE,
    "male": Sex.MALE,
    "男": Sex.MALE,
    "1": Sex.MALE,  # GB/T 2261.1
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "女": Sex.FEMALE,
    "2": Sex.FEMALE,
}


def parse_stated_date(text: str) -> date | None:
    """A stated date (``yyyy-mm-dd``, ``yyyy/mm/dd``, ``yyyymmdd``, ``2020年1月2日``).

    None for empty or unreadable text: a date nobody can read states nothing, so it
    neither supports nor contradicts a link.
    """
    value = unicodedata.normalize("NFKC", text).strip()
    if not value:
        return None
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    for form in _DATE_FORMS:
        match = form.fullmatch(value)
        if match is not None:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


def parse_stated_sex(text: str) -> Sex | None:
    """A stated sex (M/F, 男/女, male/female, GB/T 2261.1 1/2), else None."""
    return _SEXES.get(unicodedata.normalize("NFKC", text).strip().lower())


def _name_key(name: str) -> str:
    try:
        return normalize_name(name)
    except ValueError:
        return ""


def _address(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).upper().split())


def link_record(
    key: str, fields: Mapping[str, str], mapping: FieldMapping = PERSON_FIELDS
) -> LinkRecord:
    """Read one record's ``fields`` through ``mapping``; never raises on bad values.

    A missing or invalid number gives ``id_value=None`` and the reason in
    ``id_error``; unreadable dates and sexes count as not stated.
    """
    name = " ".join(
        part for part in (fields.get(f, "").strip() for f in mapping.name) if part
    )
    id_raw = fields.get(mapping.id_number, "") if mapping.id_number else ""
    id_value: str | None = None
    id_error: str | None = None
    id_text = ""
    if not id_raw.strip():
        id_error = "missing"
    else:
        try:
            id_value = mapping.scheme.normalize(id_raw)
        except ValueError as exc:
            id_error = getattr(exc, "reason", None) or str(exc) or "invalid"
            id_text = mapping.scheme.clean(id_raw)
    enterprise = fields.get(mapping.enterprise, "") if mapping.enterprise else ""
    if enterprise:
        try:
            enterprise = parse_credit_code(enterprise).value
        except InvalidCreditCode:
            enterprise = _clean_number(enterprise)
    name_key = _name_key(name) if name else ""
    # A record is held for the whole run: an equal normalised value shares the
    # raw value's string (most numbers and names are written in normal form).
    return LinkRecord(
        key=key,
        name=name,
        name_key=name if name_key == name else name_key,
        id_raw=id_raw,
        id_value=id_raw if id_value == id_raw else id_value,
        id_error=id_error,
        id_text=id_text,
        birth_date=(
            parse_stated_date(fields.get(mapping.birth_date, ""))
            if mapping.birth_date
            else None
        ),
        sex=parse_stated_sex(fields.get(mapping.sex, "")) if mapping.sex else None,
        address=_address(fields.get(mapping.address, "")) if mapping.address else "",
        enterprise=enterprise,
    )


def link_record_from_source(
    record: SourceRecord, mapping: FieldMapping = PERSON_FIELDS
) -> LinkRecord:
    """A stored person (or role) source record as a :class:`LinkRecord`."""
    return link_record(record.key, record.raw_dict(), mapping)


def encoded_birth_date(scheme: IdScheme, value: str) -> date | None:
    """The birth date a valid number encodes under ``scheme``, if it encodes one."""
    if scheme.birth_date is None:
        return None
    try:
        return scheme.birth_date(value)
    except ValueError:
        return None


def encoded_sex(scheme: IdScheme, value: str) -> Sex | None:
    """The sex a valid number encodes under ``scheme``, if it encodes one."""
    if scheme.sex is None:
        return None
    try:
        return scheme.sex(value)
    except ValueError:
        return None


def one_typo_neighbours(scheme: IdScheme, text: str) -> list[str]:
    """Texts one substitution or one adjacent transposition from ``text``.

    The last position takes ``check_alphabet`` when the scheme has a check
    character. Only neighbours of the same length are produced, each once.
    """
    last = len(text) - 1
    found = []
    for i, char in enumerate(text):
        head, tail = text[:i], text[i + 1 :]
        alphabet = scheme.check_alphabet if scheme.check and i == last else ""
        found.extend(
            [
                head + other + tail
                for other in alphabet or scheme.alphabet
                if other != char
            ]
        )
    found.extend(
        [
            text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            for i in range(last)
            if text[i] != text[i + 1]
        ]
    )
    return found


def describe_typo(text: str, neighbour: str) -> str:
    """How ``neighbour`` differs from ``text`` (one substitution or transposition)."""
    diff = [i for i, (a, b) in enumerate(zip(text, neighbour, strict=True)) if a != b]
    if len(diff) == 1:
        (i,) = diff
        return f"character {i + 1} {text[i]}->{neighbour[i]}"
    return f"characters {diff[0] + 1}-{diff[-1] + 1} swapped"
