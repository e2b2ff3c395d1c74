"""Normalisers of the identifiers that key credlink's graph.

People are keyed by the 18-character citizen identity number of GB 11643-1999
(公民身份号码), which Hong Kong / Macau / Taiwan residence permits and the 2023
foreign permanent residence ID card share in shape; enterprises by the unified
social credit code of GB 32100-2015 (统一社会信用代码), which embeds the GB 11714
organisation code. Older records carry 15-digit resident IDs, 9-character
organisation codes and 15-digit business registration numbers.

Each normaliser is one pure function that returns the canonical text or raises an
:class:`~graph.errors.InvalidIdentifierError` subclass whose ``reason`` says which
rule failed. Check characters come from python-stdnum where it is right; where it is
wrong (region codes younger than the holder, unknown county codes, 15-digit numbers)
or too slow for the hot path, the rule is implemented here and a test documents why.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from iso3166 import countries_by_numeric
from stdnum.cn import uscc as _stdnum_uscc
from stdnum.iso7064 import mod_11_10

from graph.errors import InvalidIdentifierError
from graph.model import Sex
from linkage.regions import (
    county_codes_in_use,
    is_known_region,
    province_prefixes,
    region_in_use_since,
    region_name,
)

__all__ = [
    "MIN_BIRTH_YEAR",
    "CreditCode",
    "IdKind",
    "IdNumber",
    "InvalidCreditCode",
    "InvalidIdNumber",
    "RegistrationAuthority",
    "birth_date_of",
    "county_codes_in_use",
    "describe_characters",
    "downgrade_to_15",
    "foreign_characters",
    "identify_id_kind",
    "is_valid_resident_id",
    "is_valid_uscc",
    "make_resident_id",
    "make_uscc",
    "normalize_org_code",
    "normalize_registration_no",
    "normalize_resident_id",
    "normalize_uscc",
    "org_code_check_char",
    "org_code_of",
    "parse_credit_code",
    "parse_resident_id",
    "region_name",
    "registration_no_check_digit",
    "resident_id_check_char",
    "sex_of",
    "uscc_check_char",
]


class InvalidIdNumber(InvalidIdentifierError):  # noqa: N818 -- name fixed by the issue
    """A resident ID number (or permit / permanent residence ID) that fails its rules.

    ``reason`` is one of ``format``, ``length``, ``region``, ``birth_date``,
    ``checksum``.
    """


class InvalidCreditCode(InvalidIdentifierError):  # noqa: N818 -- name fixed by the issue
    """A credit code, organisation code or registration number that fails its rules.

    ``reason`` is one of ``format``, ``length``, ``authority``, ``region``,
    ``org_code`` (the embedded GB 11714 check character), ``checksum``.
    """


class IdKind(StrEnum):
    """What an 18-character personal ID number is, told apart by its first digits."""

    MAINLAND = "mainland"  # 居民身份证 (GB 11643)
    HONG_KONG = "hong_kong"  # 港澳台居民居住证, prefix 810000
    MACAU = "macau"  # prefix 820000
    TAIWAN = "taiwan"  # prefix 830000
    FOREIGN_PERMANENT = (
        "foreign_permanent"  # 外国人永久居留身份证 (2023), first digit 9
    )


class RegistrationAuthority(StrEnum):
    """The registration authority, first character of a credit code (GB 32100)."""

    ESTABLISHMENT = "1"  # 机构编制
    FOREIGN_AFFAIRS = "2"  # 外交
    JUSTICE = "3"  # 司法行政
    CULTURE = "4"  # 文化
    CIVIL_AFFAIRS = "5"  # 民政
    TOURISM = "6"  # 旅游
    RELIGION = "7"  # 宗教
    TRADE_UNION = "8"  # 工会
    MARKET_REGULATION = "9"  # 工商 (now market regulation)
    MILITARY = "A"  # 中央军委改革和编制办公室
    AGRICULTURE = "N"  # 农业
    OTHER = "Y"  # 其他


MIN_BIRTH_YEAR: Final = 1850
"""Earliest birth year accepted: the oldest people alive when ID numbers were first
issued (1984) were born in the 1870s, so an earlier year is a typo."""

_PERMIT_PREFIXES: Final = {
    "810000": IdKind.HONG_KONG,
    "820000": IdKind.MACAU,
    "830000": IdKind.TAIWAN,
}
_MOD11_2_CHARS: Final = "0123456789X"
_DIGITS: Final = frozenset("0123456789")
_ID_CHARS: Final = frozenset("0123456789X")
_CHINA_NUMERIC: Final = "156"  # a Chinese national holds a resident ID, not this card
_USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
_USCC_CHARS: Final = frozenset(_USCC_ALPHABET)
# Allowed second characters (机构类别) per registration authority, GB 32100-2015.
_CATEGORIES: Final[dict[str, str]] = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}
# Central-level registrations use 100000, which is not a GB/T 2260 code.
_CENTRAL_REGION: Final = "100000"
_ORG_CHARS: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)


# --------------------------------------------------------------------------- helpers


def foreign_characters(raw: str) -> str:
    """The characters of ``raw`` an identifier or a date may not be written with.

    Accepted: ASCII, the full-width forms U+FF01-U+FF5E (full-width digits and
    letters, as Chinese input methods type them) and whitespace (the ideographic
    space included). Every other character is refused, even where NFKC would
    fold it to a digit: mathematical bold or monospace digits (𝟏), circled (①),
    superscript (¹) and subscript digits, Arabic-Indic and other scripts' digits.
    They do not occur in registers; accepted, a decorated string would resolve
    to a real person's number. Each character appears once, in order.
    """
    return "".join(
        dict.fromkeys(
            c
            for c in raw
            if not (c.isascii() or "\uff01" <= c <= "\uff5e" or c.isspace())
        )
    )


def describe_characters(chars: str) -> str:
    """``U+1D7CF MATHEMATICAL BOLD DIGIT ONE, …`` for the characters given."""
    return ", ".join(
        f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')}" for c in chars
    )


def _nfkc_compact(raw: str, drop: str) -> str:
    """Full-width to ASCII (NFKC), whitespace and ``drop`` characters removed, upper."""
    text = "".join(unicodedata.normalize("NFKC", raw).split())
    for char in drop:
        text = text.replace(char, "")
    return text.upper()


def _mod11_2(body: str) -> str:
    """ISO 7064 MOD 11-2 check character of a string of digits.

    Same result as ``stdnum.iso7064.mod_11_2.calc_check_digit`` (a test compares
    them), computed in C: the weight of the i-th digit from the right of the body is
    2**i mod 11 and 13 == 2 (mod 11), so the weighted sum is ``2 * int(body, 13)``.
    stdnum's per-digit loop is several times slower than the hot path can afford.
    """
    return _MOD11_2_CHARS[(1 - 2 * int(body, 13)) % 11]


# ----------------------------------------------------------------- resident ID numbers


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A personal ID number: the raw text as given and its canonical 18-char value."""

    raw: str
    value: str
    kind: IdKind
    birth_date: date
    sex: Sex


def resident_id_check_char(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check character ("0".."9" or "X") of a 17-digit body."""
    if len(body17) != 17 or not (body17.isascii() and body17.isdigit()):
        raise InvalidIdNumber("format", f"ID body must be 17 digits: {body17!r}")
    return _mod11_2(body17)


def _fail(reason: str, message: str) -> InvalidIdNumber:
    return InvalidIdNumber(reason, message)


def _birth_date(value: str, start: int) -> date:
    """The yyyymmdd date at ``start``, checked to be real, not too old, not future."""
    try:
        born = date(
            int(value[start : start + 4]),
            int(value[start + 4 : start + 6]),
            int(value[start + 6 : start + 8]),
        )
    except ValueError:
        raise _fail("birth_date", f"no such birth date in {value!r}") from None
    if born.year < MIN_BIRTH_YEAR:
        raise _fail("birth_date", f"birth year before {MIN_BIRTH_YEAR} in {value!r}")
    if born > date.today():
        raise _fail("birth_date", f"birth date in the future in {value!r}")
    return born


def _kind_of(value: str) -> IdKind:
    if value[0] == "9":
        return IdKind.FOREIGN_PERMANENT
    return _PERMIT_PREFIXES.get(value[:6], IdKind.MAINLAND)


def _clean_resident_id(raw: str) -> str:
    """Canonical 18-character text of any accepted spelling; checks shape only."""
    foreign = foreign_characters(raw)
    if foreign:
        raise _fail(
            "format",
            f"characters not accepted in an ID number ({describe_characters(foreign)})",
        )
    value = _nfkc_compact(raw, "")
    if not set(value) <= _ID_CHARS:
        raise _fail("format", f"unexpected characters in ID number {raw!r}")
    if len(value) == 15:
        if "X" in value:
            raise _fail("format", f"15-digit ID numbers have no X: {raw!r}")
        if _kind_of(value) is not IdKind.MAINLAND:
            raise _fail(
                "region", f"15-digit numbers are mainland numbers only: {raw!r}"
            )
        body = f"{value[:6]}19{value[6:]}"
        return body + _mod11_2(body)
    if len(value) != 18:
        raise _fail("length", f"ID number must have 15 or 18 characters: {raw!r}")
    if "X" in value[:17]:
        raise _fail("format", f"X may only be the check character: {raw!r}")
    return value


def _parse(raw: str) -> tuple[str, IdKind, date]:
    """Validate any accepted spelling; return the canonical value, kind, birth date."""
    value = _clean_resident_id(raw)
    kind = _kind_of(value)
    born = _birth_date(value, 6)
    if kind is IdKind.MAINLAND:
        if not region_in_use_since(value[:6], born.year):
            raise _fail(
                "region",
                f"region code {value[:6]} was not in use in or after {born.year}",
            )
    elif kind is IdKind.FOREIGN_PERMANENT:
        if value[1:3] not in province_prefixes():
            raise _fail("region", f"no province with code {value[1:3]}: {raw!r}")
        if value[3:6] == _CHINA_NUMERIC or value[3:6] not in countries_by_numeric:
            raise _fail("region", f"no foreign nationality {value[3:6]}: {raw!r}")
    if value[17] != _mod11_2(value[:17]):
        raise _fail("checksum", f"check character mismatch in {raw!r}")
    return value, kind, born


def parse_resident_id(raw: str) -> IdNumber:
    """Validate and normalise a personal ID number, keeping the raw text.

    Rules: see :func:`normalize_resident_id`.
    """
    value, kind, born = _parse(raw)
    return IdNumber(raw, value, kind, born, _sex(value))


def normalize_resident_id(raw: str) -> str:
    """The canonical 18-character ID number, or raise :class:`InvalidIdNumber`.

    Accepts surrounding and inner whitespace, full-width digits and letters, a
    lowercase x, and 15-digit legacy numbers (19 inserted before the year, check
    character computed). Checks the MOD 11-2 check character, a real birth date
    between 1850 and today, and the place code by kind:

    - mainland: a GB/T 2260 code in use in some year not earlier than the birth
      year (numbers are issued at or after birth, so a code created after the
      birth year is normal, one abolished before it is not);
    - Hong Kong / Macau / Taiwan residence permits: exactly 810000 / 820000 / 830000;
    - foreign permanent residence ID (2023): 9, a mainland province code and the
      ISO 3166-1 numeric code of a foreign nationality.
    """
    # Fast path for clean 18-digit mainland numbers: the common case of bulk loads.
    if len(raw) == 18 and raw.isascii() and raw[:17].isdigit() and raw[0] != "9":
        try:
            born = date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
        except ValueError:
            born = None
        if (
            born is not None
            and raw[17] == _MOD11_2_CHARS[(1 - 2 * int(raw[:17], 13)) % 11]
            and born.year >= MIN_BIRTH_YEAR
            and born <= date.today()
            and raw[:6] not in _PERMIT_PREFIXES
            and region_in_use_since(raw[:6], born.year)
        ):
            return raw
    return _parse(raw)[0]


def is_valid_resident_id(raw: str) -> bool:
    """Whether :func:`normalize_resident_id` accepts ``raw``."""
    try:
        normalize_resident_id(raw)
    except InvalidIdNumber:
        return False
    return True


def identify_id_kind(raw: str) -> IdKind:
    """The kind of a valid personal ID number; raises :class:`InvalidIdNumber`."""
    return _parse(raw)[1]


def birth_date_of(id18: str) -> date:
    """The birth date encoded in a valid ID number (any accepted spelling)."""
    return _parse(id18)[2]


def _sex(value: str) -> Sex:
    return Sex.MALE if int(value[16]) % 2 else Sex.FEMALE


def sex_of(id18: str) -> Sex:
    """The sex encoded in a valid ID number: odd 17th digit male, even female.

    The 2023 permanent residence ID follows GB 11643 here as elsewhere.
    """
    return _sex(_parse(id18)[0])


def make_resident_id(region: str, birth: date, sequence: int) -> str:
    """A valid 18-character number for ``region``, ``birth`` and ``sequence`` (0-999).

    ``region`` is the 6-digit place code: a GB/T 2260 code in use in or after the
    birth year, a permit prefix 810000 / 820000 / 830000, or 9 + province code +
    ISO 3166-1 numeric nationality. An odd ``sequence`` gives a man, an even one a
    woman. Raises :class:`InvalidIdNumber` if the result would not validate.
    """
    if not 0 <= sequence <= 999:
        raise _fail("format", f"sequence must be in 0..999: {sequence}")
    if len(region) != 6 or not set(region) <= _DIGITS:
        raise _fail("format", f"region must be 6 digits: {region!r}")
    body = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
    return _parse(body + _mod11_2(body))[0]


def downgrade_to_15(id18: str) -> str:
    """The legacy 15-digit form of a mainland number for a birth in 1900-1999."""
    value, kind, born = _parse(id18)
    if kind is not IdKind.MAINLAND:
        raise _fail("format", f"only mainland numbers have a 15-digit form: {id18!r}")
    if not 1900 <= born.year <= 1999:
        raise _fail(
            "birth_date", f"15-digit numbers hold births in 1900-1999: {id18!r}"
        )
    return value[:6] + value[8:17]


# ------------------------------------------------------------- enterprise identifiers


@dataclass(frozen=True, slots=True)
class CreditCode:
    """A unified social credit code as read, with its parts and its conformity.

    ``conforming`` is False for a well-shaped code that breaks a GB 32100 rule
    (check characters, authority, region): some early pilot-region codes were
    legally issued that way, so they are kept and linked by exact value only.
    ``reason`` names the first broken rule. ``org_code`` is the embedded GB 11714
    organisation code when its own check character holds, else None.
    """

    value: str
    conforming: bool
    reason: str | None
    org_code: str | None
    registration_authority: RegistrationAuthority | None
    region: str
    category: str = ""


def uscc_check_char(body17: str) -> str:
    """The GB 32100 MOD 31 check character of a 17-character credit code body."""
    if len(body17) != 17 or not set(body17) <= _USCC_CHARS:
        raise InvalidCreditCode("format", f"credit code body invalid: {body17!r}")
    check: str = _stdnum_uscc.calc_check_digit(body17)
    return check


def org_code_check_char(body8: str) -> str:
    """The GB 11714 check character ("0".."9" or "X") of an 8-character body.

    Weights 3 7 9 10 5 8 4 2, letters count A=10 ... Z=35, check = 11 - sum mod 11
    (10 written X, 11 written 0). python-stdnum has no GB 11714 module.
    """
    if len(body8) != 8 or not set(body8) <= _ORG_CHARS:
        raise InvalidCreditCode("format", f"organisation code body invalid: {body8!r}")
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    return _MOD11_2_CHARS[(11 - total % 11) % 11]


def _clean_enterprise(raw: str) -> str:
    foreign = foreign_characters(raw)
    if foreign:
        raise InvalidCreditCode(
            "format",
            f"characters not accepted in a code ({describe_characters(foreign)})",
        )
    return _nfkc_compact(raw, "-")


def parse_credit_code(raw: str) -> CreditCode:
    """Read a credit code without rejecting it for broken rules other than its shape.

    Spaces and hyphens are dropped, full-width characters converted, letters
    upper-cased. Raises :class:`InvalidCreditCode` only for a wrong length
    (``length``) or characters outside the GB 32100 alphabet, or a non-digit region
    (``format``); any other broken rule sets ``conforming=False`` and ``reason``.
    """
    value = _clean_enterprise(raw)
    if len(value) != 18:
        raise InvalidCreditCode(
            "length", f"credit code must have 18 characters: {raw!r}"
        )
    if not set(value) <= _USCC_CHARS or not value[2:8].isdigit():
        raise InvalidCreditCode("format", f"not a credit code alphabet: {raw!r}")
    authority, category, region, org = value[0], value[1], value[2:8], value[8:17]
    org_ok = org[8] == org_code_check_char(org[:8])
    reason: str | None = None
    if category not in _CATEGORIES.get(authority, ""):
        reason = "authority"
    elif region != _CENTRAL_REGION and not is_known_region(region):
        reason = "region"
    elif not org_ok:
        reason = "org_code"
    elif value[17] != uscc_check_char(value[:17]):
        reason = "checksum"
    return CreditCode(
        value=value,
        conforming=reason is None,
        reason=reason,
        org_code=org if org_ok else None,
        registration_authority=(
            RegistrationAuthority(authority) if authority in _CATEGORIES else None
        ),
        region=region,
        category=category,
    )


def normalize_uscc(raw: str) -> str:
    """The canonical credit code, or raise :class:`InvalidCreditCode`.

    GB 32100-2015: 18 characters from 0-9 and A-Z without I O Z S V; a registration
    authority (1-9, A, N, Y) with a category it allows; a 6-digit region code
    (GB/T 2260 at any time, or 100000 for central-level registrations); the
    embedded GB 11714 organisation code with its check character; the MOD 31 check
    character. Use :func:`parse_credit_code` to keep non-conforming codes.
    """
    code = parse_credit_code(raw)
    if code.reason is not None:
        raise InvalidCreditCode(
            code.reason, f"credit code breaks {code.reason}: {raw!r}"
        )
    return code.value


def is_valid_uscc(raw: str) -> bool:
    """Whether :func:`normalize_uscc` accepts ``raw``."""
    try:
        normalize_uscc(raw)
    except InvalidCreditCode:
        return False
    return True


def make_uscc(authority: str, region: str, org_body8: str) -> str:
    """A valid credit code from a 2-character authority+category (such as "91"),
    a 6-digit region code and an 8-character organisation code body."""
    body = f"{authority}{region}{org_body8}{org_code_check_char(org_body8)}"
    return normalize_uscc(body + uscc_check_char(body))


def org_code_of(uscc: str) -> str:
    """The embedded 9-character organisation code (characters 9-17) of a credit code.

    The credit code must be well-shaped; it may be non-conforming.
    """
    return parse_credit_code(uscc).value[8:17]


def normalize_org_code(raw: str) -> str:
    """The canonical 9-character GB 11714 organisation code (``D2143569-X`` ->
    ``D2143569X``), or raise :class:`InvalidCreditCode`."""
    value = _clean_enterprise(raw)
    if len(value) != 9:
        raise InvalidCreditCode(
            "length", f"organisation code has 9 characters: {raw!r}"
        )
    if not set(value[:8]) <= _ORG_CHARS or value[8] not in _MOD11_2_CHARS:
        raise InvalidCreditCode("format", f"not an organisation code: {raw!r}")
    if value[8] != org_code_check_char(value[:8]):
        raise InvalidCreditCode("checksum", f"check character mismatch in {raw!r}")
    return value


def registration_no_check_digit(body14: str) -> str:
    """The ISO 7064 MOD 11,10 check digit of a 14-digit business registration body."""
    if len(body14) != 14 or not set(body14) <= _DIGITS:
        raise InvalidCreditCode(
            "format", f"registration body must be 14 digits: {body14!r}"
        )
    check: str = mod_11_10.calc_check_digit(body14)
    return check


def normalize_registration_no(raw: str) -> str:
    """The canonical 15-digit business registration number (工商注册号), or raise
    :class:`InvalidCreditCode`; the last digit is an ISO 7064 MOD 11,10 check."""
    value = _clean_enterprise(raw)
    if not set(value) <= _DIGITS:
        raise InvalidCreditCode("format", f"registration number is digits: {raw!r}")
    if len(value) != 15:
        raise InvalidCreditCode("length", f"registration number has 15 digits: {raw!r}")
    if value[14] != registration_no_check_digit(value[:14]):
        raise InvalidCreditCode("checksum", f"check digit mismatch in {raw!r}")
    return value
