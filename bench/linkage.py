"""Benchmark of identity resolution on a generated registry with ground truth.

Generates (once, cached) a registry with ``loaders.generator.generate``, takes the
first ``--records`` rows of persons.csv, and measures in one run:

- credlink: reading the CSV, normalising every record with ``linkage.records``
  (``linkage.ids`` underneath) and resolving with ``linkage.resolver.Resolver``;
  pairwise precision, recall and F1 of the automatic merges against truth.csv,
  and recall of the candidate queue (true identity among the top 3 candidates)
  for records whose number was mistyped and for records without a number;
- Splink 5 deterministic linkage (DuckDB backend) on the same records with the
  same rule as credlink's automatic merges (equal normalised ID number), given
  the numbers credlink normalised (so Splink's time excludes normalising);
  its time and F1, and the ratios.

Run: ``.venv/bin/python bench/linkage.py --records 1000000`` (needs the ``bench``
extra: ``pip install -e .[bench]``). ``--no-splink`` skips the yardstick;
``--partitions N`` resolves partition by partition (``linkage.partitions``).
"""

from __future__ import annotations

import argparse
import csv
import gc
import math
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

# Run as a script, this file's folder comes first on sys.path and its name would
# shadow the linkage package: put the project root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from linkage.candidates import sound_key  # noqa: E402
from linkage.partitions import region_buckets, resolve_partitioned  # noqa: E402
from linkage.records import link_record  # noqa: E402
from linkage.resolver import Resolver  # noqa: E402

if TYPE_CHECKING:
    from linkage.records import LinkRecord
    from linkage.resolver import Resolution

RECORDS_PER_PERSON = 1.67  # mean of the generator's default source counts
BROKEN = {"digit_typo", "digit_swap"}
MISSING = "missing_id"
TOP = 3


def _prepare(folder: Path, records: int, seed: int) -> Path:
    from loaders.generator import generate, generator_fingerprint

    target = folder / f"r{records}-s{seed}-g{generator_fingerprint()}"
    if not (target / "persons.csv").exists():
        persons = math.ceil(records / RECORDS_PER_PERSON * 1.02)
        started = time.perf_counter()
        generate(
            target, persons=persons, enterprises=max(100, persons // 20), seed=seed
        )
        print(f"generated {persons:,} persons in {time.perf_counter() - started:.1f} s")
    return target


def _read(path: Path, limit: int) -> list[LinkRecord]:
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for n, row in enumerate(reader):
            if n >= limit:
                break
            fields = dict(zip(header, row, strict=True))
            out.append(link_record(f"{row[0]}#{row[1]}", fields))
    return out


def _truth(path: Path, limit: int) -> tuple[dict[str, str], dict[str, set[str]]]:
    person: dict[str, str] = {}
    corruptions: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for n, (source, record_id, true_id, spoiled) in enumerate(reader):
            if n >= limit:
                break
            key = f"{source}#{record_id}"
            person[key] = true_id
            corruptions[key] = set(spoiled.split(";")) if spoiled else set()
    return person, corruptions


def _rss_mib() -> float:
    """The process's resident memory now, MiB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_mib() -> float:
    """The process's peak resident memory so far, MiB (Linux: KiB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _pairwise(
    clusters: dict[str, list[str]], truth: dict[str, str], eligible: set[str]
) -> tuple[float, float, float, int, int]:
    """Precision, recall, F1 of clusters; recall over pairs of ``eligible`` records."""
    predicted = correct = 0
    for keys in clusters.values():
        predicted += _pairs(len(keys))
        correct += sum(_pairs(c) for c in Counter(truth[k] for k in keys).values())
    by_true: dict[str, list[str]] = defaultdict(list)
    for key in eligible:
        by_true[truth[key]].append(key)
    true_pairs = sum(_pairs(len(v)) for v in by_true.values())
    found = 0
    for keys in clusters.values():
        inside = [k for k in keys if k in eligible]
        found += sum(_pairs(c) for c in Counter(truth[k] for k in inside).values())
    precision = correct / predicted if predicted else 1.0
    recall = found / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, predicted - correct, true_pairs - found


def _evaluate(
    resolution: Resolution,
    truth: dict[str, str],
    corruptions: dict[str, set[str]],
    records: list[LinkRecord],
) -> dict[str, float]:
    dated = {r.key for r in records if r.birth_date is not None}
    # how many true persons go by each name sound: more than TOP and a record with
    # nothing but a name cannot rank its person among the top TOP but by chance
    sounds = {r.key: sound_key(r.name_key) for r in records}
    holders: dict[str, set[str]] = defaultdict(set)
    for key, sound in sounds.items():
        holders[sound].add(truth[key])
    clusters: dict[str, list[str]] = defaultdict(list)
    for key, person in resolution.assignment.items():
        if person is not None:
            clusters[person].append(key)
    eligible = {
        k for k, c in corruptions.items() if not (c & BROKEN) and MISSING not in c
    }
    precision, recall, f1, wrong, missed = _pairwise(clusters, truth, eligible)
    # which true persons each candidate target stands for
    stands_for: dict[str, set[str]] = {}
    for person, keys in clusters.items():
        stands_for[person] = {truth[k] for k in keys}
    per_person = Counter(truth.values())
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    top1_right = 0
    for key, spoiled in corruptions.items():
        if per_person[truth[key]] < 2:
            continue  # no duplicate to find
        if spoiled & BROKEN:
            kind = "typo"
        elif MISSING in spoiled:
            kind = "missing dated" if key in dated else "missing undated"
        else:
            continue
        totals[kind] += 1
        if kind == "missing undated" and len(holders[sounds[key]]) <= TOP:
            totals["distinguishable"] += 1
        candidates = resolution.candidates.get(key, ())
        good = [
            truth[key] in stands_for.get(c.target, {truth.get(c.target, "")})
            for c in candidates[:TOP]
        ]
        if any(good):
            hits[kind] += 1
        if candidates and good[0]:
            top1_right += 1
    # the queue as a classifier: is the best proposal of a record its true identity?
    # every record with a proposal counts, those with no duplicate to find too
    top1_all = sum(1 for c in resolution.candidates.values() if c)
    queue_total = sum(totals[k] for k in ("typo", "missing dated", "missing undated"))
    queue_precision = top1_right / top1_all if top1_all else 1.0
    queue_recall = top1_right / queue_total if queue_total else 1.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "wrong_pairs": wrong,
        "missed_pairs": missed,
        "typo_recall": hits["typo"] / totals["typo"] if totals["typo"] else 1.0,
        "typo_n": totals["typo"],
        **{
            f"{kind.replace(' ', '_')}_{figure}": value
            for kind in ("missing dated", "missing undated")
            for figure, value in (
                ("recall", hits[kind] / totals[kind] if totals[kind] else 1.0),
                ("n", totals[kind]),
            )
        },
        "queue_precision": queue_precision,
        "queue_recall": queue_recall,
        "queue_f1": (
            2 * queue_precision * queue_recall / (queue_precision + queue_recall)
            if queue_precision + queue_recall
            else 0.0
        ),
        "undated_ceiling": (
            totals["distinguishable"] / totals["missing undated"]
            if totals["missing undated"]
            else 1.0
        ),
    }


def _splink(
    records: list[LinkRecord], truth: dict[str, str], eligible: set[str]
) -> tuple[float, float]:
    import duckdb
    import pyarrow as pa  # type: ignore[import-untyped]
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    keys = [r.key for r in records]
    table = pa.table(
        {
            "unique_id": list(range(len(records))),
            "id_number": [r.id_value for r in records],
            "name": [r.name_key for r in records],
        }
    )
    started = time.perf_counter()
    con = duckdb.connect()
    api = DuckDBAPI(connection=con)
    frame = api.register(table, dataset_display_name="persons")
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[block_on("id_number")],
    )
    linker = Linker(frame, settings, log_level=40)
    pairs = linker.inference.deterministic_link()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs)
    rows = clusters.as_duckdbpyrelation().select("cluster_id, unique_id").fetchall()
    elapsed = time.perf_counter() - started
    con.close()
    grouped: dict[str, list[str]] = defaultdict(list)
    for cluster_id, unique_id in rows:
        grouped[str(cluster_id)].append(keys[unique_id])
    _, _, f1, _, _ = _pairwise(grouped, truth, eligible)
    return elapsed, f1


def main() -> None:
    """Generate, link, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=Path("/tmp/credlink-bench"))
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument(
        "--partitions",
        type=int,
        default=0,
        help="resolve region codes dealt into this many partitions, one after "
        "another (linkage.partitions), instead of all records at once",
    )
    parser.add_argument(
        "--gc",
        action="store_true",
        help="keep Python's cyclic garbage collector on while linking (default: "
        "off, as a batch linker that creates millions of acyclic objects runs)",
    )
    args = parser.parse_args()
    folder = _prepare(args.data, args.records, args.seed)
    truth, corruptions = _truth(folder / "truth.csv", args.records)

    gc.collect()
    if not args.gc:
        gc.disable()
    rss_start = _rss_mib()
    started = time.perf_counter()
    cpu_started = time.process_time()
    records = _read(folder / "persons.csv", args.records)
    read_done = time.perf_counter()
    rss_read = _rss_mib()
    resolver = Resolver()
    if args.partitions:
        resolution = resolve_partitioned(records, key=region_buckets(args.partitions))
    else:
        resolver.add(records)
        resolution = resolver.resolve()
    done = time.perf_counter()
    cpu = time.process_time() - cpu_started
    rss_done, peak = _rss_mib(), _peak_mib()
    gc.enable()
    ours = done - started
    figures = _evaluate(resolution, truth, corruptions, records)
    summary = resolution.summary()
    duplicates = sum(1 for n in Counter(truth.values()).values() if n > 1)

    print(f"records                 {len(records):,}")
    if args.partitions:
        print(f"partitions              {args.partitions} (by region code)")
    print(
        f"true persons            {len(set(truth.values())):,} "
        f"({duplicates:,} with more than one record)"
    )
    print(
        f"identities              {summary.identities:,} "
        f"(merged {summary.merged:,}, unresolved records {summary.unresolved:,})"
    )
    print(f"conflicts flagged       {summary.conflicts:,}")
    print(f"records with candidates {summary.records_with_candidates:,}")
    print(
        f"credlink time           {ours:.1f} s "
        f"(read+normalise {read_done - started:.1f} s, "
        f"resolve {done - read_done:.1f} s; CPU time {cpu:.1f} s)"
    )
    print(
        f"credlink memory         peak {peak:,.0f} MiB of the process; "
        f"records {rss_read - rss_start:,.0f} MiB, resolver and resolution "
        f"{rss_done - rss_read:,.0f} MiB more (resident)"
    )
    print(
        "automatic merges        precision {precision:.6f}  recall {recall:.6f}  "
        "F1 {f1:.6f}  (wrong pairs {wrong_pairs:,}, "
        "missed pairs {missed_pairs:,})".format(**figures)
    )
    print(
        f"candidate queue top {TOP}   typo'd IDs {figures['typo_recall']:.4f} "
        f"of {figures['typo_n']:,}; missing IDs with a stated birth date "
        f"{figures['missing_dated_recall']:.4f} of {figures['missing_dated_n']:,}, "
        f"without {figures['missing_undated_recall']:.4f} of "
        f"{figures['missing_undated_n']:,}"
    )
    print(
        "candidate queue top 1   precision {queue_precision:.4f}  recall "
        "{queue_recall:.4f}  F1 {queue_f1:.4f}  (best proposal is the true "
        "identity; all records with proposals)".format(**figures)
    )
    print(
        f"                        records without number and birth date whose "
        f"name sound {TOP} or fewer true persons share: "
        f"{figures['undated_ceiling']:.4f}"
    )
    if args.no_splink:
        return
    del resolver, resolution
    gc.collect()
    eligible = {
        k for k, c in corruptions.items() if not (c & BROKEN) and MISSING not in c
    }
    splink_time, splink_f1 = _splink(records, truth, eligible)
    # like for like: Splink's rule alone, on the same normalised numbers, in Python
    if not args.gc:
        gc.disable()  # as for credlink's own run above
    started = time.perf_counter()
    grouped: dict[str, list[str]] = defaultdict(list)
    for record in records:
        if record.id_value is not None:
            grouped[record.id_value].append(record.key)
    rule_time = time.perf_counter() - started
    gc.enable()
    rule_f1 = _pairwise(grouped, truth, eligible)[2]
    print(f"splink deterministic    {splink_time:.1f} s, F1 {splink_f1:.6f}")
    print(
        f"same rule in credlink   {rule_time:.2f} s, F1 {rule_f1:.6f} "
        "(grouping the normalised numbers: what Splink was given to do)"
    )
    print(
        f"ratios                  full resolver: credlink is "
        f"{splink_time / ours:.2f}x Splink's speed; same rule: "
        f"{splink_time / rule_time:.1f}x; F1 {figures['f1']:.6f} vs {splink_f1:.6f}"
    )


if __name__ == "__main__":
    main()
