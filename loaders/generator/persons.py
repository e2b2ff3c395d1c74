"""True persons and the records that source systems hold of them.

Each person has a valid canonical ID number: the region is a county-level GB/T 2260
code in use in the year the number was issued (the birth year, or 1984 for people
born before numbers were issued), the birth date follows the census cohorts (ages
18-80 at the reference date), the sequence number's parity gives the sex. A few
hold a Hong Kong, Macau or Taiwan residence permit (810000 / 820000 / 830000).

Each person appears in one to four source systems; each record may carry the
corruptions of its source (see :mod:`loaders.generator.corruption`).
"""

from __future__ import annotations

import random
from datetime import date
from itertools import combinations
from math import prod
from typing import TYPE_CHECKING, Final, NamedTuple

from graph.model import Sex
from linkage.ids import IdKind, county_codes_in_use, resident_id_check_char
from loaders.generator import tables
from loaders.generator.corruption import IdSpoiler, NameSpoiler
from loaders.generator.names import NameMaker

if TYPE_CHECKING:
    from loaders.generator.config import Corruption, GeneratorConfig

FIRST_ISSUE_YEAR: Final = 1984  # resident ID numbers were first issued in 1984
MALE_SHARE: Final = 0.512  # 7th census: sex ratio 105.07 (of the whole population)
LOCAL_PREFIX: Final = "5101"  # Chengdu
PROVINCE_PREFIX: Final = "51"  # Sichuan
_PERMITS: Final = (("810000", 0.50), ("820000", 0.15), ("830000", 0.35))
_PERMIT_KINDS: Final = {
    "810000": IdKind.HONG_KONG,
    "820000": IdKind.MACAU,
    "830000": IdKind.TAIWAN,
}
# Hong Kong, Macau and Taiwan write traditional characters: their residents' names
# turn up in traditional form far more often.
_TRADITIONAL_HOMES: Final = frozenset({IdKind.HONG_KONG, IdKind.MACAU, IdKind.TAIWAN})
_TRADITIONAL_FACTOR: Final = 5.0


class TruePerson(NamedTuple):
    """A generated person as they really are: the ground truth.

    A NamedTuple rather than a frozen dataclass: a million are made.
    """

    serial: int  # 0, 1, 2, ... in drawing order
    person_id: str
    name: str
    birth_date: date
    sex: Sex
    kind: IdKind

    @property
    def issue_year(self) -> int:
        """The year the number was issued (its region is in that year's list)."""
        return max(self.birth_date.year, FIRST_ISSUE_YEAR)


class PersonRecord(NamedTuple):
    """One row of persons.csv and what was done to it.

    A NamedTuple rather than a frozen dataclass: millions are made, and a frozen
    dataclass takes twice as long to build.
    """

    source: str
    record_id: str
    name: str
    id_number: str
    birth_date: str
    sex: str
    corruptions: tuple[Corruption, ...]


def add_years(day: date, years: int) -> date:
    """``day`` moved by whole years; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def birth_range(today: date) -> tuple[date, date]:
    """Birth dates of people aged 18 to 80 on ``today`` (inclusive)."""
    return date.fromordinal(add_years(today, -81).toordinal() + 1), add_years(
        today, -18
    )


class _Regions:
    """County codes of each issue year, split into Chengdu, rest of Sichuan, all."""

    def __init__(self, config: GeneratorConfig) -> None:
        self._local = config.local_share
        self._sichuan = config.local_share + config.sichuan_share
        self._by_year: dict[int, tuple[tuple[str, ...], ...]] = {}

    def pick(self, rng: random.Random, year: int) -> str:
        lists = self._by_year.get(year)
        if lists is None:
            codes = county_codes_in_use(year)
            lists = (
                tuple(c for c in codes if c.startswith(LOCAL_PREFIX)),
                tuple(
                    c
                    for c in codes
                    if c.startswith(PROVINCE_PREFIX) and not c.startswith(LOCAL_PREFIX)
                ),
                codes,
            )
            self._by_year[year] = lists
        u = rng.random()
        chosen = (
            lists[0] if u < self._local else lists[1] if u < self._sichuan else lists[2]
        )
        return chosen[int(rng.random() * len(chosen))]


class _Days(dict[int, tuple[date, str, str]]):
    """Ordinal -> (date, yyyymmdd, yyyy-mm-dd), filled on first use."""

    def __missing__(self, ordinal: int) -> tuple[date, str, str]:
        day = date.fromordinal(ordinal)
        iso = day.isoformat()
        value = (day, iso.replace("-", ""), iso)
        self[ordinal] = value
        return value


class PersonFactory:
    """Draws true persons with unique valid ID numbers from one random stream."""

    def __init__(self, seed: int, config: GeneratorConfig) -> None:
        self._rng = random.Random(f"credlink:{seed}:persons")
        self._config = config
        self._names = NameMaker()
        self._regions = _Regions(config)
        self._births = tables.birth_sampler(*birth_range(config.today))
        self._permits = tables.Weighted.of(_PERMITS)
        self._days = _Days()
        self._issued: set[int] = set()  # membership only: never iterated
        self._count = 0

    def next(self) -> TruePerson:
        """The next person."""
        rng = self._rng
        permit = rng.random() < self._config.permit_rate
        birth, compact, _ = self._days[self._births.pick(rng)]
        male = rng.random() < MALE_SHARE
        if permit:
            region = self._permits.pick(rng)
        else:
            region = self._regions.pick(rng, max(birth.year, FIRST_ISSUE_YEAR))
        prefix = region + compact
        sequence = int(rng.random() * 500) * 2 + male
        base = int(prefix) * 1000
        issued = self._issued
        while base + sequence in issued:  # another person already has this number
            sequence = (sequence + 2) % 1000
        issued.add(base + sequence)
        body = f"{prefix}{sequence:03d}"
        sex = Sex.MALE if male else Sex.FEMALE
        person = TruePerson(
            serial=self._count,
            person_id=body + resident_id_check_char(body),
            name=self._names.make(rng, sex, birth.year),
            birth_date=birth,
            sex=sex,
            kind=_PERMIT_KINDS.get(region, IdKind.MAINLAND),
        )
        self._count += 1
        return person


class RecordFactory:
    """Draws the source records of persons from its own random stream."""

    def __init__(self, seed: int, config: GeneratorConfig) -> None:
        self._rng = random.Random(f"credlink:{seed}:records")
        self._sources = config.sources
        self._counters = [0] * len(config.sources)
        self._id_spoilers = [IdSpoiler(config.rates, s) for s in config.sources]
        self._name_spoilers = [
            NameSpoiler(config.rates, s.name_noise, _TRADITIONAL_FACTOR)
            for s in config.sources
        ]
        # every set of k sources: chance of k, shared by the product of the weights
        self._subsets: list[tuple[int, ...]] = []
        pairs: list[tuple[str, float]] = []
        for k, share in enumerate(config.source_counts, start=1):
            subsets = list(combinations(range(len(config.sources)), k))
            weights = [prod(config.sources[s].weight for s in sub) for sub in subsets]
            total = sum(weights)
            for subset, weight in zip(subsets, weights, strict=True):
                if share > 0:
                    pairs.append((str(len(self._subsets)), share * weight / total))
                    self._subsets.append(subset)
        self._subset_weights = tables.Weighted.of(pairs)
        self._isos = _Days()

    def records(self, person: TruePerson, *, keep_id: bool) -> list[PersonRecord]:
        """The records of ``person``; with ``keep_id`` the first keeps a usable ID."""
        rng = self._rng
        subset = self._subsets[int(self._subset_weights.pick(rng))]
        born = person.birth_date
        kind = person.kind
        legacy_ok = kind is IdKind.MAINLAND and 1900 <= born.year <= 1999
        home = kind in _TRADITIONAL_HOMES
        birth = self._isos[born.toordinal()][2]
        sex = person.sex.value
        person_id, true_name = person.person_id, person.name
        out = []
        for position, s in enumerate(subset):
            source = self._sources[s]
            self._counters[s] += 1
            number, applied = self._id_spoilers[s].spoil(
                rng, person_id, legacy_ok=legacy_ok, keep_id=keep_id and not position
            )
            name, spoiled = self._name_spoilers[s].spoil(
                rng, true_name, traditional_home=home
            )
            shown = rng.random() < source.demographics
            out.append(
                PersonRecord(
                    source.name,
                    f"{source.prefix}{self._counters[s]:08d}",
                    name,
                    number,
                    birth if shown else "",
                    sex if shown else "",
                    (*applied, *spoiled) if spoiled else tuple(applied),
                )
            )
        return out
