"""Chinese personal names with realistic frequencies, and the ways sources spoil them.

A name is a surname drawn by its population share and a given name of one or two
characters drawn from the characters of the holder's sex and birth era, so common
full names (张伟, 王秀英) recur among different people as they do in life.

Spoiled spellings: traditional characters (OpenCC ``s2t``), a homophone (same
pinyin and tone, as a pinyin input method offers it) and a mistyped character
(same syllable, another tone: the neighbouring input-method candidate). Homophones
are taken from the characters of the name tables only, so no obscure character
appears.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import TYPE_CHECKING, Final

import opencc
from pypinyin import Style, lazy_pinyin

from graph.model import Sex
from loaders.generator import tables

if TYPE_CHECKING:
    import random


class Era(StrEnum):
    """Naming fashions change: the birth eras of given_chars.csv."""

    OLD = "old"  # born before 1970
    MID = "mid"  # 1970-1989
    YOUNG = "young"  # 1990 on


def era_of(birth_year: int) -> Era:
    """The naming era of a birth year."""
    if birth_year < 1970:
        return Era.OLD
    return Era.MID if birth_year < 1990 else Era.YOUNG


# Share of one-character given names (two-character full names) by era: the 2020 name
# report counts 6.3 % two-character names overall, more among older people.
_SINGLE: Final = {Era.OLD: 0.14, Era.MID: 0.10, Era.YOUNG: 0.05}
_DOUBLED: Final = 0.03  # 婷婷, 丹丹: reduplicated given names (women, after 1970)


class NameMaker:
    """Draws full names: surname by population share, given name by sex and era."""

    def __init__(self) -> None:
        self._surnames = tables.surnames()
        chars = tables.given_chars()
        self._first = {
            (sex, era): chars[(sex.value, era.value, "1")] for sex in Sex for era in Era
        }
        self._second = {
            (sex, era): chars[(sex.value, era.value, "2")] for sex in Sex for era in Era
        }

    def make(self, rng: random.Random, sex: Sex, birth_year: int) -> str:
        """A full name for a person of ``sex`` born in ``birth_year``."""
        era = era_of(birth_year)
        surname = self._surnames.pick(rng)
        second = self._second[(sex, era)]
        u = rng.random()
        if u < _SINGLE[era]:
            return surname + second.pick(rng)
        if sex is Sex.FEMALE and era is not Era.OLD and u > 1.0 - _DOUBLED:
            char = second.pick(rng)
            return surname + char + char
        first = self._first[(sex, era)].pick(rng)
        last = second.pick(rng)
        while last == first:
            last = second.pick(rng)
        return surname + first + last


def _inventory() -> list[str]:
    """Every character of the name and trade-name tables, sorted."""
    chars = {c for s in tables.surnames().items for c in s}
    for table in tables.given_chars().values():
        chars.update(table.items)
    chars.update(tables.trade_tokens()[0].items)
    return sorted(chars)


@functools.cache
def _readings() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Homophones (same pinyin and tone) and tone neighbours of each character."""
    inventory = _inventory()
    toned = dict(zip(inventory, lazy_pinyin(inventory, style=Style.TONE3), strict=True))
    by_reading: dict[str, list[str]] = {}
    by_syllable: dict[str, list[str]] = {}
    for char in inventory:
        reading = toned[char]
        by_reading.setdefault(reading, []).append(char)
        by_syllable.setdefault(reading.rstrip("012345"), []).append(char)
    homophones = {}
    neighbours = {}
    for char in inventory:
        reading = toned[char]
        same = tuple(c for c in by_reading[reading] if c != char)
        if same:
            homophones[char] = same
        other_tone = tuple(
            c for c in by_syllable[reading.rstrip("012345")] if toned[c] != reading
        )
        if other_tone:
            neighbours[char] = other_tone
    return homophones, neighbours


@functools.cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_traditional(name: str) -> str | None:
    """``name`` in traditional characters, or None if it reads the same."""
    converted: str = _s2t().convert(name)
    return converted if converted != name else None


def _replace_one(
    rng: random.Random, name: str, table: dict[str, tuple[str, ...]]
) -> str | None:
    positions = [i for i, char in enumerate(name) if char in table]
    if not positions:
        return None
    i = positions[int(rng.random() * len(positions))]
    choices = table[name[i]]
    return name[:i] + choices[int(rng.random() * len(choices))] + name[i + 1 :]


def homophone_of(rng: random.Random, name: str) -> str | None:
    """``name`` with one character replaced by a homophone, or None if none has one."""
    return _replace_one(rng, name, _readings()[0])


def mistype(rng: random.Random, name: str) -> str | None:
    """``name`` with one character replaced by the same syllable in another tone."""
    return _replace_one(rng, name, _readings()[1])
