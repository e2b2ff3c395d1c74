"""Typo arithmetic on ID numbers: the keys bad numbers are filed under, and the
valid numbers one typo away (pure; the resolver and :mod:`linkage.gather` use them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from linkage.ids import (
    resident_id_check_char,
)
from linkage.records import (
    RESIDENT_ID,
    one_typo_neighbours,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from linkage.records import IdScheme

__all__ = [
    "legacy_neighbours",
    "number_forms",
    "siblings_of",
    "typo_key",
    "typo_lookups",
    "typo_persons",
]

_WILDCARD: Final = "?"


def typo_key(scheme: IdScheme, text: str) -> str:
    """The key a bad number is filed under for typo look-ups from valid numbers.

    The text itself, or, when exactly one of its characters is outside the
    scheme's alphabet (``O`` for ``0``), the text with that character replaced by
    ``?``: only a substitution there can make it valid, and a valid number cannot
    produce that character among its :func:`one_typo_neighbours`.
    """
    last = len(text) - 1
    odd = [
        i
        for i, char in enumerate(text)
        if char
        not in (
            scheme.check_alphabet
            if scheme.check and scheme.check_alphabet and i == last
            else scheme.alphabet
        )
    ]
    if len(odd) != 1:
        return text
    (i,) = odd
    return text[:i] + _WILDCARD + text[i + 1 :]


def typo_lookups(scheme: IdScheme, number: str) -> list[str]:
    """The keys (:func:`typo_key`) of every bad text one typo from ``number``."""
    return [
        *one_typo_neighbours(scheme, number),
        *(number[:i] + _WILDCARD + number[i + 1 :] for i in range(len(number))),
    ]


def number_forms(scheme: IdScheme, number: str) -> list[str]:
    """A valid number and its legacy form (when the scheme has one)."""
    legacy = scheme.legacy(number) if scheme.legacy is not None else None
    return [number] if legacy is None else [number, legacy]


def _upgrade(scheme: IdScheme, legacy: str) -> str | None:
    """The number whose legacy form ``legacy`` is, to look up (None: none can be).

    For resident IDs the 18-digit form is computed without validating the region
    and birth date: an invalid result is no known person's number, so looking it
    up finds nothing, as validating would (and costs a tenth).
    """
    if scheme is RESIDENT_ID:
        if not legacy.isdigit():
            return None
        body = legacy[:6] + "19" + legacy[6:]
        return body + resident_id_check_char(body)
    try:
        return scheme.normalize(legacy)
    except ValueError:
        return None


def legacy_neighbours(scheme: IdScheme, numbers: Iterable[str]) -> set[str]:
    """Valid numbers whose legacy form is one typo from that of one of ``numbers``."""
    if scheme.legacy is None:
        return set()
    found = set()
    for number in numbers:
        legacy = scheme.legacy(number)
        if legacy is None:
            continue
        for neighbour in one_typo_neighbours(scheme, legacy):
            upgraded = _upgrade(scheme, neighbour)
            if upgraded is not None:
                found.add(upgraded)
    return found


def siblings_of(scheme: IdScheme, numbers: Iterable[str]) -> set[str]:
    """Numbers one typo from one of ``numbers`` (none under a check character)."""
    if scheme.check:
        return set()
    return {n for number in numbers for n in one_typo_neighbours(scheme, number)}


def typo_persons(scheme: IdScheme, text: str) -> set[str]:
    """Valid numbers a bad number (18 or 15 characters) may be one typo from."""
    legacy = bool(scheme.legacy_length) and len(text) == scheme.legacy_length
    found = set()
    for neighbour in one_typo_neighbours(scheme, text):
        number = _upgrade(scheme, neighbour) if legacy else neighbour
        if number is not None:
            found.add(number)
    return found
