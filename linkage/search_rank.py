"""Scoring and ranking of search hits: one pure function both stores' candidates go
through, so both stores answer a search with the same ranked list.

A hit's score is that of the best reason it matched by (0..1, four decimals); hits
are ranked by score, then kind, then key. Scores by reason (person names compare
each of the person's names, the alias ones say so):

===============================================  =====
resident ID number, credit code, legacy code     1.0
same name (after normalisation: traditional,     1.0
full width, spaces)
pinyin of the name                               0.9
same pinyin (a homophone in characters)          0.85
one character different (same length)            0.7
part of the name (characters or pinyin)          0.5 + 0.3 x the share of the name
initials of the name                             0.6
similar name (``name_similarity`` >= 0.5)        0.7 x similarity
===============================================  =====

A query followed by an ID number's last digits keeps only the persons whose number
ends with them. Hits below ``MIN_SCORE`` are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from rapidfuzz import fuzz

from linkage.names import name_similarity
from linkage.search_keys import (
    compact_name,
    is_han_text,
    latin_letters,
    split_id_tail,
    syllables_of,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from graph.model import Named

__all__ = ["MIN_SCORE", "Hit", "HitKind", "rank_hits"]

MIN_SCORE: Final = 0.35
_SIMILAR_FROM: Final = 0.5


class HitKind(StrEnum):
    """What a hit is."""

    ENTERPRISE = "enterprise"
    PERSON = "person"


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked answer to a search: the entity, its score and why it matched."""

    kind: HitKind
    key: str  # resident ID number (or U… key) or credit code
    label: str  # the name
    score: float
    reasons: tuple[str, ...]

    @property
    def sort_key(self) -> tuple[float, str, str]:
        """Best first; ties by kind, then key."""
        return (-self.score, self.kind.value, self.key)


@lru_cache(maxsize=1 << 16)
def _name_scores(query: str, name: str) -> tuple[tuple[float, str], ...]:
    """(score, reason) for every way ``query`` matches the person name ``name``
    (cached: namesakes repeat)."""
    return tuple(_scores_of_name(query, name))


def _scores_of_name(query: str, name: str) -> list[tuple[float, str]]:
    """(score, reason) for every way ``query`` matches the person name ``name``."""
    q, n = compact_name(query), compact_name(name)
    if not q or not n:
        return []
    found: list[tuple[float, str]] = []
    if q == n:
        return [(1.0, "same name")]
    syllables = syllables_of(n)
    full = "".join(syllables)
    if not is_han_text(q):
        letters = latin_letters(query)
        if is_han_text(n) and letters:
            if letters == full:
                found.append((0.9, "pinyin of the name"))
            elif len(syllables) >= 2 and letters == "".join(s[0] for s in syllables):
                found.append((0.6, "initials of the name"))
            elif _syllable_run(letters, syllables):
                found.append((0.5 + 0.3 * len(letters) / len(full), "part of the name"))
        return found
    if is_han_text(n) and "".join(syllables_of(q)) == full:
        found.append((0.85, "same pinyin (homophone)"))
    if q in n:
        found.append((0.5 + 0.3 * len(q) / len(n), "part of the name"))
    elif len(q) == len(n) and sum(a != b for a, b in zip(q, n, strict=True)) == 1:
        found.append((0.7, "one character different"))
    similarity = name_similarity(q, n)
    if similarity >= _SIMILAR_FROM:
        found.append((0.7 * similarity, "similar name"))
    return found


def _syllable_run(letters: str, syllables: tuple[str, ...]) -> bool:
    """Whether ``letters`` spell two or more adjacent syllables of the name."""
    for start in range(len(syllables)):
        for end in range(start + 2, len(syllables) + 1):
            if "".join(syllables[start:end]) == letters:
                return True
    return False


def _person_hit(person: Named, query: str, tail: str, by_id: bool) -> Hit | None:
    if tail and not person.key.endswith(tail):
        return None
    scored: list[tuple[float, str]] = []
    if by_id:
        scored.append((1.0, "resident ID number"))
    else:
        for name in (person.name, *person.aliases):
            suffix = "" if name == person.name else " (alias)"
            scored.extend((s, r + suffix) for s, r in _name_scores(query, name))
    return _hit(HitKind.PERSON, person.key, person.name, scored, tail)


def _enterprise_scores(query: str, name: str) -> list[tuple[float, str]]:
    q, n = compact_name(query), compact_name(name)
    if not q or not n:
        return []
    if q == n:
        return [(1.0, "same name")]
    if q in n:
        return [(0.5 + 0.3 * len(q) / len(n), "part of the name")]
    ratio = fuzz.ratio(q, n) / 100
    return [(0.7 * ratio, "similar name")] if ratio >= _SIMILAR_FROM else []


def _hit(
    kind: HitKind, key: str, label: str, scored: list[tuple[float, str]], tail: str
) -> Hit | None:
    if not scored:
        return None
    scored.sort(key=lambda item: (-item[0], item[1]))
    score = round(scored[0][0], 4)
    if score < MIN_SCORE:
        return None
    reasons = [r for s, r in scored if round(s, 4) >= MIN_SCORE]
    if tail:
        reasons.append("ID number ends with the digits given")
    return Hit(kind, key, label, score, tuple(dict.fromkeys(reasons)))


def rank_hits(
    query: str,
    *,
    persons: Iterable[Named] = (),
    persons_by_id: Iterable[Named] = (),
    enterprises: Iterable[Named] = (),
    enterprises_by_code: Iterable[tuple[Named, str]] = (),
) -> list[Hit]:
    """Every candidate scored against ``query`` and ranked (see the module).

    ``persons_by_id`` matched the query as a resident ID number and
    ``enterprises_by_code`` as a code (with the reason: which code); the other
    candidates are scored by name. A candidate given twice keeps its best hit.
    """
    name, tail = split_id_tail(query)
    best: dict[tuple[HitKind, str], Hit] = {}

    def keep(hit: Hit | None) -> None:
        if hit is None:
            return
        held = best.get((hit.kind, hit.key))
        if held is None or hit.sort_key < held.sort_key:
            best[(hit.kind, hit.key)] = hit

    for person in persons_by_id:
        keep(_person_hit(person, query, "", by_id=True))
    for person in persons:
        keep(_person_hit(person, name, tail, by_id=False))
    for enterprise, reason in enterprises_by_code:
        keep(_hit(HitKind.ENTERPRISE, enterprise.key, enterprise.name,
                  [(1.0, reason)], ""))  # fmt: skip
    for enterprise in enterprises:
        scored = _enterprise_scores(query, enterprise.name)
        keep(_hit(HitKind.ENTERPRISE, enterprise.key, enterprise.name,
                  scored, ""))  # fmt: skip
    return sorted(best.values(), key=lambda hit: hit.sort_key)
