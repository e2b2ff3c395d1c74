"""Benchmark of the outbox and the webhooks, on the embedded store and Neo4j.

On the synthetic registry of ``bench/propagate.py`` (persons, enterprises with
about 10 roles each, a busy 1 %, sanctions of every catalogue type; 1M persons,
300k enterprises, 100k sanctions by default: "the 1M registry"), per store, in the
same run:

- a full propagation without the outbox (``store.outbox = False``) and the same
  propagation with it: events written per second and the outbox's cost as a ratio
  of the two, in wall seconds and in CPU seconds (this process's, plus the Neo4j
  server's: on a shared machine wall time mostly measures the neighbours).
  Embedded: each on its own copy of the unpropagated registry. Neo4j, and an
  embedded store given with ``--embedded-store``: ``--rounds`` rounds of (delete
  every fact, propagate without, delete every fact, propagate with); the last
  round is the warm one reported;
- the latency from a sanction write (upsert and propagate, the write that commits
  its events) to the webhook's arrival at a receiver on 127.0.0.1, with the
  delivery worker (``api.execution.deliver.run_once``) polling every 10 ms in a
  thread with its own store connection: p50, p99 over ``--samples`` writes.

The load average is printed before and after each phase (the machine is shared).

Run: ``nohup nice .venv/bin/python bench/events.py > events.log &`` (1M persons:
filling the embedded store through its upserts takes half an hour and more; the
Neo4j registry is bulk-imported). ``--persons 100000 --enterprises 30000
--sanctions 10000`` is a quicker look; ``--stores embedded`` for one store;
``--keep DIR`` keeps the filled registries in DIR, ``--reuse DIR`` measures them
again without filling (each run propagates copies, so a kept registry stays
unpropagated). ``--embedded-store PATH`` measures an embedded store loaded
elsewhere instead, such as the 1M registry of ``loaders.generator`` that
bench/export.py loads and keeps (copy it first: the bench deletes its facts and
writes sanctions).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

_ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(_ROOT)
sys.path.insert(1, str(_ROOT / "docker"))

import neo4j  # noqa: E402
import neo4j_launcher  # noqa: E402

from api.execution.deliver import run_once  # noqa: E402
from graph.delivery import RetryPolicy, Webhook  # noqa: E402
from graph.embedded_store import EmbeddedStore  # noqa: E402
from graph.model import EntityKind  # noqa: E402
from graph.neo4j_store import Neo4jStore  # noqa: E402
from graph.policy import load_catalogue  # noqa: E402
from graph.subscriptions import Subscription  # noqa: E402
from tests.receiver import Receiver  # noqa: E402

if TYPE_CHECKING:
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


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f})"


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}; {_load()}", flush=True)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Run(NamedTuple):
    """One full propagation: wall seconds, CPU seconds (this process, plus the
    server's on Neo4j), facts written, events written."""

    wall: float
    cpu: float
    facts: int
    events: int
    client: float = 0.0  # of ``cpu``: this process's share


def _cpu_of(pid: int | None) -> float:
    """CPU seconds a process has used so far (0 without one)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _full(store: GraphStore, outbox: bool, server: int | None = None) -> Run:
    """A full propagation with or without the outbox (``server``: the Neo4j
    server's pid, whose CPU counts too)."""
    store.outbox = outbox  # type: ignore[attr-defined]
    head = store.outbox_events(after=0, limit=10_000_000)
    last = head[-1].seq if head else 0
    catalogue = load_catalogue()
    cpu, server_cpu = time.process_time(), _cpu_of(server)
    started = time.perf_counter()
    report = store.propagate(catalogue, full=True)
    seconds = time.perf_counter() - started
    client = time.process_time() - cpu
    used = client + _cpu_of(server) - server_cpu
    events = len(store.outbox_events(after=last, limit=10_000_000))
    store.outbox = True  # type: ignore[attr-defined]
    return Run(seconds, used, report.restrictions_written, events, client)


def _latency(
    writer: GraphStore,
    worker: GraphStore,
    reg: ModuleType,
    args: argparse.Namespace,
    subjects: list[str] | None = None,
) -> tuple[list[float], list[float]]:
    """Seconds from each sanction write to its first webhook arrival, and of the
    write alone, over ``args.samples`` writes that reached someone (sanctions of
    bench/propagate.py's draw, against one of ``subjects`` when given)."""
    receiver = Receiver()
    receiver.start()
    head = writer.outbox_events(after=0, limit=10_000_000)
    writer.save_subscription(Subscription("bench"))
    writer.save_webhook(Webhook("bench", receiver.url, "bench-secret-0123456789",
                                cursor=head[-1].seq if head else 0))  # fmt: skip
    stop = threading.Event()
    policy = RetryPolicy(timeout=5.0)

    def work() -> None:
        while not stop.is_set():
            run_once(worker, policy)
            time.sleep(0.01)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    catalogue = load_catalogue()
    rng = random.Random(args.seed + 14)
    fresh = reg._sanctions(rng, 10 * args.samples, args.enterprises, args.persons)
    run = time.strftime("%H%M%S")  # new sanctions on a store measured before
    samples: list[float] = []
    writes: list[float] = []
    try:
        for n, drawn in enumerate(fresh):
            if len(samples) == args.samples:
                break
            sanction = replace(drawn, sanction_id=f"L{run}{n:08d}")
            if subjects:
                sanction = replace(
                    sanction,
                    subject_kind=EntityKind.ENTERPRISE,
                    subject_id=rng.choice(subjects),
                )
            before = len(receiver.got)
            started = time.perf_counter()
            writer.upsert_sanctions([sanction])
            writer.propagate(catalogue)
            written = time.perf_counter() - started
            if not writer.restriction_facts(sanction_id=sanction.sanction_id):
                continue  # reached no one: no event to wait for
            deadline = started + 60
            while len(receiver.got) == before and time.perf_counter() < deadline:
                time.sleep(0.0005)
            if len(receiver.got) == before:
                raise RuntimeError(f"no webhook within 60 s for {sanction.sanction_id}")
            samples.append(time.perf_counter() - started)
            writes.append(written)
    finally:
        stop.set()
        thread.join()
        receiver.stop()
    return samples, writes


def _report(
    name: str,
    plain: Run,
    with_outbox: Run,
    latency: tuple[list[float], list[float]],
) -> list[str]:
    assert plain.facts == with_outbox.facts == with_outbox.events, (
        plain,
        with_outbox,
    )
    events = with_outbox.events
    samples, writes = latency
    return [
        f"{name}: full propagation without outbox: {plain.wall:.2f} s wall, "
        f"{plain.cpu:.2f} s CPU (Python {plain.client:.2f} s; {plain.facts:,} "
        "facts)",
        f"{name}: full propagation with outbox:    {with_outbox.wall:.2f} s wall, "
        f"{with_outbox.cpu:.2f} s CPU (Python {with_outbox.client:.2f} s; "
        f"{events:,} events, "
        f"{events / with_outbox.wall:,.0f} events/s wall)",
        f"{name}: outbox cost: x{with_outbox.wall / plain.wall:.2f} wall, "
        f"x{with_outbox.cpu / plain.cpu:.2f} CPU, the propagation without it",
        f"{name}: sanction write -> webhook arrival over {len(samples)} writes: "
        f"p50 {1000 * statistics.median(samples):.1f} ms, "
        f"p99 {1000 * _percentile(samples, 0.99):.1f} ms "
        f"(the write alone: p50 {1000 * statistics.median(writes):.1f} ms, "
        f"p99 {1000 * _percentile(writes, 0.99):.1f} ms)",
    ]


def _clear(path: Path) -> None:
    """Delete every restriction fact of an embedded store (bench only), so that
    the next full propagation writes them all again."""
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM restrictions")
    conn.close()


def _enterprises_with_roles(path: Path, count: int, seed: int) -> list[str]:
    """Up to ``count`` random enterprises that hold roles, of an embedded store."""
    rng = random.Random(seed)
    with sqlite3.connect(path) as conn:
        top = conn.execute("SELECT max(rowid) FROM roles").fetchone()[0] or 0
        found = {
            row[0]
            for n in range(count)
            for row in conn.execute(
                "SELECT credit_code FROM roles WHERE rowid = ?", (rng.randint(1, top),)
            )
        }
    conn.close()
    return sorted(found)


def _embedded_given(path: Path, args: argparse.Namespace) -> list[str]:
    """The figures on an embedded store loaded elsewhere (``--embedded-store``):
    ``--rounds`` rounds of (delete every fact, propagate without the outbox,
    delete every fact, propagate with it) on the file itself; the last round
    is reported, the latency measured on the result."""
    reg = _module("propagate")
    rounds: list[tuple[Run, Run]] = []
    for n in range(args.rounds):
        found: dict[bool, Run] = {}
        for outbox in (False, True):
            _clear(path)
            store = EmbeddedStore(path)
            _say(f"embedded: round {n + 1}, full propagation, outbox {outbox}")
            found[outbox] = _full(store, outbox)
            _say(f"embedded: done in {found[outbox].wall:.2f} s")
            store.close()
        rounds.append((found[False], found[True]))
        print(f"  round {n + 1}: without {found[False].wall:.2f} s wall "
              f"{found[False].cpu:.2f} s CPU, with {found[True].wall:.2f} s "
              f"wall {found[True].cpu:.2f} s CPU", flush=True)  # fmt: skip
    subjects = _enterprises_with_roles(path, 5_000, args.seed)
    writer, worker = EmbeddedStore(path), EmbeddedStore(path)
    _say("embedded: latency")
    try:
        latency = _latency(writer, worker, reg, args, subjects)
    finally:
        writer.close()
        worker.close()
    _say("embedded: latency done")
    return _report("embedded", *rounds[-1], latency)


def _embedded(folder: Path, args: argparse.Namespace) -> list[str]:
    if args.embedded_store:
        return _embedded_given(args.embedded_store, args)
    api, reg = _module("api"), _module("propagate")
    base = folder / "base.db"
    if not base.exists():
        _say("embedded: filling the registry through the store's upserts")
        started = time.perf_counter()
        api._fill_embedded(base, reg, args)
        _say(f"embedded: filled in {time.perf_counter() - started:.0f} s")
    work = Path(tempfile.mkdtemp(prefix="credlink-bench-events-", dir=folder))
    try:
        found: dict[bool, Run] = {}
        for outbox in (False, True):
            path = work / f"outbox-{outbox}.db"
            shutil.copy(base, path)
            store = EmbeddedStore(path)
            _say(f"embedded: full propagation, outbox {outbox}")
            found[outbox] = _full(store, outbox)
            _say(f"embedded: done in {found[outbox].wall:.2f} s")
            store.close()
        path = work / "outbox-True.db"
        writer, worker = EmbeddedStore(path), EmbeddedStore(path)
        _say("embedded: latency")
        try:
            latency = _latency(writer, worker, reg, args)
        finally:
            writer.close()
            worker.close()
        _say("embedded: latency done")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _report("embedded", found[False], found[True], latency)


def _rng_after_roles(reg: ModuleType, args: argparse.Namespace) -> random.Random:
    """The draw where the embedded fill (bench/api.py) takes its sanctions from:
    after the persons' names and the roles, so both stores get the same ones."""
    rng = random.Random(args.seed)
    for _ in range(args.persons):
        rng.choice(reg._SURNAMES)
        rng.choice(reg._GIVEN)
    for _ in reg._roles(rng, args.enterprises, args.persons):
        pass
    return rng


def _neo4j_sanctions(home: Path, args: argparse.Namespace) -> None:
    """Upsert the sanctions into the imported registry of ``home``, and stop."""
    api, reg = _module("api"), _module("propagate")
    info = neo4j_launcher.start(
        home, auth=False, heap=args.heap, pagecache=args.pagecache,
        stop_with=os.getpid(),
    )  # fmt: skip
    try:
        with neo4j.GraphDatabase.driver(info.uri, auth=None) as driver:
            reg._schema(driver)
            api._sanctions(Neo4jStore(driver), reg, _rng_after_roles(reg, args), args)
    finally:
        neo4j_launcher.stop(home)


def _neo4j(folder: Path, args: argparse.Namespace) -> list[str]:
    api, reg = _module("api"), _module("propagate")
    home = folder / "neo4j"
    filled = (home / "data").exists()
    started = time.perf_counter()
    if not filled:
        home.mkdir(parents=True, exist_ok=True)
        _say("neo4j: bulk import")
        reg._import(home, args)
        if args.keep:  # the sanctions too, then keep it unpropagated
            _neo4j_sanctions(home, args)
            filled = True
    if args.keep or args.reuse:  # measure a copy: the kept registry stays as it is
        run = folder / "neo4j-run"
        shutil.rmtree(run, ignore_errors=True)
        shutil.copytree(home, run)
        (run / "server.json").unlink(missing_ok=True)
        home = run
    info = neo4j_launcher.start(
        home, auth=False, heap=args.heap, pagecache=args.pagecache,
        stop_with=os.getpid(),
    )  # fmt: skip
    try:
        driver = neo4j.GraphDatabase.driver(info.uri, auth=None)
        other = neo4j.GraphDatabase.driver(info.uri, auth=None)
        reg._schema(driver)
        store, worker = Neo4jStore(driver), Neo4jStore(other)
        if not filled:
            api._sanctions(store, reg, _rng_after_roles(reg, args), args)
        _say(f"neo4j: filled in {time.perf_counter() - started:.0f} s")
        rounds: list[tuple[Run, Run]] = []
        for n in range(args.rounds):
            found: dict[bool, Run] = {}
            for outbox in (False, True):
                reg._delete_restrictions(driver)
                _say(f"neo4j: round {n + 1}, full propagation, outbox {outbox}")
                found[outbox] = _full(store, outbox, info.pid)
                _say(f"neo4j: done in {found[outbox].wall:.2f} s")
            rounds.append((found[False], found[True]))
            print(f"  round {n + 1}: without {found[False].wall:.2f} s wall "
                  f"{found[False].cpu:.2f} s CPU, with {found[True].wall:.2f} s "
                  f"wall {found[True].cpu:.2f} s CPU", flush=True)  # fmt: skip
        _say("neo4j: latency")
        latency = _latency(store, worker, reg, args)
        _say("neo4j: latency done")
        driver.close()
        other.close()
    finally:
        neo4j_launcher.stop(home)
    return _report("neo4j", *rounds[-1], latency)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=300_000)
    parser.add_argument("--sanctions", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="2g")
    parser.add_argument("--keep", type=Path, help="fill into DIR and keep it")
    parser.add_argument("--reuse", type=Path, help="DIR of a kept run: fill nothing")
    parser.add_argument(
        "--embedded-store",
        type=Path,
        help="an embedded store loaded elsewhere, to measure instead of filling one "
        "(such as bench/export.py's 1M generator registry); the bench changes it: "
        "it deletes its restrictions before each run and writes sanctions",
    )
    args = parser.parse_args(argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    folder = args.reuse or args.keep
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="credlink-bench-events-"))
    folder.mkdir(parents=True, exist_ok=True)
    _say(
        f"registry: {args.persons:,} persons, {args.enterprises:,} enterprises, "
        f"{args.sanctions:,} sanctions (bench/propagate.py's draw, seed "
        f"{args.seed}); {args.samples} latency samples; in {folder}"
    )
    if args.embedded_store and "embedded" in stores:
        given = EmbeddedStore(args.embedded_store)
        counts = given.counts()
        given.close()
        _say(f"embedded: the store {args.embedded_store} instead: {counts}")
    lines: list[str] = []
    try:
        if "embedded" in stores:
            lines += _embedded(folder, args)
            for line in lines:
                print(line, flush=True)
        if "neo4j" in stores:
            lines += _neo4j(folder, args)
    finally:
        if not (args.keep or args.reuse):
            shutil.rmtree(folder, ignore_errors=True)
    _say("done")
    print()
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
