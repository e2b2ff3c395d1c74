"""Benchmark of the personal credit report on both stores.

On the synthetic registry ``bench/api.py`` fills (``bench/propagate.py``'s draw:
persons, enterprises with about 10 roles each, a busy 1 %, sanctions of every type,
propagated), for ``--samples`` random persons (half from the busy 1 %), measures in
the same run and process, per store:

- **baseline**: ``enforcement.restrictions_on`` (the restrictions read a report
  contains);
- **report**: gather (store and audit entries) and build the JSON report
  (``api.report.make.make_report``), the work of ``POST /reports`` without HTTP;
- **html**: the same plus rendering HTML.

The three are timed interleaved: for each person, all three in turn, the order
rotating from one person to the next, so that none gains by running after the
others have warmed the store's caches. Prints reports per second (samples over the
summed time of that operation), p50 and p99 (ms), and report p50 / baseline p50.
PDF (WeasyPrint) is timed on ``--pdf`` reports only: it is layout work, not store
work.

Run: ``.venv/bin/python bench/report.py`` (1M persons; a long run, use nohup);
``--persons 100000 --enterprises 30000 --sanctions 10000`` for a quicker look;
``--stores embedded`` for one store. The filled stores are kept (their paths are
printed): ``--embedded-store FILE`` and ``--neo4j-home DIR`` measure them again
without filling (pass the same sizes and seed, which draw the sample).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

_ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(_ROOT)
sys.path.insert(1, str(_ROOT / "docker"))

import neo4j  # noqa: E402
import neo4j_launcher  # noqa: E402

from api.audience import View  # noqa: E402
from api.report.make import ReportFormat, make_report, render  # noqa: E402
from graph import enforcement  # noqa: E402
from graph.embedded_store import EmbeddedStore  # noqa: E402
from graph.neo4j_store import Neo4jStore  # noqa: E402
from graph.policy.catalogue import load_catalogue  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from graph.store import GraphStore


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", _ROOT / "bench" / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _times(call: Callable[[str], object], persons: list[str]) -> list[float]:
    """Each call's time in ms, one person after another."""
    found = []
    for person in persons:
        started = time.perf_counter()
        call(person)
        found.append((time.perf_counter() - started) * 1000)
    return found


def _measure(
    name: str, store: GraphStore, persons: list[str], args: argparse.Namespace
) -> list[str]:
    catalogue = load_catalogue()
    api = _module("api")
    on = api.ON
    store.propagate(catalogue)
    runs: dict[str, Callable[[str], object]] = {
        "baseline (restrictions)": lambda p: enforcement.restrictions_on(
            store, catalogue, p, on
        ),
        "report (JSON)": lambda p: make_report(store, catalogue, (), p, on, View.FULL),
        "report (HTML)": lambda p: render(
            make_report(store, catalogue, (), p, on, View.FULL), ReportFormat.HTML
        ),
    }
    for call in runs.values():  # warm-up
        call(persons[0])
    calls = list(runs.items())
    times: dict[str, list[float]] = {label: [] for label in runs}
    for n, person in enumerate(persons):
        for k in range(len(calls)):
            label, call = calls[(n + k) % len(calls)]
            started = time.perf_counter()
            call(person)
            times[label].append((time.perf_counter() - started) * 1000)
    rows, base = [], 0.0
    for label, found in times.items():
        p50 = statistics.median(found)
        base = base or p50
        rows.append(
            f"| {name} | {label} | {1000 * len(found) / sum(found):,.0f} | "
            f"{p50:.2f} | {_percentile(found, 0.99):.2f} | {p50 / base:.2f} |"
        )
    if args.pdf:
        sample = persons[: args.pdf]
        times = _times(
            lambda p: render(
                make_report(store, catalogue, (), p, on, View.FULL), ReportFormat.PDF
            ),
            sample,
        )
        rows.append(
            f"| {name} | report (PDF, {len(sample)}) | "
            f"{1000 / statistics.mean(times):,.1f} | {statistics.median(times):.0f} | "
            f"{_percentile(times, 0.99):.0f} | {statistics.median(times) / base:.0f} |"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one table row per store and operation."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=300_000)
    parser.add_argument("--sanctions", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=1_000)
    parser.add_argument("--pdf", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="2g")
    parser.add_argument(
        "--embedded-store", type=Path, help="measure this filled store (no fill)"
    )
    parser.add_argument(
        "--neo4j-home", type=Path, help="measure this filled Neo4j home (no fill)"
    )
    args = parser.parse_args(argv)
    api, reg = _module("api"), _module("propagate")
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    print(f"registry: {args.persons:,} persons, {args.enterprises:,} enterprises, "
          f"{args.sanctions:,} sanctions; {args.samples:,} reports per store; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    rng = random.Random(args.seed + 11)
    busy = max(1, args.persons // 100)
    persons = [
        reg._person_id(rng.randrange(busy) if n % 2 else rng.randrange(args.persons))
        for n in range(args.samples)
    ]
    rows: list[str] = []
    if "embedded" in stores:
        path = args.embedded_store
        if path is None:
            path = Path(tempfile.mkdtemp(prefix="credlink-bench-report-")) / "bench.db"
            started = time.perf_counter()
            api._fill_embedded(path, reg, args)
            store = EmbeddedStore(path)
            enforcement.propagate(store, load_catalogue(), full=True)
            print(f"embedded: filled {path} in {time.perf_counter() - started:.0f} s")
        else:
            store = EmbeddedStore(path)
        rows += _measure("embedded", store, persons, args)
        store.close()
    if "neo4j" in stores:
        home = args.neo4j_home
        fill = home is None
        if home is None:
            home = Path(tempfile.mkdtemp(prefix="credlink-bench-report-neo4j-"))
            started = time.perf_counter()
            reg._import(home, args)
        info = neo4j_launcher.start(
            home, auth=False, heap=args.heap, pagecache=args.pagecache,
            stop_with=os.getpid(),
        )  # fmt: skip
        try:
            driver = neo4j.GraphDatabase.driver(info.uri, auth=None)
            store4j = Neo4jStore(driver)
            if fill:
                reg._schema(driver)
                api._sanctions(store4j, reg, random.Random(args.seed + 9), args)
                enforcement.propagate(store4j, load_catalogue(), full=True)
                print(f"neo4j: filled {home} in {time.perf_counter() - started:.0f} s")
            rows += _measure("neo4j", store4j, persons, args)
            driver.close()
        finally:
            neo4j_launcher.stop(home)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("\n| store | operation | per second | p50 ms | p99 ms | p50 / baseline |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
