"""Search keys and ranking, pure: every written form of a name looks up a key the
name is filed under, and the ranking's rules as a table."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from graph.model import Named, Sex
from linkage.names import pinyin_key
from linkage.search_keys import (
    enterprise_keys,
    enterprise_query_keys,
    person_keys,
    person_query_keys,
    split_id_tail,
)
from linkage.search_rank import HitKind, rank_hits
from loaders.generator.names import NameMaker, homophone_of, to_traditional
from tests.factories import resident_id

ID = resident_id(1)


def _found(query: str, keys: tuple[str, ...]) -> bool:
    wanted = person_query_keys(query)
    return bool(set(wanted.exact + wanted.grams) & set(keys))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(list(Sex)), st.integers(1940, 2005))
def test_every_written_form_of_a_name_finds_it(seed: int, sex: Sex, year: int) -> None:
    rng = random.Random(seed)
    name = NameMaker().make(rng, sex, year)
    keys = person_keys(ID, [name])
    # the surname's own reading (曾 zeng, 单 shan), as linkage.names reads it
    syllables = pinyin_key(name).split()
    toned = lazy_pinyin(name, style=Style.TONE)
    forms = [
        name,
        to_traditional(name) or name,
        homophone_of(rng, name) or name,
        " ".join(syllables),
        "".join(syllables),
        "".join(s[0] for s in syllables),
        f"{name} {ID[-4:]}",
    ]
    if lazy_pinyin(name) == syllables:  # tones only where the readings agree
        forms.append(" ".join(toned))
    if len(name) >= 3:
        forms += [name[1:], name[:-1] + "某"]
    for form in forms:
        assert _found(form, keys), (name, form)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("王伟 1234", ("王伟", "1234")),
        ("王伟123x", ("王伟", "123X")),
        ("王伟", ("王伟", "")),
        ("王伟 12", ("王伟 12", "")),
        ("110105194912310021", ("110105194912310021", "")),
    ],
)
def test_split_id_tail(text: str, expected: tuple[str, str]) -> None:
    assert split_id_tail(text) == expected


def test_enterprise_keys_and_queries() -> None:
    keys = enterprise_keys("北京華夏建設集團有限公司")
    assert "n_北京华夏建设集团有限公司" in keys
    assert set(enterprise_query_keys("华夏建设").grams) <= set(keys)
    assert enterprise_query_keys("915101000000000276") == enterprise_query_keys("")


def test_ranking_rules() -> None:
    wang, namesake, other = resident_id(1), resident_id(2), resident_id(3)
    persons = [
        Named(wang, "王建国"), Named(namesake, "王建國"), Named(other, "王建图")
    ]  # fmt: skip
    hits = rank_hits("王建国", persons=persons)
    assert [(h.key, h.score, h.reasons[0]) for h in hits][:2] == [
        (wang, 1.0, "same name"), (namesake, 1.0, "same name")
    ]  # fmt: skip
    assert hits[2].key == other
    assert "one character different" in hits[2].reasons
    assert all(h.kind is HitKind.PERSON for h in hits)
    tail = rank_hits(f"王建国 {namesake[-4:]}", persons=persons)
    assert [h.key for h in tail] == [namesake]
    assert tail[0].reasons[-1] == "ID number ends with the digits given"
