"""Candidate rules: typo neighbours, blocking, scores and ranking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.model import Candidate, CandidateRule, Sex
from linkage.candidates import (
    FUZZY_FLOOR,
    MAX_CANDIDATES,
    WEIGHTS,
    Target,
    TargetIndex,
    fuzzy_candidates,
    query_tokens,
    rank_candidates,
    score_candidate,
    sound_key,
)
from linkage.ids import is_valid_resident_id
from linkage.records import RESIDENT_ID, link_record, one_typo_neighbours
from tests.factories import resident_id

BORN = date(1980, 4, 5)


def target(key: str, *names: str, **fields: object) -> Target:
    return Target(key, {n: n for n in names}, **fields)  # type: ignore[arg-type]


# -- typo neighbours ------------------------------------------------------------------


def test_an_18_character_number_has_163_substitutions_and_its_transpositions() -> None:
    number = resident_id(3)
    neighbours = one_typo_neighbours(RESIDENT_ID, number)
    swaps = sum(1 for i in range(17) if number[i] != number[i + 1])
    assert len(neighbours) == 17 * 9 + 10 + swaps
    assert len(set(neighbours)) == len(neighbours)
    assert number not in neighbours


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 5000), position=st.integers(0, 16), shift=st.integers(1, 9))
def test_every_single_typo_is_caught_and_recovered(
    n: int, position: int, shift: int
) -> None:
    number = resident_id(n)
    digit = str((int(number[position]) + shift) % 10)
    typo = number[:position] + digit + number[position + 1 :]
    assert not is_valid_resident_id(typo)
    assert number in one_typo_neighbours(RESIDENT_ID, typo)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 5000))
def test_neighbourhood_is_symmetric(n: int) -> None:
    number = resident_id(n)
    for neighbour in one_typo_neighbours(RESIDENT_ID, number):
        assert number in one_typo_neighbours(RESIDENT_ID, neighbour)


# -- blocking -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("张伟", "張偉", True),  # traditional form
        ("张伟", "张玮", True),  # homophone
        ("张伟", "章伟", True),  # homophone surname
        ("张伟", "张强", False),
        ("阿卜杜·热合曼", "阿卜杜热合曼", True),  # the name dot is no sound
    ],
)
def test_sound_keys(a: str, b: str, same: bool) -> None:
    from linkage.names import normalize_name

    assert (sound_key(normalize_name(a)) == sound_key(normalize_name(b))) is same


def test_a_record_with_a_birth_date_blocks_on_it_and_else_on_sound() -> None:
    dated = link_record("a#1", {"name": "张伟", "birth_date": "1980-04-05"})
    undated = link_record("a#2", {"name": "张伟"})
    assert query_tokens(dated) == {("b", BORN), ("nb", "zhangwei")}
    assert query_tokens(undated) == {("s", "zhangwei")}


def test_the_index_files_and_unfiles_targets() -> None:
    index = TargetIndex()
    changed: set[tuple[str, object]] = set()
    index.put(target("P1", "张伟", birth_date=BORN), changed)
    assert changed == {("b", BORN), ("s", "zhangwei")}
    undated = link_record("q#1", {"name": "張偉"})
    assert index.block(undated) == {"P1"}
    changed.clear()
    index.remove("P1", changed)
    assert changed == {("b", BORN), ("s", "zhangwei")}
    assert index.block(undated) == set()


# -- scores ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, WEIGHTS["name"]),
        ({"birth_date": "1980-04-05"}, WEIGHTS["name"] + WEIGHTS["birth_date"]),
        (
            {"birth_date": "1980-04-05", "sex": "M"},
            WEIGHTS["name"] + WEIGHTS["birth_date"] + WEIGHTS["sex"],
        ),
        (
            {"credit_code": "91510100MA0000000X"},
            WEIGHTS["name"] + WEIGHTS["enterprise"],
        ),
        ({"birth_date": "1980-04-06"}, None),  # another birth date: not this person
        ({"sex": "F"}, None),
    ],
)
def test_fuzzy_scores_add_up_evidence(
    fields: dict[str, str], expected: float | None
) -> None:
    record = link_record("r#1", {"name": "张伟", **fields})
    person = target(
        "P",
        "张伟",
        birth_date=BORN,
        sex=Sex.MALE,
        enterprises=frozenset({record.enterprise})
        if record.enterprise
        else frozenset(),
    )
    found = score_candidate(record, person, CandidateRule.FUZZY)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert found.score == pytest.approx(expected)
        assert found.reasons[0] == "name 张伟 ~ 张伟: 1.00"


def test_a_weak_name_alone_stays_below_the_floor() -> None:
    record = link_record("r#1", {"name": "张伟"})
    assert score_candidate(record, target("P", "张强"), CandidateRule.FUZZY) is None
    assert WEIGHTS["name"] * 0.3 < FUZZY_FLOOR


def test_a_typo_candidate_needs_a_compatible_name_and_names_what_disagrees() -> None:
    record = link_record("r#1", {"name": "张伟", "birth_date": "1980-04-06"})
    person = target("P", "张伟", birth_date=BORN)
    found = score_candidate(record, person, CandidateRule.ID_TYPO, id_evidence="typo")
    assert found is not None
    assert found.reasons[0] == "typo"
    assert any("differs" in reason for reason in found.reasons)
    stranger = target("Q", "李娜", birth_date=BORN)
    assert score_candidate(record, stranger, CandidateRule.ID_TYPO) is None


def test_fuzzy_candidates_keep_the_best_and_never_the_record_itself() -> None:
    index = TargetIndex()
    for n in range(12):
        index.put(target(f"P{n:02d}", "张伟", birth_date=date(1950 + n, 1, 1)))
    index.put(target("q#1", "张伟"))
    record = link_record("q#1", {"name": "张伟"})
    found = fuzzy_candidates(record, index)
    assert len(found) == MAX_CANDIDATES
    assert [c.target for c in found] == ["P00", "P01", "P02", "P03", "P04"]
    assert found[0].reasons[0] == "blocked on name sound zhangwei"


# -- ranking --------------------------------------------------------------------------

candidate_lists = st.lists(
    st.builds(
        Candidate,
        record_key=st.just("r#1"),
        target=st.sampled_from(["P1", "P2", "P3", "x#1", "x#2", "P4", "P5", "P6"]),
        score=st.floats(0.5, 0.99).map(lambda f: round(f, 2)),
        rule=st.sampled_from(CandidateRule),
        reasons=st.just(("r",)),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(candidates=candidate_lists)
def test_ranking_is_order_free_one_per_target_and_best_first(
    candidates: list[Candidate],
) -> None:
    ranked = rank_candidates(candidates)
    assert ranked == rank_candidates(reversed(candidates))
    assert [c.rank for c in ranked] == list(range(1, len(ranked) + 1))
    assert len({c.target for c in ranked}) == len(ranked) <= MAX_CANDIDATES
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    for c in ranked:
        assert c.score == max(d.score for d in candidates if d.target == c.target)


@settings(max_examples=100, deadline=None)
@given(
    a=st.sampled_from(["张伟", "張偉", "张玮", "李娜", "欧阳娜娜", "John Smith"]),
    b=st.sampled_from(["张伟", "張偉", "张玮", "李娜", "歐陽娜娜", "SMITH, JOHN"]),
)
def test_fuzzy_scores_are_symmetric(a: str, b: str) -> None:
    ra = link_record("a#1", {"name": a})
    rb = link_record("b#1", {"name": b})
    ta = target("a#1", ra.name_key)
    tb = target("b#1", rb.name_key)
    one = score_candidate(ra, tb, CandidateRule.FUZZY)
    two = score_candidate(rb, ta, CandidateRule.FUZZY)
    assert (one and one.score) == (two and two.score)
