"""Benchmark of loading a registry: embedded, Neo4j online, the bulk path, neo4j-admin.

Generates (once, cached) a registry with ``loaders.generator.generate`` and
measures in one run, on the same files:

- embedded: ``load_folder`` into an ``EmbeddedStore`` (one SQLite file);
- online: ``load_folder`` into a ``Neo4jStore`` on a launcher-started server
  (its own temporary HOME, auth off, ``--heap`` and ``--pagecache``), batched;
- bulk: ``loaders.bulk.bulk_import`` into another fresh HOME, from reading the
  folder to a started server with its schema (writing the import files, running
  neo4j-admin, starting the server, creating constraints and indexes);
- yardstick: a plain ``neo4j-admin database import full`` of the files the bulk
  path wrote, into a third fresh HOME (the import alone).

Each loading path runs twice: with the fast path (``loaders.fastpath``, the
default) and with ``reference=True`` (every row by the per-row path). The bulk
runs each write their files in a child process of their own, so that the peak
resident memory reported is that run's alone.

Prints rows/s (data rows of the input files), each path's time per row as a
multiple of the yardstick's, and the CPU seconds spent by every process of the
path (Python, neo4j-admin, the server) with the rows per CPU second: on a
shared machine wall time depends on the neighbours, CPU time much less. Checks
that every finished path ends with the same counts. ``--online-limit`` stops the
online load after that many seconds and reports the rate of the rows loaded so
far (the online load is the slow one).

Run: ``.venv/bin/python bench/load.py`` (1M persons, 300k enterprises; it takes a
while: run it under nohup). ``--persons 20000 --enterprises 6000`` is a quick look.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Run as a script, this file's folder comes first on sys.path: put the project
# root and the launcher's folder there instead.
_ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(_ROOT)
sys.path.insert(1, str(_ROOT / "docker"))

import neo4j  # noqa: E402
import neo4j_launcher  # noqa: E402

from graph.embedded_store import EmbeddedStore  # noqa: E402
from graph.neo4j_store import Neo4jStore  # noqa: E402
from loaders.bulk import bulk_import, run_import  # noqa: E402
from loaders.generator import generate, generator_fingerprint  # noqa: E402
from loaders.pipeline import load_folder  # noqa: E402

if TYPE_CHECKING:
    from graph.model import Counts


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured path: what it did, how long it took, what it left."""

    path: str
    seconds: float
    rows: int
    counts: Counts | None
    cpu: float
    detail: str = ""

    @property
    def rate(self) -> float:
        """Input data rows per second."""
        return self.rows / self.seconds if self.seconds else 0.0


def _registry(cache: Path, persons: int, enterprises: int, seed: int) -> Path:
    folder = cache / (
        f"registry-p{persons}-e{enterprises}-s{seed}-g{generator_fingerprint()}"
    )
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        summary = generate(folder, persons=persons, enterprises=enterprises, seed=seed)
        marker.write_text(json.dumps(asdict(summary)) + "\n", encoding="utf-8")
        took = time.perf_counter() - started
        print(f"generated {folder} in {took:.0f} s: {summary}", flush=True)
    return folder


class _TimeLimitError(Exception):
    """The online load ran out of its time budget."""


def _cpu_self() -> float:
    """CPU seconds of this process and of its waited-for children (neo4j-admin)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _cpu_of(pid: int) -> float:
    """CPU seconds a running process has used so far (a detached server)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _progress(label: str, every: float = 60.0, limit: float | None = None) -> Any:
    started = time.perf_counter()
    last = [started]

    def report(rows: int) -> None:
        now = time.perf_counter()
        if limit is not None and now - started > limit:
            raise _TimeLimitError(rows)
        if now - last[0] >= every:
            last[0] = now
            rate = rows / (now - started)
            print(f"  {label}: {rows:,} rows, {rate:,.0f} rows/s", flush=True)

    return report


def _label(path: str, reference: bool) -> str:
    return f"{path} (reference)" if reference else path


def _embedded(folder: Path, work: Path, batch_size: int, reference: bool) -> Figure:
    label = _label("embedded", reference)
    db = work / f"embedded{'-reference' if reference else ''}.db"
    store = EmbeddedStore(db)
    try:
        cpu = _cpu_self()
        started = time.perf_counter()
        report = load_folder(
            folder,
            store,
            batch_size=batch_size,
            quarantine_dir=work / f"quarantine-{label}",
            progress=_progress(label),
            reference=reference,
        )
        seconds = time.perf_counter() - started
        cpu = _cpu_self() - cpu
        return Figure(label, seconds, report.read, store.counts(), cpu)
    finally:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)


def _online(
    folder: Path, work: Path, args: argparse.Namespace, reference: bool
) -> Figure:
    label = _label("neo4j online", reference)
    home = work / f"neo4j-online{'-reference' if reference else ''}"
    info = neo4j_launcher.start(
        home,
        auth=False,
        heap=args.heap,
        pagecache=args.pagecache,
        stop_with=os.getpid(),
    )
    try:
        with neo4j.GraphDatabase.driver(info.uri) as driver:
            store = Neo4jStore(driver)
            cpu = _cpu_self() + _cpu_of(info.pid)
            started = time.perf_counter()
            detail = ""
            try:
                report = load_folder(
                    folder,
                    store,
                    batch_size=args.batch_size,
                    quarantine_dir=work / f"quarantine-{label}",
                    progress=_progress(label, limit=args.online_limit),
                    reference=reference,
                )
                rows = report.read
            except _TimeLimitError as stopped:
                rows = int(stopped.args[0])
                detail = f"stopped after {args.online_limit:.0f} s: rate of a part"
            seconds = time.perf_counter() - started
            cpu = _cpu_self() + _cpu_of(info.pid) - cpu
            counts = None if detail else store.counts()
        return Figure(label, seconds, rows, counts, cpu, detail)
    finally:
        neo4j_launcher.stop(home)
        shutil.rmtree(home / "data", ignore_errors=True)


def _bulk_in_child(
    folder: Path, work: Path, args: argparse.Namespace, reference: bool
) -> tuple[Figure, Any]:
    """:func:`_bulk` in a child process: its peak RSS is that run's alone."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(_bulk, folder, work, args, reference).result()


def _bulk(
    folder: Path, work: Path, args: argparse.Namespace, reference: bool
) -> tuple[Figure, Any]:
    label = _label("bulk", reference)
    home = work / f"neo4j-bulk{'-reference' if reference else ''}"
    cpu = _cpu_self()
    started = time.perf_counter()
    report = bulk_import(
        folder,
        home,
        neo4j_launcher,
        auth=False,
        heap=args.heap,
        pagecache=args.pagecache,
        import_heap=args.import_heap,
        max_off_heap=args.max_off_heap,
        keep_files=True,
        batch_size=args.batch_size,
        quarantine_dir=work / f"quarantine-{label}",
        progress=_progress(f"{label} files"),
        reference=reference,
    )
    write_rss = _peak_rss_mib()
    try:
        with neo4j.GraphDatabase.driver(report.server.uri) as driver:
            schema_started = time.perf_counter()
            store = Neo4jStore(driver)  # constraints and indexes, awaited
            schema = time.perf_counter() - schema_started
            seconds = time.perf_counter() - started
            cpu = _cpu_self() + _cpu_of(report.server.pid) - cpu
            counts = store.counts()
    finally:
        neo4j_launcher.stop(home)
    detail = (
        f"files {report.write_seconds:.0f} s (peak RSS {write_rss:,.0f} MiB), "
        f"neo4j-admin {report.import_seconds:.0f} s, "
        f"start {report.start_seconds:.0f} s, schema {schema:.0f} s"
    )
    figure = Figure(label, seconds, report.files.report.read, counts, cpu, detail)
    return figure, report.files


def _yardstick(files: Any, work: Path, rows: int, args: argparse.Namespace) -> Figure:
    home = work / "neo4j-yardstick"
    cpu = _cpu_self()
    started = time.perf_counter()
    run_import(
        files,
        home,
        neo4j_launcher.admin,
        heap=args.import_heap,
        max_off_heap=args.max_off_heap,
    )
    seconds = time.perf_counter() - started
    cpu = _cpu_self() - cpu
    shutil.rmtree(home / "data", ignore_errors=True)
    return Figure("neo4j-admin import", seconds, rows, files.counts, cpu, "import only")


def _speedups(figures: list[Figure]) -> str:
    """Each path's rows/s with the fast path over its rate with the reference."""
    rate = {f.path: f.rate for f in figures}
    lines = []
    for path in ("bulk", "embedded", "neo4j online"):
        fast, reference = rate.get(path), rate.get(_label(path, True))
        if fast and reference:
            lines.append(f"{path:<26} fast path {fast / reference:.2f}x the reference")
    return "\n".join(lines)


def _table(figures: list[Figure], yardstick: Figure | None) -> str:
    head = f"{'path':<26} {'seconds':>9} {'rows/s':>10} {'× yardstick':>12}"
    lines = [f"{head} {'CPU s':>8} {'rows/CPU s':>11}  detail", "-" * 100]
    for f in figures:
        # time per row against the yardstick's (also right for a partial load)
        ratio = f"{yardstick.rate / f.rate:.2f}" if yardstick and f.rate else "-"
        per_cpu = f"{f.rows / f.cpu:,.0f}" if f.cpu else "-"
        lines.append(
            f"{f.path:<26} {f.seconds:>9.1f} {f.rate:>10,.0f} {ratio:>12} "
            f"{f.cpu:>8.0f} {per_cpu:>11}  {f.detail}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; the exit status is 1 when the paths disagree on counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path.home() / ".cache" / "credlink" / "bench",
        help="where the generated registry is kept between runs",
    )
    parser.add_argument("--work", type=Path, help="scratch folder [a temporary one]")
    parser.add_argument("--heap", default="4g", help="Neo4j server heap")
    parser.add_argument("--pagecache", default="4g", help="Neo4j page cache")
    parser.add_argument("--import-heap", default="2g", help="neo4j-admin heap")
    parser.add_argument(
        "--max-off-heap", default="6g", help="neo4j-admin off-heap memory"
    )
    parser.add_argument(
        "--online-limit",
        type=float,
        help="stop the online load after this many seconds (rate of a part)",
    )
    parser.add_argument("--skip-embedded", action="store_true")
    parser.add_argument("--skip-neo4j", action="store_true", help="no online load")
    parser.add_argument(
        "--skip-bulk", action="store_true", help="no bulk, no yardstick"
    )
    parser.add_argument(
        "--skip-reference", action="store_true", help="the fast path only"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    folder = _registry(args.cache, args.persons, args.enterprises, args.seed)
    work = args.work or Path(tempfile.mkdtemp(prefix="credlink-bench-load-"))
    work.mkdir(parents=True, exist_ok=True)
    start_load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"registry {folder}\nscratch {work}\nload average {start_load}", flush=True)
    figures: list[Figure] = []
    yardstick: Figure | None = None
    try:
        modes = [False] if args.skip_reference else [False, True]
        if not args.skip_bulk:
            for reference in modes:
                bulk, files = _bulk_in_child(folder, work, args, reference)
                print(f"{bulk.path}: {bulk.seconds:.1f} s ({bulk.detail})", flush=True)
                figures.append(bulk)
                if yardstick is None:
                    yardstick = _yardstick(files, work, bulk.rows, args)
                    print(f"yardstick: {yardstick.seconds:.1f} s", flush=True)
                    figures.append(yardstick)
                shutil.rmtree(work / "neo4j-bulk", ignore_errors=True)
                shutil.rmtree(work / "neo4j-bulk-reference", ignore_errors=True)
        if not args.skip_embedded:
            for reference in modes:
                figures.append(_embedded(folder, work, args.batch_size, reference))
                print(f"{figures[-1].path}: {figures[-1].seconds:.1f} s", flush=True)
        if not args.skip_neo4j:
            for reference in modes:
                figures.append(_online(folder, work, args, reference))
                print(f"{figures[-1].path}: {figures[-1].seconds:.1f} s", flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)

    rows = figures[0].rows if figures else 0
    print(
        f"\n{args.persons:,} persons, {args.enterprises:,} enterprises: {rows:,} rows"
    )
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"{os.cpu_count()} CPUs; load average at the start {start_load}, end {load}")
    print(_table(figures, yardstick))
    print(_speedups(figures))
    counts = {f.path: f.counts for f in figures if f.counts is not None}
    for path, c in counts.items():
        print(f"{path:<26} {c}")
    if args.json:
        data = [
            {
                **asdict(f),
                "rate": f.rate,
                "counts": asdict(f.counts) if f.counts else None,
            }
            for f in figures
        ]
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    agree = len(set(counts.values())) <= 1
    if not agree:
        print("the paths disagree on counts", file=sys.stderr)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
