"""Benchmark of ``credlink export``: entities per second and peak memory per format.

Generates (once, kept in ``--work``) a registry with ``loaders.generator``, loads
it into an ``EmbeddedStore`` and propagates, then runs each export in a process of
its own and reads that process's peak resident memory (``VmHWM``):

- baseline: a plain ``sqlite3`` read of the same rows (persons, enterprises,
  roles, sanctions, restrictions), no conversion, nothing written;
- ftm, neo4j-csv, graphml, xlsx: ``api.exchange.export`` of the whole graph, full
  view (neo4j-csv also writes the source records: they are counted).

Prints entities read per second, time as a multiple of the baseline's, the peak
memory and the output size. Constant memory shows as the same peak at 100k and 1M.

Run: ``.venv/bin/python bench/export.py`` (100k persons, 30k enterprises);
``--persons 1000000 --enterprises 300000`` for the 1M registry, or ``--store
PATH`` for a loaded and propagated embedded store made elsewhere (such as the
one bench/api.py builds); ``--formats ftm,xlsx`` runs only some.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path: put the project
# root there instead.
_ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(_ROOT)

from api.exchange.formats import ExportFormat, export  # noqa: E402
from api.routes.views import View  # noqa: E402
from graph.embedded_store import EmbeddedStore  # noqa: E402
from graph.policy import load_catalogue  # noqa: E402
from loaders.generator import generate  # noqa: E402
from loaders.pipeline import load_folder  # noqa: E402

BASELINE = "baseline"
_TABLES = ("persons", "enterprises", "roles", "sanctions", "restrictions")


def _prepare(work: Path, persons: int, enterprises: int, seed: int) -> Path:
    """The loaded and propagated store of the registry (built once)."""
    db = work / f"store-{persons}-{enterprises}-{seed}.db"
    done = db.with_suffix(".ready")
    if done.exists():
        return db
    folder = work / f"registry-{persons}-{enterprises}-{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    generate(folder, persons=persons, enterprises=enterprises, seed=seed)
    store = EmbeddedStore(db)
    try:
        load_folder(folder, store, quarantine_dir=work / "quarantine")
        store.propagate(load_catalogue(), full=True)
        counts = store.counts()
    finally:
        store.close()
    shutil.rmtree(folder, ignore_errors=True)
    print(f"prepared {counts} in {time.perf_counter() - started:.0f} s")
    done.touch()
    return db


def _child(kind: str, db: Path, out: Path) -> None:
    """Run one export (or the baseline) and print what it read, as JSON."""
    started = time.perf_counter()
    read: dict[str, int] = {}
    if kind == BASELINE:
        conn = sqlite3.connect(db)
        for table in _TABLES:
            cursor = conn.execute(f"SELECT * FROM {table}")
            count = 0
            while rows := cursor.fetchmany(10_000):
                count += len(rows)
            read[table] = count
        conn.close()
    else:
        store = EmbeddedStore(db)

        def tick(entity: str) -> None:
            read[entity] = read.get(entity, 0) + 1

        try:
            export(store, ExportFormat(kind), out, view=View.FULL, tick=tick)
        finally:
            store.close()
    seconds = time.perf_counter() - started
    print(json.dumps({"read": read, "seconds": seconds, "peak": _peak_memory()}))


def _peak_memory() -> int:
    """This process's peak resident memory in bytes: VmHWM, which starts anew at
    exec (ru_maxrss keeps the parent's peak across fork and exec on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # not Linux


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/credlink-bench-export"))
    parser.add_argument(
        "--store", type=Path, help="an existing propagated embedded store to export"
    )
    parser.add_argument(
        "--formats",
        default=",".join(f.value for f in ExportFormat),
        help="comma-separated formats to run (the baseline always runs)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.db, args.out)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    formats = [ExportFormat(name.strip()).value for name in args.formats.split(",")]
    if args.store is not None:
        db = args.store
        store = EmbeddedStore(db)
        counts = store.counts()
        store.close()
        args.persons, args.enterprises = counts.persons, counts.enterprises
    else:
        db = _prepare(args.work, args.persons, args.enterprises, args.seed)
    rows = []
    for kind in (BASELINE, *formats):
        out = args.work / f"out-{kind}"
        shutil.rmtree(out, ignore_errors=True)
        if out.is_file():
            out.unlink()
        command = [sys.executable, __file__, "--child", kind, "--db", str(db),
                   "--out", str(out)]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        stdout, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"{kind} failed (exit {process.returncode})")
        result = json.loads(stdout.splitlines()[-1])
        rows.append((kind, result, _size(out)))
    _print(args, rows)


def _print(
    args: argparse.Namespace, rows: list[tuple[str, dict[str, Any], int]]
) -> None:
    base = rows[0][1]["seconds"]
    print(
        f"export of {args.persons:,} persons, {args.enterprises:,} enterprises "
        + (f"({args.store})" if args.store else f"(seed {args.seed})")
        + ", embedded store, full view"
    )
    print(
        f"{'format':<10} {'entities':>10} {'seconds':>8} {'entities/s':>11} "
        f"{'x baseline':>10} {'peak MiB':>9} {'out MiB':>8}"
    )
    for kind, result, size in rows:
        entities = sum(result["read"].values())
        seconds = result["seconds"]
        print(
            f"{kind:<10} {entities:>10,} {seconds:>8.1f} {entities / seconds:>11,.0f} "
            f"{seconds / base:>10.1f} {result['peak'] / 2**20:>9.0f} "
            f"{size / 2**20:>8.1f}"
        )


if __name__ == "__main__":
    main()
