"""Personal names: normalisation, pinyin keys, similarity and blocking keys.

Names never merge identities on their own: identities merge on equal resident ID
numbers or on a recorded judgement. Names only propose candidates and decide whether
a name is *compatible* with an identity, so every score here errs towards "different
people" (a wrong merge blames an innocent person). The rules and their reasons are in
``docs/names.md``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from itertools import combinations
from typing import TYPE_CHECKING, Final

import opencc
from pypinyin import Style, pinyin
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, LCSseq

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "COMPATIBLE_THRESHOLD",
    "blocking_keys",
    "name_similarity",
    "names_compatible",
    "normalize_name",
    "pinyin_key",
]

COMPATIBLE_THRESHOLD: Final = 0.75
"""Lowest similarity at which two names count as one person's name.

Passes: equal names, one homophone typo (张伟/张玮 0.88, 张伟/章伟 0.80), a dropped or
inserted name dot, two homophone typos in a long transliterated name, one-letter
typos in Latin names. Fails: a visually similar or otherwise different character in a
short name (张己/张已 0.60, 张伟/张强 0.30), a missing character (张伟/张伟明 0.45).
"""

NAME_DOT: Final = "·"
"""The one separator kept inside transliterated names (阿卜杜·热合曼)."""

# --- normalisation ---------------------------------------------------------------

# Characters used as the dot of transliterated names; between two Han characters any
# of them (or a dash) becomes NAME_DOT, elsewhere it separates words.
_NAME_DOTS: Final = frozenset(".·•・‧∙⋅●。⸱᛫")
# Removed without leaving a word break: O'BRIEN and OBRIEN are one name.
_JOINERS: Final = frozenset("'‘’ʼ`")
# 乾 and 於 are standard simplified characters in names (qián; the surname Yū), but
# t2s maps them to 干 and 于, which would make different names equal.
_KEEP_AS_IS: Final = frozenset("乾於")
# The common case, a name of basic-block Han characters only, skips the Unicode work:
# these code points have no decomposition and no case.
_BASIC_HAN_RE: Final = re.compile("[\u4e00-\u9fff]+")

_T2S: Final = opencc.OpenCC("t2s")


def _is_han(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x323AF
        or 0xF900 <= code <= 0xFAFF
        or code == 0x3007  # 〇
    )


@cache
def _simplify_char(ch: str) -> str:
    """One Han character in simplified form (character by character, no phrases)."""
    if ch in _KEEP_AS_IS:
        return ch
    current = ch
    for _ in range(3):  # iterate to a fixed point so that normalising is idempotent
        converted = _T2S.convert(current)
        if (
            len(converted) != 1
            or converted == current
            or not _is_han(converted)
            or not unicodedata.is_normalized("NFKC", converted)
        ):
            break
        current = converted
    return current


def _fold_marks(text: str) -> str:
    """NFKC without combining marks: full-width to half-width, José to Jose."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        ch for ch in decomposed if unicodedata.category(ch) not in {"Mn", "Me"}
    )
    return unicodedata.normalize("NFC", kept)


def _swap_comma_order(text: str) -> str:
    """'SMITH, JOHN' -> 'JOHN SMITH' for names without Han characters."""
    if text.count(",") != 1 or any(_is_han(ch) for ch in text):
        return text
    family, given = text.split(",")
    return f"{given} {family}"


@lru_cache(maxsize=1 << 17)
def normalize_name(raw: str) -> str:
    """The canonical form of a personal name, used for every comparison.

    Rules, in order: NFKC with combining marks removed (full-width to half-width,
    diacritics dropped), upper case, "FAMILY, GIVEN" turned into "GIVEN FAMILY" when
    the name has no Han character, traditional to simplified character by character
    (OpenCC t2s; 乾 and 於 kept), punctuation and spaces removed between two Han
    characters except a name dot or dash, which becomes ``NAME_DOT``; elsewhere any run
    of spaces or punctuation becomes one space, apostrophes vanish. Idempotent.

    Raises:
        ValueError: when no letter or digit is left (an empty name is no name).
    """
    if _BASIC_HAN_RE.fullmatch(raw):
        return "".join(map(_simplify_char, raw))
    text = _swap_comma_order(_fold_marks(_fold_marks(raw).upper()))
    out: list[str] = []
    last_han = False
    gap = dot = False
    for ch in text:
        if ch in _JOINERS:
            continue
        if _is_han(ch):
            ch = _simplify_char(ch)
            han = True
        elif unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Mc":
            han = False
        else:
            gap = True
            dot = dot or ch in _NAME_DOTS or unicodedata.category(ch) == "Pd"
            continue
        if out and gap:
            if not (han and last_han):
                out.append(" ")
            elif dot:
                out.append(NAME_DOT)
        out.append(ch)
        last_han = han
        gap = dot = False
    if not out:
        raise ValueError(f"no letter or digit in name {raw!r}")
    return "".join(out)


# --- pinyin ------------------------------------------------------------------------

# Readings of surnames that differ from a character's most common reading. pypinyin
# (0.55) has no surname mode, so the surname position looks its reading up here.
_SURNAME_READINGS: Final[Mapping[str, tuple[str, ...]]] = {
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "查": ("zha",),
    "朴": ("piao",),
    "盖": ("ge",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "秘": ("bi",),
    "种": ("chong",),
    "重": ("chong",),
    "繁": ("po",),
    "覃": ("qin",),
    "乐": ("yue",),
    "卜": ("bu",),
    "员": ("yun",),
    "句": ("gou",),
    "召": ("shao",),
    "六": ("lu",),
    "乜": ("nie",),
    "隗": ("wei",),
    "阚": ("kan",),
    "佴": ("nai",),
    "粘": ("nian",),
    "藏": ("zang",),
    "都": ("du",),
    "薄": ("bo",),
    "折": ("she",),
    "洗": ("xian",),
    "祭": ("zhai",),
    "长": ("chang",),
    "万俟": ("mo", "qi"),
    "尉迟": ("yu", "chi"),
    "单于": ("chan", "yu"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
}

# Two-character surnames; a name of three or more characters starting with one of
# these has a two-character surname.
_COMPOUND_SURNAMES: Final = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容",
        "长孙", "宇文", "司徒", "夏侯", "轩辕", "令狐", "钟离", "闾丘", "端木",
        "万俟", "单于", "澹台", "公冶", "宗政", "濮阳", "淳于", "太叔", "申屠",
        "仲孙", "赫连", "独孤", "呼延", "南宫", "西门", "百里", "东郭", "左丘",
        "拓跋", "司空", "亓官", "第五",
    }
)  # fmt: skip


@cache
def _readings(unit: str) -> tuple[str, ...]:
    """Toneless pinyin readings of one name unit, the most common first.

    A unit that is not a Han character (a Latin word, digits) reads as itself.
    """
    if _is_han_unit(unit):
        found = pinyin(unit, style=Style.NORMAL, heteronym=True)[0]
        readings = tuple(dict.fromkeys(r for r in found if r.isascii() and r.isalpha()))
        if readings:
            return readings
    return (unit.lower(),)


@dataclass(frozen=True, slots=True)
class _Profile:
    """What comparisons need to know about one name."""

    normalized: str
    units: tuple[str, ...]  # Han characters and non-Han words, no spaces or dots
    han_units: tuple[bool, ...]  # which units are Han characters
    surname_length: int  # 0 when there is no surname position (transliterations)
    han: bool
    transliterated: bool  # a dotted or long name written by sound (阿卜杜·热合曼)
    syllables: tuple[str, ...]  # one reading per unit, surname readings applied


def _is_han_unit(unit: str) -> bool:
    return len(unit) == 1 and _is_han(unit)


def _split_units(normalized: str) -> tuple[str, ...]:
    units: list[str] = []
    word: list[str] = []
    for ch in normalized:
        if _is_han(ch) or ch in {" ", NAME_DOT}:
            if word:
                units.append("".join(word))
                word.clear()
            if _is_han(ch):
                units.append(ch)
        else:
            word.append(ch)
    if word:
        units.append("".join(word))
    return tuple(units)


@lru_cache(maxsize=1 << 17)
def _profile(name: str) -> _Profile:
    """The profile of a raw name; cached, as names repeat across records."""
    normalized = normalize_name(name)
    units = _split_units(normalized)
    han_units = tuple(map(_is_han_unit, units))
    han = any(han_units)
    transliterated = han and (NAME_DOT in normalized or len(units) > _SHORT_NAME)
    surname_length = 0
    if han and not transliterated and len(units) >= 2 and han_units[0]:
        compound = len(units) >= 3 and units[0] + units[1] in _COMPOUND_SURNAMES
        surname_length = 2 if compound else 1
    surname = "".join(units[:surname_length])
    head = _SURNAME_READINGS.get(surname)
    if head is None:
        head = tuple(_readings(unit)[0] for unit in units[:surname_length])
    tail = tuple(_readings(unit)[0] for unit in units[surname_length:])
    syllables = head + tail
    return _Profile(
        normalized, units, han_units, surname_length, han, transliterated, syllables
    )


def pinyin_key(name: str) -> str:
    """Toneless pinyin of a name, one syllable per character, separated by spaces.

    The surname takes its surname reading (单 shan, 曾 zeng, 解 xie, 仇 qiu, 区 ou),
    other characters their most common reading; Latin words are lower-cased. Name dots
    are dropped, so 阿卜杜·热合曼 and 阿卜杜热合曼 share a key.

    Raises:
        ValueError: when the name normalises to nothing.
    """
    return " ".join(_profile(name).syllables)


# --- similarity --------------------------------------------------------------------


class _Agreement(StrEnum):
    """How two different characters in the same position of two names relate."""

    HOMOPHONE = "homophone"  # same reading: the typical pinyin input typo
    NEAR_HOMOPHONE = "near_homophone"  # z/zh, n/l, an/ang...; or a rarer reading
    VISUAL = "visual"  # same four-corner code: 未/末, 己/已, 戊/戌
    WEAK = "weak"  # same pinyin initial, or three of four corners
    DIFFERENT = "different"


# What a disagreement costs, out of 1.0. A surname disagreement costs more than a
# given-name one: surnames come from a small set and are written with care, so two
# surnames that differ, even in sound only (张/章), are usually two families.
_GIVEN_PENALTY: Final[Mapping[_Agreement, float]] = {
    _Agreement.HOMOPHONE: 0.12,
    _Agreement.NEAR_HOMOPHONE: 0.4,
    _Agreement.VISUAL: 0.4,
    _Agreement.WEAK: 0.6,
    _Agreement.DIFFERENT: 0.7,
}
_SURNAME_PENALTY: Final[Mapping[_Agreement, float]] = {
    _Agreement.HOMOPHONE: 0.2,
    _Agreement.NEAR_HOMOPHONE: 0.45,
    _Agreement.VISUAL: 0.45,
    _Agreement.WEAK: 0.65,
    _Agreement.DIFFERENT: 0.75,
}
_INDEL_PENALTY: Final = 0.55  # a character present in one name only
_TRANSPOSITION_PENALTY: Final = 0.5  # two adjacent given-name characters swapped
_SHORT_NAME: Final = 4  # up to this many units every penalty counts in full
_CROSS_SCRIPT_CEILING: Final = 0.85  # pinyin equals romanisation: a homophone at best
_MAX_GAP_ALIGNMENTS: Final = 20

_FUZZY_INITIALS: Final = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_INITIALS: Final = ("zh", "ch", "sh", *"bpmfdtnlgkhjqxrzcsyw")


@cache
def _fuzzy(syllable: str) -> str:
    """A syllable with the distinctions of southern accents folded away."""
    for initial, folded in _FUZZY_INITIALS:
        if syllable.startswith(initial):
            syllable = folded + syllable[len(initial) :]
            break
    if syllable.endswith("ng") and not syllable.endswith("ong") and len(syllable) > 2:
        syllable = syllable[:-1]
    return syllable


def _initial(syllable: str) -> str:
    return next((i for i in _INITIALS if syllable.startswith(i)), "")


@lru_cache(maxsize=1)
def _corner_codes() -> Mapping[str, str]:
    # Imported on first use: the table loads in ~30 ms and most runs never need it.
    from four_corner_method import FourCornerMethod

    codes: Mapping[str, str] = FourCornerMethod().data
    return codes


@lru_cache(maxsize=1 << 16)
def _agreement(x: str, y: str, x_head: str, y_head: str, by_sound: bool) -> _Agreement:
    """How Han characters x and y (which differ) agree; *_head are their readings.

    Only equal first readings make a homophone: pypinyin lists rare readings too
    (王 also reads yu), and 王伟/于伟 must not pass as a typo. In names written by
    sound (``by_sound``) any shared reading does: 阿卜杜/阿布都 (bu, du).
    """
    if x_head == y_head:
        return _Agreement.HOMOPHONE
    shared = not set(_readings(x)).isdisjoint(_readings(y))
    if shared and by_sound:
        return _Agreement.HOMOPHONE
    if shared or _fuzzy(x_head) == _fuzzy(y_head):
        return _Agreement.NEAR_HOMOPHONE
    codes = _corner_codes()
    cx, cy = codes.get(x, ""), codes.get(y, "")
    corners = sum(p == q for p, q in zip(cx[:4], cy[:4], strict=False))
    if corners == 4:
        return _Agreement.VISUAL
    if corners == 3 or (
        _initial(x_head) != "" and _initial(x_head) == _initial(y_head)
    ):
        return _Agreement.WEAK
    return _Agreement.DIFFERENT


def _pair_penalty(a: _Profile, i: int, b: _Profile, j: int) -> float:
    x, y = a.units[i], b.units[j]
    if x == y:
        return 0.0
    surname = i < a.surname_length or j < b.surname_length
    penalty = _SURNAME_PENALTY if surname else _GIVEN_PENALTY
    if not (a.han_units[i] and b.han_units[j]):
        return penalty[_Agreement.DIFFERENT]
    by_sound = a.transliterated or b.transliterated
    return penalty[_agreement(x, y, a.syllables[i], b.syllables[j], by_sound)]


def _positional_penalty(a: _Profile, b: _Profile) -> float:
    """Penalty of two names of equal length, aligned position by position."""
    units_a, units_b = a.units, b.units
    differing = [i for i in range(len(units_a)) if units_a[i] != units_b[i]]
    if len(differing) == 1:
        return _pair_penalty(a, differing[0], b, differing[0])
    if len(differing) == 2:
        i, j = differing
        swapped = a.units[i] == b.units[j] and a.units[j] == b.units[i]
        outside_surname = i >= max(a.surname_length, b.surname_length)
        if j == i + 1 and swapped and outside_surname:
            return _TRANSPOSITION_PENALTY
    return sum(_pair_penalty(a, i, b, i) for i in differing)


def _gap_penalty(
    a: _Profile, ia: Sequence[int], b: _Profile, ib: Sequence[int]
) -> float:
    """Cheapest pairing of two runs of units that lie between common characters."""
    if len(ia) > len(ib):
        return _gap_penalty(b, ib, a, ia)
    indels = (len(ib) - len(ia)) * _INDEL_PENALTY
    if not ia:
        return indels
    choices: list[Sequence[int]] = list(combinations(ib, len(ia)))
    if len(choices) > _MAX_GAP_ALIGNMENTS:
        choices = [ib[: len(ia)]]
    best = min(
        sum(_pair_penalty(a, i, b, j) for i, j in zip(ia, chosen, strict=True))
        for chosen in choices
    )
    return best + indels


def _aligned_penalty(a: _Profile, b: _Profile) -> float:
    """Penalty of two names of different length: common characters anchor the rest."""
    total = 0.0
    gap_a: list[int] = []
    gap_b: list[int] = []
    for op in LCSseq.opcodes(a.units, b.units):
        if op.tag == "equal":
            total += _gap_penalty(a, gap_a, b, gap_b)
            gap_a, gap_b = [], []
        else:
            gap_a.extend(range(op.src_start, op.src_end))
            gap_b.extend(range(op.dest_start, op.dest_end))
    return total + _gap_penalty(a, gap_a, b, gap_b)


def _han_similarity(a: _Profile, b: _Profile) -> float:
    if len(a.units) == len(b.units):
        penalty = _positional_penalty(a, b)
    else:
        penalty = _aligned_penalty(a, b)
    longest = max(len(a.units), len(b.units))
    # Long transliterated names vary more in writing; one typo weighs less there.
    scale = 1.0 if longest <= _SHORT_NAME else _SHORT_NAME / longest
    return max(0.0, 1.0 - penalty * scale)


def _latin_similarity(a: str, b: str) -> float:
    # Squared so that a few letters cost more in short names: JOHN/JANE 0.64.
    ratio = fuzz.token_sort_ratio(a, b) / 100.0
    return ratio * ratio


def _cross_script_similarity(han: _Profile, latin: _Profile) -> float:
    """A Han name against a romanised one, in surname-first or given-first order."""
    orders = {
        han.syllables,
        han.syllables[han.surname_length :] + han.syllables[: han.surname_length],
    }
    target = "".join(latin.syllables)
    ratio = max(Indel.normalized_similarity("".join(order), target) for order in orders)
    return _CROSS_SCRIPT_CEILING * ratio * ratio


def name_similarity(a: str, b: str) -> float:
    """How likely two names are one person's name, from 0.0 to 1.0; symmetric.

    1.0 when the names are equal after normalisation (traditional and simplified,
    with or without the name dot). Han names are aligned character by character and
    each disagreement costs a penalty (see ``docs/names.md``): a homophone little, a
    visually similar character more, any other character nearly everything, so one
    different character in a two-character name scores 0.30 (张伟/张强) while a
    homophone typo scores 0.88 (张伟/张玮). Latin names compare by sorted tokens.

    Raises:
        ValueError: when either name normalises to nothing.
    """
    pa, pb = _profile(a), _profile(b)
    if pa.units == pb.units:
        return 1.0
    if pa.normalized > pb.normalized:  # one fixed order makes the score symmetric
        pa, pb = pb, pa
    if pa.han and pb.han:
        score = _han_similarity(pa, pb)
    elif pa.han:
        score = _cross_script_similarity(pa, pb)
    elif pb.han:
        score = _cross_script_similarity(pb, pa)
    else:
        score = _latin_similarity(pa.normalized, pb.normalized)
    return round(score, 4)


def names_compatible(a: str, b: str) -> bool:
    """Whether two names may be one person's: similarity >= ``COMPATIBLE_THRESHOLD``.

    Used by the resolver: a near-miss ID number becomes a candidate only with a
    compatible name, and one resident ID with incompatible names is a conflict.

    Raises:
        ValueError: when either name normalises to nothing.
    """
    return name_similarity(a, b) >= COMPATIBLE_THRESHOLD


def blocking_keys(name: str) -> tuple[str, ...]:
    """Keys under which to look for other records of the same name (with birth date).

    A Han name has ``py:`` its pinyin key (homophones anywhere, traditional forms),
    then ``pt:`` each part of a dotted name, or else ``hd:`` its head (the first
    character, which is the surname or its first half; the first two characters of
    a name longer than four) and ``tl:`` the rest. A Latin name has ``tk:`` each
    word. So two names one substituted character apart always share a key. Han and
    Latin writings of one name share none.

    Raises:
        ValueError: when the name normalises to nothing.
    """
    profile = _profile(name)
    normalized = profile.normalized
    if not profile.han:
        return tuple(f"tk:{unit}" for unit in sorted(set(profile.units)))
    keys = [f"py:{' '.join(profile.syllables)}"]
    if NAME_DOT in normalized:
        keys.extend(
            f"pt:{part.replace(' ', '')}" for part in normalized.split(NAME_DOT)
        )
    else:
        # Split after one character, not after the surname: a typo that makes or
        # breaks a compound surname (欧阳伟/欧杨伟) must still leave one key shared.
        head = 1 if len(profile.units) <= _SHORT_NAME else 2
        keys.append(f"hd:{''.join(profile.units[:head])}")
        if profile.units[head:]:
            keys.append(f"tl:{''.join(profile.units[head:])}")
    return tuple(dict.fromkeys(keys))
