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

Prints rows/s (data rows of the input files) and each path's time as a multiple
of the yardstick's, and checks that every path ends with the same counts.

Run: ``.venv/bin/python bench/load.py`` (1M persons, 300k enterprises; it takes a
while: run it under nohup). ``--persons 20000 --enterprises 6000`` is a quick look.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
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
from loaders.generator import generate  # noqa: E402
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
    detail: str = ""

    @property
    def rate(self) -> float:
        """Input data rows per second."""
        return self.rows / self.seconds if self.seconds else 0.0


def _registry(cache: Path, persons: int, enterprises: int, seed: int) -> Path:
    folder = cache / f"registry-p{persons}-e{enterprises}-s{seed}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        summary = generate(folder, persons=persons, enterprises=enterprises, seed=seed)
        marker.write_text(json.dumps(asdict(summary)) + "\n", encoding="utf-8")
        took = time.perf_counter() - started
        print(f"generated {folder} in {took:.0f} s: {summary}", flush=True)
    return folder


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _progress(label: str, every: float = 60.0) -> Any:
    started = time.perf_counter()
    last = [started]

    def report(rows: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= every:
            last[0] = now
            rate = rows / (now - started)
            print(f"  {label}: {rows:,} rows, {rate:,.0f} rows/s", flush=True)

    return report


def _embedded(folder: Path, work: Path, batch_size: int) -> Figure:
    store = EmbeddedStore(work / "embedded.db")
    try:
        started = time.perf_counter()
        report = load_folder(
            folder,
            store,
            batch_size=batch_size,
            quarantine_dir=work / "quarantine-embedded",
            progress=_progress("embedded"),
        )
        seconds = time.perf_counter() - started
        return Figure("embedded", seconds, report.read, store.counts())
    finally:
        store.close()


def _online(folder: Path, work: Path, args: argparse.Namespace) -> Figure:
    home = work / "neo4j-online"
    info = neo4j_launcher.start(
        home, auth=False, heap=args.heap, pagecache=args.pagecache
    )
    try:
        with neo4j.GraphDatabase.driver(info.uri) as driver:
            store = Neo4jStore(driver)
            started = time.perf_counter()
            report = load_folder(
                folder,
                store,
                batch_size=args.batch_size,
                quarantine_dir=work / "quarantine-online",
                progress=_progress("online"),
            )
            seconds = time.perf_counter() - started
            counts = store.counts()
        return Figure("neo4j online", seconds, report.read, counts)
    finally:
        neo4j_launcher.stop(home)
        shutil.rmtree(home / "data", ignore_errors=True)


def _bulk(folder: Path, work: Path, args: argparse.Namespace) -> tuple[Figure, Any]:
    home = work / "neo4j-bulk"
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
        quarantine_dir=work / "quarantine-bulk",
        progress=_progress("bulk files"),
    )
    write_rss = _peak_rss_mib()
    try:
        with neo4j.GraphDatabase.driver(report.server.uri) as driver:
            schema_started = time.perf_counter()
            store = Neo4jStore(driver)  # constraints and indexes, awaited
            schema = time.perf_counter() - schema_started
            seconds = time.perf_counter() - started
            counts = store.counts()
    finally:
        neo4j_launcher.stop(home)
    detail = (
        f"files {report.write_seconds:.0f} s (peak RSS {write_rss:,.0f} MiB), "
        f"neo4j-admin {report.import_seconds:.0f} s, "
        f"start {report.start_seconds:.0f} s, schema {schema:.0f} s"
    )
    return Figure("bulk", seconds, report.files.report.read, counts, detail), report


def _yardstick(files: Any, work: Path, rows: int, args: argparse.Namespace) -> Figure:
    home = work / "neo4j-yardstick"
    started = time.perf_counter()
    run_import(
        files,
        home,
        neo4j_launcher.admin,
        heap=args.import_heap,
        max_off_heap=args.max_off_heap,
    )
    seconds = time.perf_counter() - started
    shutil.rmtree(home / "data", ignore_errors=True)
    return Figure("neo4j-admin import", seconds, rows, files.counts, "import only")


def _table(figures: list[Figure], yardstick: Figure | None) -> str:
    lines = [
        f"{'path':<20} {'seconds':>9} {'rows/s':>10} {'× yardstick':>12}  detail",
        "-" * 78,
    ]
    for f in figures:
        ratio = f"{f.seconds / yardstick.seconds:.2f}" if yardstick else "-"
        lines.append(
            f"{f.path:<20} {f.seconds:>9.1f} {f.rate:>10,.0f} {ratio:>12}  {f.detail}"
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
    parser.add_argument("--skip-embedded", action="store_true")
    parser.add_argument("--skip-neo4j", action="store_true", help="no online load")
    parser.add_argument(
        "--skip-bulk", action="store_true", help="no bulk, no yardstick"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    folder = _registry(args.cache, args.persons, args.enterprises, args.seed)
    work = args.work or Path(tempfile.mkdtemp(prefix="credlink-bench-load-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"registry {folder}\nscratch {work}", flush=True)
    figures: list[Figure] = []
    yardstick: Figure | None = None
    try:
        if not args.skip_bulk:
            bulk, report = _bulk(folder, work, args)
            print(f"bulk: {bulk.seconds:.1f} s ({bulk.detail})", flush=True)
            yardstick = _yardstick(report.files, work, bulk.rows, args)
            print(f"yardstick: {yardstick.seconds:.1f} s", flush=True)
            shutil.rmtree(work / "neo4j-bulk", ignore_errors=True)
            figures += [bulk, yardstick]
        if not args.skip_embedded:
            figures.append(_embedded(folder, work, args.batch_size))
            print(f"embedded: {figures[-1].seconds:.1f} s", flush=True)
        if not args.skip_neo4j:
            figures.append(_online(folder, work, args))
            print(f"online: {figures[-1].seconds:.1f} s", flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)

    rows = figures[0].rows if figures else 0
    print(
        f"\n{args.persons:,} persons, {args.enterprises:,} enterprises: {rows:,} rows"
    )
    print(_table(figures, yardstick))
    counts = {f.path: f.counts for f in figures if f.counts is not None}
    for path, c in counts.items():
        print(f"{path:<20} {c}")
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
