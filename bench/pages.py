"""Benchmark of paged neighbourhoods: the first page of a hub against a small one.

Writes one enterprise with ``--holders`` role holders (50,000 by default) and one
with 5, through each store's own upserts, then times in this process, per store:

- ``people_page``: the first page of 100 of the hub, and the first page of 5 of
  the hub against the 5-holder enterprise's (same answer size; the goal: a ratio
  of about 1, as the page is cut in the store's query);
- ``people_of``: every holder of each, unpaged, for comparison (what the route
  answered before pages);
- ``related_page`` (depth 2, limit 100) of a holder of the hub: the first page of
  the people met there.

Prints p50 and p99 (ms) over ``--samples`` calls and the load average.

Run: ``nice .venv/bin/python bench/pages.py`` (both stores; Neo4j through the
local launcher); ``--stores embedded`` for one store; ``--holders 5000`` for a
quick look.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

_ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(_ROOT)
sys.path.insert(1, str(_ROOT / "docker"))

import neo4j  # noqa: E402
import neo4j_launcher  # noqa: E402

from graph.embedded_store import EmbeddedStore  # noqa: E402
from graph.exploration import people_of, people_page, related_page  # noqa: E402
from graph.model import Enterprise, Person, Role, RoleType  # noqa: E402
from graph.neo4j_store import Neo4jStore  # noqa: E402
from linkage.ids import make_uscc, resident_id_check_char  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

    from graph.store import GraphStore

HUB, SMALL = (
    make_uscc("91", "510104", "00000001"),
    make_uscc("91", "510104", "00000002"),
)
_BATCH = 10_000


def _person_id(n: int) -> str:
    body = f"510104{date(1950, 1, 1) + timedelta(days=n % 18_000):%Y%m%d}"
    body += f"{n // 18_000:03d}"
    return body + resident_id_check_char(body)


def _fill(store: GraphStore, holders: int) -> None:
    persons = [Person(_person_id(n), "张三") for n in range(holders + 5)]
    for start in range(0, len(persons), _BATCH):
        store.upsert_persons(persons[start : start + _BATCH])
    store.upsert_enterprises([Enterprise(HUB, "枢纽"), Enterprise(SMALL, "小店")])
    roles = [
        Role(p.person_id, HUB if n < holders else SMALL, RoleType.SHAREHOLDER,
             date(2010, 1, 1), None, "bench", str(n))
        for n, p in enumerate(persons)
    ]  # fmt: skip
    for start in range(0, len(roles), _BATCH):
        store.upsert_roles(roles[start : start + _BATCH])


def _times(call: Callable[[], object], samples: int) -> tuple[float, float]:
    call()  # plans and caches: not a latency
    found = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        found.append((time.perf_counter() - started) * 1000)
    ordered = sorted(found)
    return statistics.median(found), ordered[min(len(ordered) - 1, int(0.99 * samples))]


def _measure(label: str, store: GraphStore, samples: int, unpaged: bool) -> list[str]:
    hub = _times(lambda: people_page(store, HUB, None, limit=100), samples)
    hub5 = _times(lambda: people_page(store, HUB, None, limit=5), samples)
    small = _times(lambda: people_page(store, SMALL, None, limit=100), samples)
    whole = (
        _times(lambda: people_of(store, HUB, None), max(3, samples // 20))
        if unpaged
        else (float("nan"), float("nan"))
    )
    holder = _person_id(0)
    related = _times(
        lambda: related_page(store, holder, None, depth=2, limit=100), samples
    )
    return [
        f"| {label} | people_page, hub, first 100 | {hub[0]:.1f} | {hub[1]:.1f} |",
        f"| {label} | people_page, hub, first 5 | {hub5[0]:.2f} | {hub5[1]:.1f} |",
        f"| {label} | people_page, 5 holders | {small[0]:.2f} | {small[1]:.1f} |",
        f"| {label} | ratio hub first 5 / small (p50) | {hub5[0] / small[0]:.2f} | |",
        f"| {label} | people_of, hub, unpaged | {whole[0]:.1f} | {whole[1]:.1f} |",
        f"| {label} | related_page depth 2, a hub holder, first 100 "
        f"| {related[0]:.1f} | {related[1]:.1f} |",
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--holders", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument(
        "--no-unpaged",
        dest="unpaged",
        action="store_false",
        help="skip people_of (one read per holder: minutes on Neo4j for a hub)",
    )
    args = parser.parse_args(argv)
    stores = set(args.stores.split(","))
    lines: list[str] = []
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    if "embedded" in stores:
        folder = Path(tempfile.mkdtemp(prefix="credlink-bench-pages-"))
        store = EmbeddedStore(folder / "bench.db")
        started = time.perf_counter()
        _fill(store, args.holders)
        print(f"embedded: written in {time.perf_counter() - started:.0f} s")
        lines += _measure("embedded", store, args.samples, args.unpaged)
        store.close()
    if "neo4j" in stores:
        home = Path(tempfile.mkdtemp(prefix="credlink-bench-pages-neo4j-"))
        info = neo4j_launcher.start(home, auth=False, stop_with=os.getpid())
        try:
            driver = neo4j.GraphDatabase.driver(info.uri, auth=None)
            store4j = Neo4jStore(driver)
            started = time.perf_counter()
            _fill(store4j, args.holders)
            print(f"neo4j: written in {time.perf_counter() - started:.0f} s")
            lines += _measure("neo4j", store4j, args.samples, args.unpaged)
            driver.close()
        finally:
            neo4j_launcher.stop(home)
    print(f"load average after: {os.getloadavg()[0]:.1f}; {args.holders:,} holders")
    print("| store | call | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
