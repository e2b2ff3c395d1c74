"""Benchmark: linking 1 % new records incrementally versus a full link.

On the embedded store, or on Neo4j (``--store neo4j``). Generates (once, cached)
a registry with ``loaders.generator.generate`` and takes the first ``--records``
rows of persons.csv as the records already there, the next ``--new`` share as the
records that arrive. The base records are written as the loaders write them
(through ``loaders.rows.interpret_row``: source records keyed by source and record
id, filed under their normalised number when it is valid, one person per valid
number) and linked in full. That store file is copied; the new records are written
to both copies, then one is linked incrementally and the other in full, in the same
run. Prints both times, the ratio, and checks that both stores
end identical (entity keys, candidates, conflicts, persons).

Neo4j (a throwaway server started by the local launcher, its own temporary HOME)
has one database to copy into: there the new records are linked incrementally,
then the same store is linked in full, which must write nothing and leave it as
it was. A first fifth of the new records is linked before the measured run, so
that the server has planned its statements, as a long-running server has.

Run: ``.venv/bin/python bench/link_incremental.py --records 200000`` (add
``--store neo4j`` for the server).
"""

from __future__ import annotations

import argparse
import csv
import gc
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

# Run as a script, this file's folder comes first on sys.path: use the project's.
sys.path[0] = str(Path(__file__).resolve().parents[1])

sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "docker"))

import neo4j  # noqa: E402
import neo4j_launcher  # noqa: E402

from graph.embedded_store import EmbeddedStore  # noqa: E402
from graph.model import EntityKind, Person, SourceRecord  # noqa: E402
from graph.neo4j_store import Neo4jStore  # noqa: E402
from linkage.link_store import link_store  # noqa: E402
from loaders.readers import InputKind, map_row  # noqa: E402
from loaders.rows import RowResult, interpret_row  # noqa: E402

if TYPE_CHECKING:
    from graph.store import GraphStore
    from linkage.link_store import LinkReport

RECORDS_PER_PERSON = 1.67  # mean of the generator's default source counts


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


def _rows(path: Path, limit: int) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return [row for _, row in zip(range(limit), reader, strict=False)]


def _write(store: GraphStore, rows: list[dict[str, str]]) -> None:
    """Write rows as the loaders do (``loaders.rows.interpret_row``): the source
    records, and a person per valid number."""
    records: list[SourceRecord] = []
    persons: list[Person] = []
    for line, row in enumerate(rows, 2):
        done = interpret_row(
            InputKind.PERSONS,
            map_row(InputKind.PERSONS, row.items()),
            file_name="persons.csv",
            line=line,
        )
        if not isinstance(done, RowResult):
            raise SystemExit(f"persons.csv line {line} does not load: {done}")
        records.extend(done.source_records)
        persons.extend(done.persons + done.person_stubs)
    for start in range(0, len(persons), 10_000):
        store.upsert_persons(persons[start : start + 10_000])
    for start in range(0, len(records), 10_000):
        store.upsert_source_records(records[start : start + 10_000])


def _timed(store: GraphStore, *, full: bool) -> LinkReport:
    gc.collect()
    gc.disable()  # as `credlink link` does
    try:
        return link_store(store, full=full)
    finally:
        gc.enable()


def _state(store: GraphStore) -> tuple[object, ...]:
    records = list(store.iter_source_records(EntityKind.PERSON))
    keys = sorted({r.entity_key for r in records if r.entity_key})
    return (
        [(r.key, r.entity_key) for r in records],
        store.candidates(),
        store.conflicts(),
        store.get_persons(keys),
        store.counts(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--new", type=float, default=0.01, help="share arriving")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", choices=("embedded", "neo4j"), default="embedded")
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "credlink-bench"
    )
    args = parser.parse_args()
    added = max(1, round(args.records * args.new))
    folder = _prepare(args.data, args.records + added, args.seed)
    rows = _rows(folder / "persons.csv", args.records + added)
    base, new = rows[: args.records], rows[args.records :]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if args.store == "neo4j":
        _on_neo4j(base, new)
        return
    with tempfile.TemporaryDirectory() as tmp:
        first = EmbeddedStore(Path(tmp) / "incremental.db")
        _write(first, base)
        started = time.perf_counter()
        report = _timed(first, full=True)
        print(
            f"base: {len(base):,} records written and linked in full in "
            f"{time.perf_counter() - started:.1f} s ({report.writes:,} writes)"
        )
        first.close()
        shutil.copy(Path(tmp) / "incremental.db", Path(tmp) / "full.db")
        incremental = EmbeddedStore(Path(tmp) / "incremental.db")
        full = EmbeddedStore(Path(tmp) / "full.db")
        try:
            for store in (incremental, full):
                _write(store, new)
            inc = _timed(incremental, full=False)
            whole = _timed(full, full=True)
            same = _state(incremental) == _state(full)
        finally:
            incremental.close()
            full.close()
    print(
        f"{len(new):,} new records on {len(base):,}: "
        f"incremental {inc.seconds:.2f} s ({inc.considered:,} records considered, "
        f"{inc.writes:,} writes); full {whole.seconds:.2f} s "
        f"({whole.considered:,} records, {whole.writes:,} writes); "
        f"full / incremental = {whole.seconds / inc.seconds:.1f}x; "
        f"stores identical: {same}"
    )
    if not same:
        raise SystemExit("the incremental and the full link disagree")


def _on_neo4j(base: list[dict[str, str]], new: list[dict[str, str]]) -> None:
    """Base linked in full; new records linked incrementally, then in full again."""
    home = Path(tempfile.mkdtemp(prefix="credlink-bench-link-"))
    info = neo4j_launcher.start(
        home, auth=False, heap="2g", pagecache="2g", stop_with=os.getpid()
    )
    driver = neo4j.GraphDatabase.driver(info.uri, auth=None)
    try:
        store = Neo4jStore(driver)
        _write(store, base)
        started = time.perf_counter()
        report = _timed(store, full=True)
        print(
            f"base: {len(base):,} records written and linked in full in "
            f"{time.perf_counter() - started:.1f} s ({report.writes:,} writes)"
        )
        # a server that runs for days has planned these statements: warm it on a
        # first share of the new records, then measure on the rest
        warm, new = new[: len(new) // 5], new[len(new) // 5 :]
        _write(store, warm)
        _timed(store, full=False)
        _write(store, new)
        inc = _timed(store, full=False)
        after = _state(store)
        whole = _timed(store, full=True)
        same = whole.writes == 0 and _state(store) == after
    finally:
        driver.close()
        neo4j_launcher.stop(home)
        shutil.rmtree(home, ignore_errors=True)
    print(
        f"Neo4j: {len(new):,} new records on {len(base):,}: "
        f"incremental {inc.seconds:.2f} s ({inc.considered:,} records considered, "
        f"{inc.writes:,} writes); full over the result {whole.seconds:.2f} s "
        f"({whole.considered:,} records, {whole.writes:,} writes); "
        f"full / incremental = {whole.seconds / inc.seconds:.1f}x; "
        f"the full link changed nothing: {same}"
    )
    if not same:
        raise SystemExit("the full link over the incremental result changed it")


if __name__ == "__main__":
    main()
