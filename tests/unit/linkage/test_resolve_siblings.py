"""Possible duplicate identities: valid numbers one typo apart (``number_typo``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.model import CandidateRule, Judgement, JudgementRecord
from linkage.records import (
    PERSON_FIELDS,
    RESIDENT_ID,
    FieldMapping,
    link_record,
    one_typo_neighbours,
    plain_id_scheme,
)
from linkage.resolver import Resolver, resolve
from tests.factories import resident_id

if TYPE_CHECKING:
    from linkage.records import LinkRecord

PLAIN = FieldMapping(scheme=plain_id_scheme("plain", pattern=r"\d{7}"))
NUMBER = "4173926"  # made up; the plain scheme has no check character
T0 = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def rec(key: str, name: str, number: str, born: str = "") -> LinkRecord:
    return link_record(
        key, {"name": name, "id_number": number, "birth_date": born}, PLAIN
    )


def judged(a: str, b: str, verdict: Judgement) -> JudgementRecord:
    return JudgementRecord("J1", a, b, verdict, "审核员", T0)


# written number of b#1 -> is it proposed (and how the evidence names the typo)
TYPOS = [
    ("4173927", "character 7 7->6"),  # one substitution
    ("1473926", "characters 1-2 swapped"),  # adjacent transposition
    ("4173928", "character 7 8->6"),
    ("4713926", "characters 2-3 swapped"),
]


@pytest.mark.parametrize(("other", "how"), TYPOS)
def test_identities_one_typo_apart_are_proposed_never_merged(
    other: str, how: str
) -> None:
    result = resolve(
        [
            rec("a#1", "张伟", NUMBER, "1961-02-03"),
            rec("a#2", "張偉", NUMBER),
            rec("b#1", "张伟", other, "1961-02-03"),
        ],
        mapping=PLAIN,
    )
    assert result.assignment["b#1"] == other  # resolved under its own number
    assert result.assignment["a#1"] == NUMBER
    # the smaller identity's record is proposed for the larger one, not back
    (best,) = result.candidates["b#1"]
    assert (best.target, best.rule) == (NUMBER, CandidateRule.NUMBER_TYPO)
    assert best.reasons[0] == (
        f"numbers one typo apart (both valid): {other} is one typo ({how}) "
        f"from {NUMBER}"
    )
    assert "birth date 1961-02-03 equal" in best.reasons
    assert "a#1" not in result.candidates
    assert "a#2" not in result.candidates


@pytest.mark.parametrize(
    ("other", "name", "born"),
    [
        ("4173937", "张伟", ""),  # two substitutions
        ("1743926", "张伟", ""),  # a swap that is not adjacent
        ("4173927", "王强", ""),  # incompatible names
        ("4173927", "张伟", "1975-06-07"),  # stated birth dates contradict
    ],
)
def test_no_candidate_between_identities(other: str, name: str, born: str) -> None:
    result = resolve(
        [rec("a#1", "张伟", NUMBER, "1961-02-03"), rec("b#1", name, other, born)],
        mapping=PLAIN,
    )
    assert result.candidates == {}


def test_between_equal_identities_the_smaller_number_proposes() -> None:
    records = [rec("a#1", "张伟", NUMBER), rec("b#1", "张伟", "4173927")]
    forward = resolve(records, mapping=PLAIN)
    backward = resolve(records[::-1], mapping=PLAIN)
    assert forward == backward
    assert set(forward.candidates) == {"a#1"}
    assert forward.candidates["a#1"][0].target == "4173927"


def test_judged_different_suppresses_the_proposal() -> None:
    records = [rec("a#1", "张伟", NUMBER), rec("b#1", "张伟", "4173927")]
    for a, b in (("a#1", "4173927"), (NUMBER, "4173927"), ("4173927", NUMBER)):
        result = resolve(records, [judged(a, b, Judgement.DIFFERENT)], PLAIN)
        assert result.candidates == {}, (a, b)
        assert result.assignment == {"a#1": NUMBER, "b#1": "4173927"}


def test_judged_same_merges_the_record_into_the_other_identity() -> None:
    records = [rec("a#1", "张伟", NUMBER), rec("b#1", "张伟", "4173927")]
    result = resolve(records, [judged("a#1", "4173927", Judgement.SAME)], PLAIN)
    assert result.assignment == {"a#1": "4173927", "b#1": "4173927"}
    assert result.candidates == {}
    assert "judgement" in result.identities["4173927"].rules


def test_candidates_follow_incremental_changes() -> None:
    resolver = Resolver(PLAIN)
    resolver.add([rec("a#1", "张伟", NUMBER), rec("a#2", "张伟", NUMBER)])
    assert resolver.resolve().candidates == {}
    resolver.add([rec("b#1", "张伟", "4173927")])
    assert set(resolver.resolve().candidates) == {"b#1"}
    resolver.remove(["a#1", "a#2"])  # the other side is gone
    assert resolver.resolve().candidates == {}
    resolver.add([rec("a#1", "张伟", NUMBER)])  # back, equal in size
    assert set(resolver.resolve().candidates) == {"a#1"}
    resolver.add([rec("b#1", "王强", "4173927")])  # the name changed
    assert resolver.resolve().candidates == {}


# -- a scheme with a check character ----------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    sequence=st.integers(0, 999),
    birth=st.dates(date(1900, 1, 1), date(2020, 12, 31)),
)
def test_no_two_valid_resident_ids_are_one_typo_apart(
    sequence: int, birth: date
) -> None:
    # MOD 11-2 fails on every single substitution and adjacent transposition, so
    # under RESIDENT_ID the rule has nothing to find in 18-digit numbers (a valid
    # 15-digit number one typo away is the lone legacy rule's case)
    number = resident_id(sequence, birth=birth)
    for neighbour in one_typo_neighbours(RESIDENT_ID, number):
        with pytest.raises(ValueError, match=r"."):
            RESIDENT_ID.normalize(neighbour)


def test_a_checksum_failing_typo_stays_an_id_typo_candidate() -> None:
    number = resident_id(11, birth=date(1961, 2, 3))
    typo = number[:9] + str((int(number[9]) + 1) % 10) + number[10:]
    records = [
        link_record("a#1", {"name": "张伟", "id_number": number}, PERSON_FIELDS),
        link_record("b#1", {"name": "张伟", "id_number": typo}, PERSON_FIELDS),
    ]
    result = resolve(records)
    assert result.assignment["b#1"] is None
    assert result.candidates["b#1"][0].rule is CandidateRule.ID_TYPO
    assert all(
        c.rule is not CandidateRule.NUMBER_TYPO
        for cs in result.candidates.values()
        for c in cs
    )
