"""GB/T 2260 administrative division codes over time: the region table of the ID rules.

The table is ``linkage/data/gbt2260_regions.csv``, derived by
``scripts/build_regions.py`` from the yearly lists of the Ministry of Civil Affairs
1980-2020 (see docs/identifiers.md). Each row is a run of consecutive yearly lists
in which a code carried one name, so a reused code (362324: 丰城县 until 1981,
铅山县 from 1982) has one row per name. A run that starts in the first list is open
at the start, one that reaches the last list (2020) is open at the end.

Codes created after 2020 are missing from those lists. For them, and only for
runs starting after 2020, the installed python-stdnum's ``cn/loc`` database is
consulted at run time (never copied into this repository).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources
from typing import Final

__all__ = [
    "LAST_LISTED_YEAR",
    "RegionInterval",
    "county_codes_in_use",
    "is_known_region",
    "province_prefixes",
    "region_in_use_since",
    "region_intervals",
    "region_name",
]

LAST_LISTED_YEAR: Final = 2020
"""The year of the newest yearly list the packaged table was derived from."""

_DATA_FILE: Final = "gbt2260_regions.csv"
_OPEN_END: Final = 10_000  # stands for "still in use" when comparing last years
# GB/T 2260 province-level codes that never start a mainland resident ID: Taiwan's
# own code and the three permit prefixes.
_NOT_MAINLAND_PROVINCES: Final = frozenset({"71", "81", "82", "83"})


@dataclass(frozen=True, slots=True)
class RegionInterval:
    """One code with one name over the years ``[first_year, last_year]``.

    ``first_year`` None: in the first list we know (1980), maybe older.
    ``last_year`` None: in the newest list, still in use.
    ``listed`` is False for summary and supplementary codes that the yearly lists
    omit (xxxx01 市辖区, ...) and for codes learnt from python-stdnum.
    """

    code: str
    name: str
    first_year: int | None
    last_year: int | None
    listed: bool = True

    def covers(self, year: int) -> bool:
        """Whether the code carried this name in ``year``."""
        return (self.first_year is None or self.first_year <= year) and (
            self.last_year is None or year <= self.last_year
        )


@functools.cache
def _table() -> dict[str, tuple[RegionInterval, ...]]:
    """The packaged table, keyed by code, runs in chronological order."""
    text = resources.files("linkage.data").joinpath(_DATA_FILE).read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    table: dict[str, list[RegionInterval]] = {}
    for row in csv.DictReader(lines):
        interval = RegionInterval(
            code=row["code"],
            name=row["name"],
            first_year=int(row["first_year"]) if row["first_year"] else None,
            last_year=int(row["last_year"]) if row["last_year"] else None,
            listed=row["source"] == "list",
        )
        table.setdefault(interval.code, []).append(interval)
    return {code: tuple(runs) for code, runs in table.items()}


@functools.cache
def _last_years() -> dict[str, int]:
    """The last year each code was in use (``_OPEN_END`` when it still is).

    Read straight from the packaged rows, without building every interval: a
    resident ID's check needs only this, and it runs at the start of many commands.
    """
    text = resources.files("linkage.data").joinpath(_DATA_FILE).read_text("utf-8")
    rows = csv.reader(line for line in text.splitlines() if not line.startswith("#"))
    header = next(rows)
    code_at, last_at = header.index("code"), header.index("last_year")
    last: dict[str, int] = {}
    for row in rows:
        year = int(row[last_at]) if row[last_at] else _OPEN_END
        code = row[code_at]
        if year > last.get(code, -1):
            last[code] = year
    return last


@functools.cache
def _stdnum_intervals(code: str) -> tuple[RegionInterval, ...]:
    """Runs of ``code`` starting after 2020 according to the installed python-stdnum.

    stdnum's ``cn/loc`` entries look like ``[2021-]三元区`` or
    ``[1983-1989]南头区办事处,[1990-]南山区``. Only runs that start after our
    newest list are taken: for older years the yearly lists are the better source.
    """
    from stdnum import numdb  # imported lazily: only unknown codes need it

    parts = numdb.get("cn/loc").info(code)
    if "".join(prefix for prefix, _ in parts) != code:
        return ()
    county = parts[-1][1].get("county", "")
    runs = []
    for entry in county.split(","):
        if not entry.startswith("[") or "]" not in entry:
            continue
        span, name = entry[1:].split("]", 1)
        start, _, end = span.partition("-")
        if start.isdigit() and int(start) > LAST_LISTED_YEAR:
            last = int(end) if end.isdigit() else None
            runs.append(RegionInterval(code, name, int(start), last, listed=False))
    return tuple(runs)


def region_intervals(code: str) -> tuple[RegionInterval, ...]:
    """Every known run of ``code``: the packaged table, then newer runs from stdnum."""
    return _table().get(code, ()) + _stdnum_intervals(code)


def region_in_use_since(code: str, year: int) -> bool:
    """Whether ``code`` was in use in some year not earlier than ``year``.

    This is the region rule of a resident ID: the number is issued at or after
    birth, so a code created after the birth year is normal, while a code
    abolished before the birth year cannot be the code of that number.
    """
    if _last_years().get(code, -1) >= year:
        return True
    return any(
        r.last_year is None or r.last_year >= year for r in _stdnum_intervals(code)
    )


def is_known_region(code: str) -> bool:
    """Whether ``code`` is a GB/T 2260 code at any time we know of."""
    return code in _last_years() or bool(_stdnum_intervals(code))


def region_name(code: str, year: int) -> str | None:
    """The name ``code`` carried in ``year``, or None if it was not in use then.

    Listed runs win over supplementary ones. Where a yearly list gives one code two
    names in the same year (the 1982 list does so for 4426xx), the run listed
    first in the source wins.
    """
    runs = sorted(region_intervals(code), key=lambda r: not r.listed)
    return next((r.name for r in runs if r.covers(year)), None)


@functools.cache
def county_codes_in_use(year: int) -> tuple[str, ...]:
    """County-level codes of ``year``'s yearly list, sorted.

    County level means listed codes not ending in ``00``: provinces (xx0000) and
    prefectures (xxxx00, including 省直辖县级行政单位 xx9000) are left out, and the
    summary codes the yearly lists never contain (xxxx01 市辖区, xxxx20 市区) are
    not in it either. Years before 1980 give the 1980 list; years after 2020 give
    the 2020 list (codes created since are not included).
    """
    return tuple(
        sorted(
            code
            for code, runs in _table().items()
            if not code.endswith("00")
            and any(r.listed and r.covers(year) for r in runs)
        )
    )


@functools.cache
def province_prefixes() -> frozenset[str]:
    """Two-digit prefixes of the mainland province-level codes (11 ... 65)."""
    return frozenset(
        code[:2]
        for code in _table()
        if code.endswith("0000") and code[:2] not in _NOT_MAINLAND_PROVINCES
    )
