"""Enterprises with valid credit codes, usual names, statuses, and roles over time.

Role intervals are half-open ``[since, until)``: a hand-over on day D ends the old
holder's interval and starts the new one's on D. Every office is a chain of
holders from the founding day on: one legal representative, a board of 3-7
director seats, 1-3 supervisor seats and 1-2 senior manager seats, so at any day
from founding to the reference date each office has exactly its number of holders.
Shareholders join and leave freely. After a licence is revoked, the enterprise is
cancelled or moves away, nothing more is registered: the last holders stay on
record, as the public registry shows them.
"""

from __future__ import annotations

import functools
import random
from array import array
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from math import log
from typing import TYPE_CHECKING, Final, NamedTuple

from graph.model import RoleType
from linkage.ids import county_codes_in_use, make_uscc, region_name
from loaders.generator import tables
from loaders.generator.persons import LOCAL_PREFIX, PROVINCE_PREFIX

if TYPE_CHECKING:
    from loaders.generator.config import GeneratorConfig
    from loaders.generator.persons import TruePerson


class EnterpriseStatus(StrEnum):
    """Registration status; the value is the Chinese term enterprises.csv carries."""

    ACTIVE = "存续"  # in existence
    OPERATING = "在业"  # in business (some registries' word for 存续)
    REVOKED = "吊销"  # business licence revoked; the enterprise still exists
    CANCELLED = "注销"  # deregistered
    MOVED_OUT = "迁出"  # moved to another registration authority


_STATUSES: Final = (
    (EnterpriseStatus.ACTIVE, 0.62),
    (EnterpriseStatus.OPERATING, 0.08),
    (EnterpriseStatus.REVOKED, 0.12),
    (EnterpriseStatus.CANCELLED, 0.15),
    (EnterpriseStatus.MOVED_OUT, 0.03),
)
FIRST_FOUNDING_YEAR: Final = 1995
_YOUNGEST_DAYS: Final = 30  # the youngest enterprise was founded a month ago
# Founding years: credlink's rough shape of the growth of registrations, steep after
# the 2014 registration reform. Not statistics.
_FOUNDING_YEARS: Final = (
    (FIRST_FOUNDING_YEAR, 1999, 1.0),
    (2000, 2004, 1.5),
    (2005, 2009, 2.0),
    (2010, 2013, 3.0),
    (2014, 2017, 6.0),
    (2018, 2100, 7.0),
)
USCC_YEAR: Final = 2016  # credit codes were given to existing enterprises 2015-2017
ENTERPRISE_AUTHORITY: Final = "91"  # market regulation (9), enterprise (1)
_LOCAL_SHARE: Final = 0.85  # of enterprises registered in Chengdu, the rest in Sichuan
_ORG_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 (no I O Z S V)
_NEW_ORG_PREFIX: Final = "MA6"  # organisation codes given with new credit codes
# age limits in days: >= 6575 days is always >= 18 years, <= 29219 always < 81 years
MIN_AGE_DAYS: Final = 6575
MAX_AGE_DAYS: Final = 29219
_MEAN_TENURE_YEARS: Final = {
    RoleType.LEGAL_REPRESENTATIVE: 10.0,
    RoleType.DIRECTOR: 9.0,
    RoleType.SUPERVISOR: 9.0,
    RoleType.SENIOR_MANAGER: 7.0,
    RoleType.SHAREHOLDER: 12.0,
}
_MIN_TENURE_DAYS: Final = 30
BOARD_SIZES: Final = (3, 7)
SUPERVISOR_SEATS: Final = (1, 3)
MANAGER_SEATS: Final = (1, 2)
_SHAREHOLDERS: Final = ((1, 0.35), (2, 0.35), (3, 0.2), (4, 0.1))
_LR_CHAIRS_BOARD: Final = 0.5  # the first legal representative chairs the board
_LR_HOLDS_SHARES: Final = 0.6
_SUCCESSOR_SHAREHOLDER: Final = 0.7  # a leaving shareholder's stake finds a new holder


@dataclass(frozen=True, slots=True)
class TrueEnterprise:
    """A generated enterprise as it really is."""

    index: int
    credit_code: str
    name: str
    status: EnterpriseStatus
    founded_on: date
    closed_on: date | None  # when the status ended registrations, if it did

    @property
    def region(self) -> str:
        """The region code inside the credit code."""
        return self.credit_code[2:8]


class TrueRole(NamedTuple):
    """A role as it really was: the holder's index in the pool and the interval.

    A NamedTuple rather than a frozen dataclass: millions are made.
    """

    holder: int
    role: RoleType
    since: date
    until: date | None


class RolePool:
    """The persons who may hold roles: ID number, name and birth date of each.

    Kept as flat columns, so a million holders cost little memory.
    """

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.names: list[str] = []
        self.births = array("l")

    def add(self, person: TruePerson) -> None:
        """Add ``person`` to the pool."""
        self.ids.append(person.person_id)
        self.names.append(person.name)
        self.births.append(person.birth_date.toordinal())

    def __len__(self) -> int:
        return len(self.ids)


@functools.cache
def _name_places(region: str, year: int) -> tuple[str, str]:
    """The province and city words of enterprise names registered in ``region``.

    四川省 -> 四川; 成都市 -> 成都; a prefecture that is no city (an autonomous
    prefecture) lends the province word.
    """
    province = region_name(region[:2] + "0000", year) or ""
    prefecture = region_name(region[:4] + "00", year) or ""
    province_short = province.removesuffix("省")
    city = prefecture.removesuffix("市") if prefecture.endswith("市") else ""
    return province_short, city or province_short


class EnterpriseFactory:
    """Draws enterprises and their roles from one random stream."""

    def __init__(self, seed: int, config: GeneratorConfig, pool: RolePool) -> None:
        self._rng = random.Random(f"credlink:{seed}:enterprises")
        self._config = config
        self._pool = pool
        self._today = config.today.toordinal()
        self._busy = config.busy_share
        last = date.fromordinal(self._today - _YOUNGEST_DAYS).year
        self._years = tables.Weighted.of(
            (str(y), w / (hi - lo + 1))
            for lo, top, w in _FOUNDING_YEARS
            if lo <= (hi := min(top, last))
            for y in range(lo, hi + 1)
        )
        self._statuses = tables.Weighted.of(_STATUSES)
        self._shareholders = tables.Weighted.of((str(n), w) for n, w in _SHAREHOLDERS)
        self._trade_chars, self._trade_words, self._word_share = tables.trade_tokens()
        self._industries, self._forms = tables.industries()
        self._regions: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._org_codes: set[str] = set()  # membership only: never iterated
        self._names: set[str] = set()  # membership only: never iterated
        self._count = 0

    # ------------------------------------------------------------------ enterprise

    def next(self) -> tuple[TrueEnterprise, list[TrueRole]]:
        """The next enterprise and all its roles."""
        rng = self._rng
        year = int(self._years.pick(rng))
        start = date(year, 1, 1).toordinal()
        end = min(date(year, 12, 31).toordinal(), self._today - _YOUNGEST_DAYS)
        founded = start + int(rng.random() * (end - start + 1))
        status = EnterpriseStatus(self._statuses.pick(rng))
        closed: int | None = None
        if status in (
            EnterpriseStatus.REVOKED,
            EnterpriseStatus.CANCELLED,
            EnterpriseStatus.MOVED_OUT,
        ):
            closed = founded + 1 + int(rng.random() * (self._today - founded - 1))
        code_year = max(year, USCC_YEAR)
        region = self._region(code_year)
        enterprise = TrueEnterprise(
            index=self._count,
            credit_code=make_uscc(ENTERPRISE_AUTHORITY, region, self._org_body(year)),
            name=self._name(region, code_year),
            status=status,
            founded_on=date.fromordinal(founded),
            closed_on=date.fromordinal(closed) if closed is not None else None,
        )
        self._count += 1
        return enterprise, self._roles(founded, closed or self._today)

    def _region(self, year: int) -> str:
        lists = self._regions.get(year)
        if lists is None:
            codes = county_codes_in_use(year)
            lists = (
                tuple(c for c in codes if c.startswith(LOCAL_PREFIX)),
                tuple(
                    c
                    for c in codes
                    if c.startswith(PROVINCE_PREFIX) and not c.startswith(LOCAL_PREFIX)
                ),
            )
            self._regions[year] = lists
        rng = self._rng
        chosen = lists[0] if rng.random() < _LOCAL_SHARE else lists[1]
        return chosen[int(rng.random() * len(chosen))]

    def _org_body(self, year: int) -> str:
        rng = self._rng
        while True:
            if year >= USCC_YEAR:
                tail = "".join(
                    _ORG_ALPHABET[int(rng.random() * len(_ORG_ALPHABET))]
                    for _ in range(5)
                )
                body = _NEW_ORG_PREFIX + tail
            else:
                body = f"{int(rng.random() * 100_000_000):08d}"
            if body not in self._org_codes:
                self._org_codes.add(body)
                return body

    def _name(self, region: str, year: int) -> str:
        """A unique name: region, trade name, industry, organisational form."""
        rng = self._rng
        province_short, city = _name_places(region, year)
        while True:
            if rng.random() < self._word_share:
                trade = self._trade_words.pick(rng)
            else:
                first = self._trade_chars.pick(rng)
                second = self._trade_chars.pick(rng)
                if second == first:
                    continue
                trade = first + second
            industry = self._industries.pick(rng)
            forms = self._forms[industry]
            form = forms[0] if rng.random() < 0.85 else forms[-1]
            u = rng.random()
            if u < 0.70:
                name = f"{city}{trade}{industry}{form}"
            elif u < 0.90:
                name = f"{province_short}{trade}{industry}{form}"
            else:
                name = f"{trade}（{city}）{industry}{form}"
            if name not in self._names:
                self._names.add(name)
                return name

    # ----------------------------------------------------------------------- roles

    def _pick(self, since: int, exclude: set[int] | frozenset[int]) -> int:
        """A pool member aged 18-80 on ``since`` not in ``exclude``.

        Most picks are uniform; ``busy_share`` of them go to the first 1 % of the
        pool, the people who hold many offices.
        """
        rng = self._rng
        births = self._pool.births
        size = len(births)
        busy = max(1, size // 100)
        for _ in range(64):
            if rng.random() < self._busy:
                i = int(rng.random() * busy)
            else:
                i = int(rng.random() * size)
            if MIN_AGE_DAYS <= since - births[i] <= MAX_AGE_DAYS and i not in exclude:
                return i
        start = int(rng.random() * size)
        for step in range(size):
            i = (start + step) % size
            if MIN_AGE_DAYS <= since - births[i] <= MAX_AGE_DAYS and i not in exclude:
                return i
        msg = (
            f"no person in the pool of {size} can take a role on "
            f"{date.fromordinal(since)}: generate more persons"
        )
        raise ValueError(msg)

    def _chain(
        self,
        role: RoleType,
        first: int,
        since: int,
        end: int,
        exclude: set[int],
        *,
        successor: float = 1.0,
    ) -> list[TrueRole]:
        """Holders of one seat from ``since``: each hands over to the next.

        Hand-overs happen before ``end`` only; the last holder keeps the seat
        (until None) unless the seat ends without successor (shareholders only).
        """
        roles = []
        holder = first
        random_ = self._rng.random
        mean = _MEAN_TENURE_YEARS[role] * 365.25
        while True:
            # exponential tenure (memoryless hand-overs) of at least a month
            until = since + _MIN_TENURE_DAYS + int(-log(1.0 - random_()) * mean)
            if until >= end:
                roles.append(TrueRole(holder, role, date.fromordinal(since), None))
                return roles
            roles.append(
                TrueRole(holder, role, date.fromordinal(since), date.fromordinal(until))
            )
            if successor < 1.0 and random_() >= successor:
                return roles
            since = until
            holder = self._pick(since, exclude)
            exclude.add(holder)

    def _roles(self, founded: int, end: int) -> list[TrueRole]:
        rng = self._rng
        roles: list[TrueRole] = []
        board: set[int] = set()  # directors, supervisors, managers: all distinct
        legal_rep = self._pick(founded, board)
        board.add(legal_rep)  # the legal representative sits on no supervisory seat
        roles += self._chain(
            RoleType.LEGAL_REPRESENTATIVE, legal_rep, founded, end, set()
        )
        seats = (
            (RoleType.DIRECTOR, rng.randint(*BOARD_SIZES)),
            (RoleType.SUPERVISOR, rng.randint(*SUPERVISOR_SEATS)),
            (RoleType.SENIOR_MANAGER, rng.randint(*MANAGER_SEATS)),
        )
        chairs = rng.random() < _LR_CHAIRS_BOARD
        for role, count in seats:
            for seat in range(count):
                if role is RoleType.DIRECTOR and seat == 0 and chairs:
                    first = legal_rep
                else:
                    first = self._pick(founded, board)
                board.add(first)
                roles += self._chain(role, first, founded, end, board)
        holders: set[int] = set()
        count = int(self._shareholders.pick(rng))
        for seat in range(count):
            if seat == 0 and rng.random() < _LR_HOLDS_SHARES:
                first = legal_rep
            else:
                first = self._pick(founded, holders)
            holders.add(first)
            roles += self._chain(
                RoleType.SHAREHOLDER,
                first,
                founded,
                end,
                holders,
                successor=_SUCCESSOR_SHAREHOLDER,
            )
        return roles
