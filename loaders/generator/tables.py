"""Frequency tables of ``loaders/data/`` as weighted samplers.

Each data file names its public source in its header comment. Samplers draw with
one ``rng.random()`` and a bisection, so a draw costs the same for any table size
and the same seed always gives the same draws.
"""

from __future__ import annotations

import csv
import functools
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from importlib import resources
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random
    from collections.abc import Iterable


@dataclass(frozen=True, slots=True)
class Weighted:
    """Strings with cumulative weights; ``pick`` draws one by weight."""

    items: tuple[str, ...]
    cum_weights: tuple[float, ...]

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, float]]) -> Weighted:
        """A sampler over (item, weight) pairs, in the order given."""
        items, weights = zip(*pairs, strict=True)
        if any(w <= 0 for w in weights):
            msg = "weights must be positive"
            raise ValueError(msg)
        return cls(tuple(items), tuple(accumulate(weights)))

    def pick(self, rng: random.Random) -> str:
        """One item, drawn by weight."""
        return self.items[
            bisect_right(self.cum_weights, rng.random() * self.cum_weights[-1])
        ]


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of the packaged data file ``name``, comment lines (``#``) skipped."""
    text = resources.files("loaders").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if line[:1] != "#"))


@functools.cache
def surnames() -> Weighted:
    """Surnames by their share of the population (surnames.csv)."""
    return Weighted.of(
        (r["surname"], float(r["percent"])) for r in read_table("surnames.csv")
    )


@functools.cache
def given_chars() -> dict[tuple[str, str, str], Weighted]:
    """Given-name characters keyed by (sex, era, position), position "1" or "2".

    A character of position ``*`` in given_chars.csv is in both tables.
    """
    pairs: dict[tuple[str, str, str], list[tuple[str, float]]] = {}
    for row in read_table("given_chars.csv"):
        positions = ("1", "2") if row["position"] == "*" else (row["position"],)
        for position in positions:
            key = (row["sex"], row["era"], position)
            pairs.setdefault(key, []).append((row["char"], float(row["weight"])))
    return {key: Weighted.of(value) for key, value in sorted(pairs.items())}


@functools.cache
def trade_tokens() -> tuple[Weighted, Weighted, float]:
    """Trade-name characters, whole trade-name words, and the share of words."""
    chars: list[tuple[str, float]] = []
    words: list[tuple[str, float]] = []
    for row in read_table("trade_words.csv"):
        (chars if row["kind"] == "char" else words).append(
            (row["token"], float(row["weight"]))
        )
    char_total = sum(w for _, w in chars)
    word_total = sum(w for _, w in words)
    # a word stands for a pair of characters: weigh it against pairs, not characters
    share = word_total / (word_total + char_total)
    return Weighted.of(chars), Weighted.of(words), share


@functools.cache
def industries() -> tuple[Weighted, dict[str, tuple[str, ...]]]:
    """Industry wordings by weight, and the organisational forms each takes."""
    rows = read_table("industries.csv")
    forms = {r["phrase"]: tuple(r["form"].split("|")) for r in rows}
    return Weighted.of((r["phrase"], float(r["weight"])) for r in rows), forms


@dataclass(frozen=True, slots=True)
class BirthSampler:
    """Birth dates in ``[earliest, latest]`` spread as the census birth cohorts."""

    starts: tuple[int, ...]  # first ordinal of each cohort piece
    lengths: tuple[int, ...]  # days in each piece
    weights: Weighted  # piece index (as text) by weight

    def pick(self, rng: random.Random) -> int:
        """A birth date as a proleptic Gregorian ordinal."""
        piece = int(self.weights.pick(rng))
        return self.starts[piece] + int(rng.random() * self.lengths[piece])


@functools.cache
def birth_sampler(earliest: date, latest: date) -> BirthSampler:
    """A sampler of birth dates between ``earliest`` and ``latest`` (inclusive)."""
    starts: list[int] = []
    lengths: list[int] = []
    pairs: list[tuple[str, float]] = []
    for row in read_table("age_cohorts.csv"):
        first = max(date(int(row["first_year"]), 1, 1), earliest).toordinal()
        last = min(date(int(row["last_year"]), 12, 31), latest).toordinal()
        full = (
            date(int(row["last_year"]), 12, 31).toordinal()
            - date(int(row["first_year"]), 1, 1).toordinal()
            + 1
        )
        if last < first:
            continue
        days = last - first + 1
        pairs.append((str(len(starts)), float(row["percent"]) * days / full))
        starts.append(first)
        lengths.append(days)
    if not pairs:
        msg = f"no census cohort between {earliest} and {latest}"
        raise ValueError(msg)
    return BirthSampler(tuple(starts), tuple(lengths), Weighted.of(pairs))
