"""Rules of linkage.names as tables, and its invariants as properties."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypinyin import Style, pinyin

from linkage.names import (
    _SURNAME_READINGS,
    COMPATIBLE_THRESHOLD,
    NAME_DOT,
    blocking_keys,
    name_similarity,
    names_compatible,
    normalize_name,
    pinyin_key,
)

# --- normalize_name ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # traditional -> simplified
        ("張偉", "张伟"),
        ("歐陽修", "欧阳修"),
        ("劉麗華", "刘丽华"),
        ("张伟", "张伟"),
        # standard characters of names that t2s would turn into other names
        ("张乾", "张乾"),
        ("於梨华", "於梨华"),
        # compatibility forms: a Kangxi radical, a CJK compatibility ideograph
        ("王\u2f08", "王人"),
        ("李\uf9d1", "李六"),  # U+F9D1 is a compatibility form of 六
        # whitespace
        (" 张伟 ", "张伟"),
        ("张　伟", "张伟"),
        ("张 \t 伟\n", "张伟"),
        # name dots of transliterated names, in every spelling
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("阿卜杜.热合曼", "阿卜杜·热合曼"),
        ("阿卜杜•热合曼", "阿卜杜·热合曼"),
        ("阿卜杜・热合曼", "阿卜杜·热合曼"),
        ("阿卜杜‧热合曼", "阿卜杜·热合曼"),
        ("阿卜杜．热合曼", "阿卜杜·热合曼"),
        ("阿卜杜 · 热合曼", "阿卜杜·热合曼"),
        ("阿卜杜··热合曼", "阿卜杜·热合曼"),
        ("阿卜杜-热合曼", "阿卜杜·热合曼"),
        ("·阿卜杜·热合曼·", "阿卜杜·热合曼"),
        ("阿卜杜 热合曼", "阿卜杜热合曼"),
        # other punctuation
        ("张伟！", "张伟"),
        ("“张伟”", "张伟"),
        # Latin names
        ("John Smith", "JOHN SMITH"),
        ("  john   SMITH ", "JOHN SMITH"),
        ("ＪＯＨＮ　ＳＭＩＴＨ", "JOHN SMITH"),
        ("SMITH, JOHN", "JOHN SMITH"),
        ("Smith,John", "JOHN SMITH"),
        ("SMITH，JOHN", "JOHN SMITH"),
        ("O'Brien", "OBRIEN"),
        ("Jean-Paul Sartre", "JEAN PAUL SARTRE"),
        ("J.R.R. Tolkien", "J R R TOLKIEN"),
        ("José Núñez", "JOSE NUNEZ"),
        ("Straße", "STRASSE"),
        # mixed
        ("李 Lily", "李 LILY"),
        ("李-Lily", "李 LILY"),
        ("Lily·李", "LILY 李"),
        ("李Lily", "李LILY"),
    ],
)
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "·", "...", "——", "\u0301", "'"])
def test_normalize_name_rejects_names_without_letters(raw: str) -> None:
    with pytest.raises(ValueError, match="no letter or digit"):
        normalize_name(raw)


# --- pinyin_key --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张伟", "zhang wei"),
        ("張偉", "zhang wei"),
        ("吕布", "lv bu"),
        # heteronym surnames take their surname reading...
        ("单田芳", "shan tian fang"),
        ("曾国藩", "zeng guo fan"),
        ("解缙", "xie jin"),
        ("仇英", "qiu ying"),
        ("区志明", "ou zhi ming"),
        ("查良镛", "zha liang yong"),
        ("朴树", "piao shu"),
        ("翟志刚", "zhai zhi gang"),
        ("万俟卨", "mo qi xie"),
        ("尉迟恭", "yu chi gong"),
        # ...but only in the surname position
        ("张单", "zhang dan"),
        ("李曾", "li ceng"),
        ("单", "dan"),
        ("欧阳修", "ou yang xiu"),
        ("买买提·吐尔逊", "mai mai ti tu er xun"),
        ("买买提吐尔逊", "mai mai ti tu er xun"),
        ("SMITH, JOHN", "john smith"),
    ],
)
def test_pinyin_key(name: str, expected: str) -> None:
    assert pinyin_key(name) == expected


@pytest.mark.parametrize(("surname", "readings"), sorted(_SURNAME_READINGS.items()))
def test_surname_readings_are_readings_pypinyin_knows(
    surname: str, readings: tuple[str, ...]
) -> None:
    known = pinyin(surname, style=Style.NORMAL, heteronym=True)
    assert len(known) == len(readings)
    for reading, options in zip(readings, known, strict=True):
        assert reading in options


# --- name_similarity ----------------------------------------------------------------

# Tiers from most to least alike: equal within a tier, strictly lower below it.
SIMILARITY_TIERS: list[list[tuple[str, str]]] = [
    [("张伟", "张伟"), ("张伟", "張偉"), ("阿卜杜·热合曼", "阿卜杜热合曼")],
    [("张伟", "张玮"), ("张伟明", "张玮明"), ("李娜", "李那")],  # homophone
    [("张己", "张已"), ("王未", "王末")],  # visually similar (same four corners)
    [("张伟", "张文")],  # same pinyin initial only
    [("张伟", "张强"), ("张伟明", "张伟强")],  # one different character
    [("张伟", "李强"), ("张伟明", "李国强")],  # different people
]


def test_similarity_tiers_are_ordered() -> None:
    scores = [[name_similarity(a, b) for a, b in tier] for tier in SIMILARITY_TIERS]
    for tier in scores:
        assert len(set(tier)) == 1, tier
    firsts = [tier[0] for tier in scores]
    assert firsts == sorted(firsts, reverse=True)
    assert len(set(firsts)) == len(firsts), firsts
    assert firsts[0] == 1.0
    assert firsts[-1] == 0.0


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("张伟", "张玮", 0.85, 0.9),  # typical pinyin typo
        ("张伟", "张强", 0.0, 0.35),  # one of two characters differs: weak evidence
        ("张伟", "李伟", 0.0, 0.35),
        ("张伟", "张伟明", 0.3, 0.55),  # a missing character: moderate-low
        ("欧阳伟明", "欧伟明", 0.3, 0.55),
        ("张伟明", "张明伟", 0.4, 0.6),  # swapped given-name characters
        ("阿卜杜·热合曼", "阿布都·热合曼", 0.8, 0.9),  # two sound variants, long name
        ("阿卜杜·热合曼", "阿卜杜·艾买提", 0.0, 0.1),
        ("SMITH, JOHN", "John Smith", 1.0, 1.0),
        ("JOHN SMITH", "JON SMITH", 0.85, 0.95),
        ("张伟", "ZHANG WEI", 0.8, 0.85),  # romanisation: a homophone at best
        ("张伟", "WEI ZHANG", 0.8, 0.85),
        ("张伟", "LI QIANG", 0.0, 0.3),
    ],
)
def test_similarity_bounds(a: str, b: str, low: float, high: float) -> None:
    assert low <= name_similarity(a, b) <= high


def test_surname_disagreement_costs_more_than_given_name() -> None:
    assert name_similarity("张伟", "章伟") < name_similarity("张伟", "张玮")
    assert name_similarity("张伟", "李伟") < name_similarity("张伟", "张强")


def test_rare_readings_do_not_make_homophones() -> None:
    # pypinyin lists "yu" among the readings of 王; 王伟 and 于伟 are not a typo apart.
    assert name_similarity("王伟", "于伟") < name_similarity("王伟", "汪伟")
    assert not names_compatible("王伟", "于伟")


@pytest.mark.parametrize(
    ("a", "b", "compatible"),
    [
        ("张伟", "张伟", True),
        ("张伟", "張偉", True),
        ("张伟", " 张 伟 ", True),
        ("张伟", "张玮", True),
        ("张伟", "章伟", True),
        ("刘洋", "柳洋", True),
        ("张峰", "张锋", True),
        ("阿卜杜·热合曼", "阿卜杜.热合曼", True),
        ("阿卜杜·热合曼", "阿布都·热合曼", True),
        ("SMITH, JOHN", "John Smith", True),
        ("JOHN SMITH", "JON SMITH", True),
        ("张伟", "ZHANG WEI", True),
        ("张伟", "张强", False),
        ("张伟", "李伟", False),
        ("张伟", "张己", False),
        ("张己", "张已", False),  # a look-alike in a two-character name is not enough
        ("张伟", "章玮", False),  # both characters changed
        ("张伟", "张伟明", False),
        ("张伟明", "张伟强", False),  # siblings share a generation character
        ("欧阳伟明", "欧阳伟强", False),
        ("张乾", "张干", False),
        ("JOHN SMITH", "JANE SMITH", False),
        ("张伟", "LI QIANG", False),
    ],
)
def test_names_compatible(a: str, b: str, compatible: bool) -> None:
    assert names_compatible(a, b) is compatible
    assert (name_similarity(a, b) >= COMPATIBLE_THRESHOLD) is compatible


# --- blocking_keys ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张伟", ("py:zhang wei", "hd:张", "tl:伟")),
        ("張偉", ("py:zhang wei", "hd:张", "tl:伟")),
        ("欧阳伟明", ("py:ou yang wei ming", "hd:欧", "tl:阳伟明")),
        ("单", ("py:dan", "hd:单")),
        ("阿卜杜.热合曼", ("py:a bo du re he man", "pt:阿卜杜", "pt:热合曼")),
        ("阿卜杜热合曼", ("py:a bo du re he man", "hd:阿卜", "tl:杜热合曼")),
        ("SMITH, JOHN", ("tk:JOHN", "tk:SMITH")),
    ],
)
def test_blocking_keys(name: str, expected: tuple[str, ...]) -> None:
    assert blocking_keys(name) == expected


# --- properties --------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾单解区欧阳"
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
NAME_ALPHABET = "张伟張偉玮章强李明欧阳单曾乾於·.•・ -,'ＡaBcÉé　\t"


def _normalizes(raw: str) -> bool:
    try:
        normalize_name(raw)
    except ValueError:
        return False
    return True


chinese_names = st.builds(
    lambda surname, given: surname + given,
    st.sampled_from(SURNAMES),
    st.text(HAN, min_size=1, max_size=3),
)
any_names = st.one_of(
    chinese_names,
    st.text(NAME_ALPHABET, max_size=8),
    st.text(max_size=10),
).filter(_normalizes)


@given(st.one_of(st.text(NAME_ALPHABET, max_size=8), st.text(max_size=12)))
def test_normalize_name_is_idempotent_and_canonical(raw: str) -> None:
    try:
        normalized = normalize_name(raw)
    except ValueError:
        folded = unicodedata.normalize("NFKC", raw)
        assert not any(ch.isalnum() for ch in folded if ch not in "'‘’ʼ`")
        return
    assert normalize_name(normalized) == normalized
    assert normalized == normalized.strip()
    assert "  " not in normalized
    assert normalized == normalized.upper()
    for i, ch in enumerate(normalized):
        if ch == NAME_DOT:
            assert 0 < i < len(normalized) - 1
            assert normalized[i - 1] not in {" ", NAME_DOT}
            assert normalized[i + 1] not in {" ", NAME_DOT}


@given(any_names)
def test_similarity_with_itself_is_one(name: str) -> None:
    assert name_similarity(name, name) == 1.0
    assert name_similarity(name, normalize_name(name)) == 1.0
    assert names_compatible(name, name)


@given(any_names, any_names)
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    score = name_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == name_similarity(b, a)


@given(any_names)
def test_keys_depend_on_the_normalised_name_only(name: str) -> None:
    normalized = normalize_name(name)
    assert pinyin_key(name) == pinyin_key(normalized)
    assert blocking_keys(name) == blocking_keys(normalized)


@given(chinese_names, st.data())
def test_one_typo_keeps_a_shared_blocking_key(name: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(name) - 1))
    variant = name[:position] + data.draw(HAN) + name[position + 1 :]
    assert set(blocking_keys(name)) & set(blocking_keys(variant))


@given(chinese_names, st.data())
def test_a_homophone_typo_stays_compatible(name: str, data: st.DataObject) -> None:
    # 3- and 4-character names whose last character is replaced by a homophone.
    homophones = {"伟": "玮", "明": "铭", "华": "桦", "丽": "莉", "峰": "锋"}
    given_name = data.draw(st.sampled_from(sorted(homophones)))
    original = name[:2] + given_name
    variant = name[:2] + homophones[given_name]
    assert names_compatible(original, variant)
