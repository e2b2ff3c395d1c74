"""Enterprise identifiers in rows: credit codes and legacy identifiers, and the rule
that a legacy identifier names the one enterprise claiming it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.model import Enterprise
from linkage.enterprises import (
    EnterpriseIndex,
    LegacyId,
    LegacyKind,
    LegacyMatch,
    legacy_claims_of,
    parse_enterprise_ref,
)
from linkage.ids import CreditCode, InvalidCreditCode, org_code_check_char
from tests.factories import credit_code

CODE = credit_code(5)  # embeds 00000005 + its check character
ORG = "D2143569X"  # GB 11714's worked example
# well-shaped, but the embedded organisation code fails its own check
BROKEN = CODE[:16] + ("1" if CODE[16] != "1" else "2") + CODE[17]
REG = "110108000000016"  # a registration number with its MOD 11,10 check digit

ORG_CODE = LegacyKind.ORG_CODE
REG_NO = LegacyKind.REGISTRATION_NO


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("D2143569-X", LegacyId(ORG_CODE, ORG)),
        ("D2143569X", LegacyId(ORG_CODE, ORG)),
        ("d2143569-x", LegacyId(ORG_CODE, ORG)),
        (" D2143569 - X ", LegacyId(ORG_CODE, ORG)),
        ("Ｄ２１４３５６９－Ｘ", LegacyId(ORG_CODE, ORG)),  # full width
        (REG, LegacyId(REG_NO, REG)),
        ("110108 000000016", LegacyId(REG_NO, REG)),
        ("１１０１０８０００００００１６", LegacyId(REG_NO, REG)),
    ],
)
def test_legacy_spellings(raw: str, expected: LegacyId) -> None:
    assert parse_enterprise_ref(raw) == expected


@pytest.mark.parametrize("raw", [CODE, CODE.lower(), f"{CODE[:9]} {CODE[9:]}"])
def test_credit_code_spellings(raw: str) -> None:
    ref = parse_enterprise_ref(raw)
    assert isinstance(ref, CreditCode)
    assert ref.value == CODE


@pytest.mark.parametrize(
    ("raw", "reason", "named"),
    [
        ("D2143569-1", "checksum", "organisation code"),
        ("D21435*9X", "format", "organisation code"),
        ("110108000000017", "checksum", "registration number"),
        ("11010800000001A", "format", "registration number"),
        ("I1510100123456788M", "format", "credit code"),
        ("abc", "length", "not a credit code"),
        ("1234567890", "length", "not a credit code"),
        ("", "length", "not a credit code"),
    ],
)
def test_bad_identifiers_say_what_they_were_taken_for(
    raw: str, reason: str, named: str
) -> None:
    with pytest.raises(InvalidCreditCode) as info:
        parse_enterprise_ref(raw)
    assert info.value.reason == reason
    assert named in str(info.value)


def test_non_conforming_credit_codes_stay_credit_codes() -> None:
    ref = parse_enterprise_ref("91350200M000000510")  # Xiamen pilot code
    assert isinstance(ref, CreditCode)
    assert not ref.conforming


@pytest.mark.parametrize(
    ("enterprise", "claims"),
    [
        (Enterprise(CODE, ""), {CODE[8:17]}),
        (Enterprise(CODE, "", org_code=CODE[8:17]), {CODE[8:17]}),
        (Enterprise(CODE, "", registration_no=REG), {CODE[8:17], REG}),
        (Enterprise(CODE, "", org_code=ORG), {CODE[8:17], ORG}),
        # the embedded part fails its own check: no embedded claim
        (Enterprise(BROKEN, "", org_code=ORG), {ORG}),
    ],
)
def test_claims(enterprise: Enterprise, claims: set[str]) -> None:
    assert legacy_claims_of(enterprise) == claims


@pytest.mark.parametrize(
    ("claimants", "credit_code", "ambiguous", "words"),
    [
        ((), None, False, "names no known enterprise"),
        ((CODE,), CODE, False, f"names {CODE}"),
        ((CODE, credit_code(6)), None, True, "claimed by 2 enterprises"),
    ],
)
def test_a_legacy_identifier_names_only_its_one_claimant(
    claimants: tuple[str, ...], credit_code: str | None, ambiguous: bool, words: str
) -> None:
    match = LegacyMatch(LegacyId(ORG_CODE, ORG), claimants)
    assert match.credit_code == credit_code
    assert match.ambiguous is ambiguous
    assert words in match.describe()
    assert "organisation code D2143569X" in match.describe()


def test_the_index_matches_as_the_claims_say() -> None:
    other = credit_code(6)
    index = EnterpriseIndex.of(
        [
            Enterprise(CODE, "", registration_no=REG),
            Enterprise(other, "", registration_no=REG),
            Enterprise(credit_code(7), "", org_code=ORG),
        ]
    )
    assert index.match(LegacyId(REG_NO, REG)) == LegacyMatch(
        LegacyId(REG_NO, REG), tuple(sorted((CODE, other)))
    )
    assert index.match(LegacyId(ORG_CODE, ORG)).credit_code == credit_code(7)
    assert index.match(LegacyId(ORG_CODE, CODE[8:17])).credit_code == CODE
    assert index.credit_code_of(REG) is None  # a conflict names none


_ORG_BODIES = st.text(
    alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8
)


@given(body=_ORG_BODIES, hyphen=st.booleans(), lower=st.booleans())
def test_any_spelling_of_an_org_code_parses_to_it(
    body: str, hyphen: bool, lower: bool
) -> None:
    canonical = body + org_code_check_char(body)
    written = f"{body}-{canonical[8]}" if hyphen else canonical
    ref = parse_enterprise_ref(written.lower() if lower else written)
    assert ref == LegacyId(ORG_CODE, canonical)
    assert parse_enterprise_ref(canonical) == ref  # idempotent
