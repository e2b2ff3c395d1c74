"""Search keys: what persons and enterprises are indexed under, and what a query
looks for. Both stores index these keys and fetch candidates by them only (Neo4j a
full-text index, the embedded store an SQLite table), so both find the same
candidates; ``linkage.search_rank`` then scores them.

A key is a prefix and a value, only letters, digits and ``_`` (safe as one term of
a Lucene query and as an SQL value):

- ``n_`` a whole name, normalised (``linkage.names.normalize_name``: traditional
  to simplified, widths, spaces and name dots dropped);
- ``p_`` its toneless pinyin without spaces (``wangjianguo``), ``i_`` the
  initials of its syllables (``wjg``);
- ``g_`` two of its characters in order (any two of a name of up to four
  characters, adjacent ones beyond): a name with one wrong character or a part of
  a name still shares one;
- ``s_`` the pinyin of two adjacent syllables (``jianguo``: part of a name in
  pinyin);
- ``l_`` the name and the last four characters of the resident ID number (a
  name and the last digits find one person among many of that name);
- ``b_`` two adjacent characters of an enterprise name.

``n_``, ``p_``, ``i_`` and ``l_`` are *exact* keys, the others *grams*: a store
lists the first ``limit`` holders of an exact key by entity key, and every holder
of a gram, or none when it has more than ``limit`` (too common to tell anything).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, pairwise
from typing import TYPE_CHECKING, Final

from pypinyin import Style, pinyin

from linkage.names import normalize_name, pinyin_key

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "QueryKeys",
    "compact_name",
    "enterprise_keys",
    "enterprise_query_keys",
    "is_han_text",
    "latin_letters",
    "person_keys",
    "person_query_keys",
    "split_id_tail",
    "syllables_of",
]

_PAIRS_UP_TO: Final = 4  # names this long index every pair of characters
_HAN_RE: Final = re.compile(
    "[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]+"
)
_LAST: Final = 4  # characters of the ID number kept in an ``l_`` key
_ID_TAIL_RE: Final = re.compile(r"^(?P<name>.*?)[\s,;*#]*(?P<tail>\d{3,17}[\dX]?)$")


@dataclass(frozen=True, slots=True)
class QueryKeys:
    """The keys a query looks up: exact keys and grams (see the module)."""

    exact: tuple[str, ...] = ()
    grams: tuple[str, ...] = ()


def _clean(text: str) -> str:
    """Only letters and digits (any script): the value part of a key."""
    return "".join(ch for ch in text if ch.isalnum())


@lru_cache(maxsize=1 << 16)
def compact_name(name: str) -> str:
    """A name normalised and without spaces or dots; '' when nothing is left."""
    try:
        return _clean(normalize_name(name))
    except ValueError:
        return ""


def syllables_of(name: str) -> tuple[str, ...]:
    try:
        return tuple(pinyin_key(name).split())
    except ValueError:
        return ()


@lru_cache(maxsize=4096)
def _readings(char: str) -> tuple[str, ...]:
    """Every toneless reading pypinyin knows of one character (ü as v)."""
    found = pinyin(char, style=Style.NORMAL, heteronym=True, v_to_u=False)
    return tuple(_clean(r) for r in found[0]) if found else ()


def is_han_text(text: str) -> bool:
    """Whether ``text`` is Han characters only (and not empty)."""
    return _HAN_RE.fullmatch(text) is not None


def _pairs(units: str) -> list[str]:
    if len(units) <= _PAIRS_UP_TO:
        return ["".join(pair) for pair in combinations(units, 2)]
    return [units[i : i + 2] for i in range(len(units) - 1)]


def _name_keys(name: str) -> list[str]:
    compact = compact_name(name)
    if not compact:
        return []
    keys = [f"n_{compact}"]
    if is_han_text(compact):
        syllables = [_clean(s) for s in syllables_of(compact)]
        keys.append(f"p_{''.join(syllables)}")
        if len(syllables) >= 2:
            keys.append(f"i_{''.join(s[:1] for s in syllables)}")
        if len(compact) > 2:
            keys.extend(f"g_{pair}" for pair in _pairs(compact))
            keys.extend(f"s_{a}{b}" for a, b in pairwise(syllables))
    return keys


def person_keys(person_id: str, names: Iterable[str]) -> tuple[str, ...]:
    """Every key of a person known by ``names`` (name and aliases), sorted.

    The keys of several names are the union of each name's keys, so a store may add
    the keys of a new alias to those it holds.
    """
    keys: set[str] = set()
    tail = person_id[-_LAST:] if not person_id.startswith("U") else ""
    for name in names:
        found = _name_keys(name)
        keys.update(found)
        if tail and found:
            keys.add(f"l_{found[0][2:]}{tail}")
    return tuple(sorted(keys))


def enterprise_keys(name: str) -> tuple[str, ...]:
    """Every key of an enterprise's name: ``n_`` the whole, ``b_`` each bigram."""
    compact = compact_name(name)
    if not compact:
        return ()
    keys = {f"n_{compact}"}
    keys.update(f"b_{compact[i : i + 2]}" for i in range(len(compact) - 1))
    return tuple(sorted(keys))


def latin_letters(text: str) -> str:
    """Pinyin as typed, reduced to its letters: marks and tone digits, spaces and
    apostrophes dropped, ü as v, lower case (``Wáng Jiàn-guó`` -> ``wangjianguo``,
    ``Lǚ`` -> ``lv``)."""
    # ü (with or without a tone mark) is written v, as pypinyin writes it: lǚ -> lv
    decomposed = unicodedata.normalize("NFKD", text).replace("u\u0308", "v")
    decomposed = decomposed.replace("U\u0308", "V")
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalpha()).lower()


def split_id_tail(text: str) -> tuple[str, str]:
    """``王伟 1234`` -> (``王伟``, ``1234``): a name and the last characters of an ID
    number written after it (at least four); (text, '') when there are none."""
    folded = unicodedata.normalize("NFKC", text).strip().upper()
    match = _ID_TAIL_RE.match(folded)
    if match is None or not match["name"].strip() or len(match["tail"]) < _LAST:
        return text.strip(), ""
    return match["name"].strip(), match["tail"]


def person_query_keys(text: str) -> QueryKeys:
    """The keys a person search for ``text`` looks up (a name in characters or in
    pinyin, or initials, optionally followed by the ID number's last digits)."""
    name, tail = split_id_tail(text)
    compact = compact_name(name)
    if not compact:
        return QueryKeys()
    if is_han_text(compact):
        syllables = [_clean(s) for s in syllables_of(compact)]
        exact = [f"n_{compact}", f"p_{''.join(syllables)}"]
        # a surname written with a character of several readings (覃 qin or tan,
        # 单 shan or dan) may have been typed for any of them
        rest = "".join(syllables[1:])
        exact += [f"p_{reading}{rest}" for reading in _readings(compact[0])]
        if tail:
            exact.append(f"l_{compact}{tail[-_LAST:]}")
        grams = [f"g_{pair}" for pair in _pairs(compact)] if len(compact) > 1 else []
        return QueryKeys(tuple(dict.fromkeys(exact)), tuple(dict.fromkeys(grams)))
    letters = latin_letters(name)
    if not letters:
        return QueryKeys()
    exact = [f"n_{compact}", f"p_{letters}", f"i_{letters}"]
    return QueryKeys(tuple(dict.fromkeys(exact)), (f"s_{letters}",))


def enterprise_query_keys(text: str) -> QueryKeys:
    """The keys an enterprise search for ``text`` (a name or part of one) looks up;
    a query of digits only (an identifier) looks up none."""
    compact = compact_name(text)
    if not compact or compact.isdigit():
        return QueryKeys()
    grams = tuple(dict.fromkeys(compact[i : i + 2] for i in range(len(compact) - 1)))
    return QueryKeys((f"n_{compact}",), tuple(f"b_{g}" for g in grams))
