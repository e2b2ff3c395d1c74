"""Sanctions against enterprises and persons, with authorities and decision numbers.

Decision numbers follow the usual shapes: 川市监严〔2023〕12号 (a province's market
regulator), 成锦市监罚〔2023〕15号 (a district's market regulator), 成税稽罚〔2023〕
7号 (tax inspection), （2023）川0104执1234号 (an enforcement case of a basic court).
Market regulators were 工商行政管理局 before the 2018 reform and are named so on
earlier decisions. Dates start in 2014, when the disclosure regime began.

Display periods follow the measures catalogue (graph/policy/measures.toml): three
years, two for a court's list of dishonest judgment debtors unless the court set
more; an enterprise that files its overdue annual report leaves the abnormal
operations list early.
"""

from __future__ import annotations

import functools
import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final

from graph.model import EntityKind
from linkage.ids import county_codes_in_use, region_name
from loaders.generator.config import SanctionType
from loaders.generator.enterprises import EnterpriseStatus
from loaders.generator.persons import LOCAL_PREFIX, add_years
from loaders.generator.tables import Weighted

if TYPE_CHECKING:
    from loaders.generator.config import GeneratorConfig
    from loaders.generator.enterprises import TrueEnterprise
    from loaders.generator.persons import TruePerson

REGIME_START: Final = date(2014, 3, 1)  # 企业信息公示暂行条例 in force 2014-10-01
SAMR_YEAR: Final = 2019  # market regulators renamed (2018 reform, done by 2019)
TAX_MERGER_YEAR: Final = 2018  # state and local tax bureaus merged in 2018
_PROVINCE_ABBR: Final = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽",
    "22": "吉", "23": "黑", "31": "沪", "32": "苏", "33": "浙", "34": "皖",
    "35": "闽", "36": "赣", "37": "鲁", "41": "豫", "42": "鄂", "43": "湘",
    "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔",
    "53": "滇", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁",
    "65": "新",
}  # fmt: skip
_FIRST_LIST_YEAR: Final = 1980  # the oldest yearly list of region codes
_EARLY_REMOVAL: Final = 0.5  # abnormal operations: report filed, removed early
_COURT_TERMS: Final = ((2, 0.7), (3, 0.2), (5, 0.1))  # years on the court's list


@functools.cache
def _place(code: str, year: int) -> tuple[str, str, str]:
    """Province, prefecture and county names of ``code`` in or nearest to ``year``.

    A code may be younger than the decision (given with a credit code in 2016) or
    abolished since: the name of the nearest year in which it was in use stands.
    """
    province, prefecture, county = (
        _name_near(part, year) for part in (code[:2] + "0000", code[:4] + "00", code)
    )
    return province, prefecture, county


def _name_near(code: str, year: int) -> str:
    for distance in range(year - _FIRST_LIST_YEAR + 1):
        for near in (year - distance, year + distance):
            name = region_name(code, near) if near >= _FIRST_LIST_YEAR else None
            if name:
                return name
    msg = f"region code {code} is in no yearly list"
    raise ValueError(msg)


class SanctionMaker:
    """Draws sanctions from its own random stream and numbers them."""

    def __init__(self, seed: int, config: GeneratorConfig) -> None:
        self._rng = random.Random(f"credlink:{seed}:sanctions")
        self._config = config
        self._today = config.today
        self._numbers: dict[tuple[str, int], int] = {}
        self._court_terms = Weighted.of((str(y), w) for y, w in _COURT_TERMS)
        self._count = 0

    # ------------------------------------------------------------------- subjects

    def for_person(self, person: TruePerson) -> list[tuple[str, ...]]:
        """sanctions.csv rows against ``person`` (usually none)."""
        rng = self._rng
        rows = []
        earliest = max(REGIME_START, add_years(person.birth_date, 18))
        latest = self._today - timedelta(days=30)
        for kind, rate in self._config.sanctions.person:
            if rng.random() >= rate or earliest >= latest:
                continue
            row = self._row(
                EntityKind.PERSON, person.person_id, kind, None, earliest, latest
            )
            if row is not None:
                rows.append(row)
        return rows

    def for_enterprise(self, enterprise: TrueEnterprise) -> list[tuple[str, ...]]:
        """sanctions.csv rows against ``enterprise`` (usually none)."""
        rng = self._rng
        rows = []
        factor = (
            self._config.sanctions.revoked_factor
            if enterprise.status is EnterpriseStatus.REVOKED
            else 1.0
        )
        earliest = max(REGIME_START, enterprise.founded_on + timedelta(days=30))
        latest = (enterprise.closed_on or self._today) - timedelta(days=1)
        for kind, rate in self._config.sanctions.enterprise:
            if rng.random() >= rate * factor or earliest >= latest:
                continue
            row = self._row(
                EntityKind.ENTERPRISE,
                enterprise.credit_code,
                kind,
                enterprise.region,
                earliest,
                latest,
            )
            if row is not None:
                rows.append(row)
        return rows

    # ---------------------------------------------------------------------- parts

    def _row(
        self,
        subject_kind: EntityKind,
        subject_id: str,
        kind: SanctionType,
        region: str | None,
        earliest: date,
        latest: date,
    ) -> tuple[str, ...] | None:
        """One sanctions.csv row; ``region`` None: a Chengdu county of that year."""
        dates = self._dates(kind, earliest, latest)
        if dates is None:
            return None
        violation, decided = dates
        if region is None:
            codes = _local_codes(decided.year)
            region = codes[int(self._rng.random() * len(codes))]
        authority, number = self._authority(kind, region, decided.year)
        display_until = self._display_until(kind, decided)
        self._count += 1
        return (
            f"S{self._count:08d}",
            subject_kind.value,
            subject_id,
            kind.value,
            authority,
            number,
            violation.isoformat(),
            decided.isoformat(),
            display_until.isoformat(),
        )

    def _dates(
        self, kind: SanctionType, earliest: date, latest: date
    ) -> tuple[date, date] | None:
        """Violation and decision dates, the violation in ``[earliest, latest)``."""
        rng = self._rng
        # nothing is decided after the enterprise closed, nor after yesterday
        last_decision = min(latest, self._today - timedelta(days=1))
        if kind is SanctionType.ABNORMAL_OPERATIONS:
            # the annual report was due on 30 June; the listing follows that summer
            first = earliest.year + (date(earliest.year, 6, 30) < earliest)
            last = latest.year - (date(latest.year, 6, 30) >= latest)
            if first > last:
                return None
            year = first + int(rng.random() * (last - first + 1))
            decided = date(year, 7, 1) + timedelta(days=int(rng.random() * 90))
            return date(year, 6, 30), min(decided, last_decision)
        violation = earliest + timedelta(
            days=int(rng.random() * (latest - earliest).days)
        )
        decided = violation + timedelta(days=20 + int(rng.random() * 345))
        return violation, min(decided, last_decision)

    def _display_until(self, kind: SanctionType, decided: date) -> date:
        rng = self._rng
        if kind is SanctionType.DISHONEST_JUDGMENT_DEBTOR:
            return add_years(decided, int(self._court_terms.pick(rng)))
        if kind is SanctionType.ABNORMAL_OPERATIONS and rng.random() < _EARLY_REMOVAL:
            return decided + timedelta(days=30 + int(rng.random() * 335))
        return add_years(decided, 3)

    def _next_number(self, series: str, year: int, step: int) -> int:
        key = (series, year)
        number = self._numbers.get(key, 0) + 1 + int(self._rng.random() * step)
        self._numbers[key] = number
        return number

    def _authority(self, kind: SanctionType, region: str, year: int) -> tuple[str, str]:
        """The deciding authority's name and the decision number."""
        province, prefecture, county = _place(region, year)
        abbr = _PROVINCE_ABBR.get(region[:2], "")
        city = prefecture[:1] or province[:1]
        local = f"{prefecture}{county}" if county.endswith("区") else county
        regulator, short = (
            ("市场监督管理局", "市监")
            if year >= SAMR_YEAR
            else ("工商行政管理局", "工商")
        )
        if kind is SanctionType.SERIOUS_ILLEGAL_DISHONEST:
            series = f"{abbr}{short}严"
            n = self._next_number(series, year, 3)
            return f"{province}{regulator}", f"{series}〔{year}〕{n}号"
        if kind is SanctionType.ABNORMAL_OPERATIONS:
            series = f"{city}{county[:1]}{short}经异"
            n = self._next_number(series, year, 20)
            return f"{local}{regulator}", f"{series}〔{year}〕{n}号"
        if kind is SanctionType.ADMINISTRATIVE_PENALTY:
            series = f"{city}{county[:1]}{short}罚"
            n = self._next_number(series, year, 8)
            return f"{local}{regulator}", f"{series}〔{year}〕{n}号"
        if kind is SanctionType.MAJOR_TAX_VIOLATION:
            series = f"{city}税稽罚"
            n = self._next_number(series, year, 5)
            if year >= TAX_MERGER_YEAR:
                return (
                    f"国家税务总局{prefecture}税务局稽查局",
                    f"{series}〔{year}〕{n}号",
                )
            return f"{prefecture}地方税务局稽查局", f"{series}〔{year}〕{n}号"
        series = f"{abbr}{region[2:6]}执"
        n = self._next_number(series, year, 40)
        return f"{local}人民法院", f"（{year}）{series}{n}号"


@functools.cache
def _local_codes(year: int) -> tuple[str, ...]:
    """Chengdu's county codes in ``year``'s list."""
    return tuple(c for c in county_codes_in_use(year) if c.startswith(LOCAL_PREFIX))
