"""Benchmark of the outbox and the webhooks, on the embedded store (and Neo4j with
``--neo4j URI``).

In the same run, on the same synthetic registry:

- a full propagation without the outbox (``store.outbox = False``), then the same
  propagation with it on a fresh copy of the registry: events written per second
  and the outbox's cost as a ratio of the two wall times;
- the latency from a sanction write (upsert and propagate, the write that
  commits its events) to the webhook's arrival at a receiver on 127.0.0.1, with the
  delivery worker (``api.execution.deliver.run_once``) polling every 10 ms in a
  thread with its own store connection: p50, p99 over ``--samples`` writes.

The registry: ``--enterprises`` enterprises, each with a legal representative,
two directors and a senior manager (four persons, half of them holding a role in a
second enterprise), and ``--sanctions`` sanctions of the catalogue's role-reaching
types against random enterprises. Run with ``nice``; a registry far smaller than
the 1M persons of bench/propagate.py (which loads Neo4j directly) is the default.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(_ROOT)

from api.execution.deliver import run_once  # noqa: E402
from graph.delivery import RetryPolicy, Webhook  # noqa: E402
from graph.embedded_store import EmbeddedStore  # noqa: E402
from graph.model import (  # noqa: E402
    Enterprise,
    EntityKind,
    Person,
    Role,
    RoleType,
    Sanction,
)
from graph.policy import load_catalogue  # noqa: E402
from graph.subscriptions import Subscription  # noqa: E402
from linkage.ids import make_resident_id, make_uscc  # noqa: E402
from linkage.regions import county_codes_in_use  # noqa: E402
from tests.receiver import Receiver  # noqa: E402

_DISTRICTS = county_codes_in_use(1999)  # in use after every birth year drawn
TYPES = ("serious_illegal_dishonest", "dishonest_judgment_debtor",
         "major_tax_violation", "license_revoked")  # fmt: skip
ROLES = (RoleType.LEGAL_REPRESENTATIVE, RoleType.DIRECTOR, RoleType.DIRECTOR,
         RoleType.SENIOR_MANAGER)  # fmt: skip


def _code(n: int) -> str:
    return make_uscc("91", "510100", f"{n:08d}")


def _person(n: int) -> str:
    """A distinct valid ID number per ``n`` (1,000 per district)."""
    region = _DISTRICTS[(n // 1000) % len(_DISTRICTS)]
    born = date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
    return make_resident_id(region, born, n % 1000)


def _sanction(n: int, rng: random.Random, enterprises: int) -> Sanction:
    decided = date(2018, 1, 1) + timedelta(days=rng.randrange(2500))
    return Sanction(
        sanction_id=f"B{n}", subject_kind=EntityKind.ENTERPRISE,
        subject_id=_code(rng.randrange(enterprises)), type=rng.choice(TYPES),
        authority="示例机关", decision_no=f"示例〔{n}〕号", decided_on=decided,
        violation_date=decided - timedelta(days=rng.randrange(1, 400)),
    )  # fmt: skip


def _registry(
    store: EmbeddedStore, rng: random.Random, args: argparse.Namespace
) -> None:
    people = 4 * args.enterprises
    ids = [_person(n) for n in range(people)]
    store.upsert_persons(
        [Person(person_id=p, name=f"人{n}") for n, p in enumerate(ids)]
    )
    store.upsert_enterprises(
        [
            Enterprise(credit_code=_code(n), name=f"企业{n}")
            for n in range(args.enterprises)
        ]
    )
    roles = []
    for e in range(args.enterprises):
        for k, role in enumerate(ROLES):
            since = date(2012, 1, 1) + timedelta(days=rng.randrange(3000))
            roles.append(Role(person_id=ids[4 * e + k], credit_code=_code(e), role=role,
                              since=since, until=None, source="bench",
                              record_id=f"{e}-{k}"))  # fmt: skip
            if k % 2 == 0:
                other = rng.randrange(args.enterprises)
                roles.append(Role(person_id=ids[4 * e + k], credit_code=_code(other),
                                  role=RoleType.DIRECTOR, since=since, until=None,
                                  source="bench", record_id=f"{e}-{k}-x"))  # fmt: skip
    store.upsert_roles(roles)
    store.upsert_sanctions(
        [_sanction(n, rng, args.enterprises) for n in range(args.sanctions)]
    )


def _full(path: Path, outbox: bool) -> tuple[float, int, int]:
    store = EmbeddedStore(path)
    store.outbox = outbox
    started = time.perf_counter()
    report = store.propagate(load_catalogue(), full=True)
    seconds = time.perf_counter() - started
    events = len(store.outbox_events(after=0, limit=10_000_000))
    store.close()
    return seconds, report.restrictions_written, events


def _latency(
    path: Path, rng: random.Random, args: argparse.Namespace
) -> tuple[list[float], list[float]]:
    receiver = Receiver()
    receiver.start()
    writer = EmbeddedStore(path)
    worker_store = EmbeddedStore(path)
    head = writer.outbox_events(after=0, limit=10_000_000)
    writer.save_subscription(Subscription("bench"))
    writer.save_webhook(Webhook("bench", receiver.url, "bench-secret-0123456789",
                                cursor=head[-1].seq if head else 0))  # fmt: skip
    stop = threading.Event()
    policy = RetryPolicy(timeout=5.0)

    def work() -> None:
        while not stop.is_set():
            run_once(worker_store, policy)
            time.sleep(0.01)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    catalogue = load_catalogue()
    samples: list[float] = []
    writes: list[float] = []
    try:
        for n in range(args.samples):
            before = len(receiver.got)
            sanction = _sanction(10_000_000 + n, rng, args.enterprises)
            started = time.perf_counter()
            writer.upsert_sanctions([sanction])
            writer.propagate(catalogue)
            written = time.perf_counter() - started
            if len(writer.restriction_facts(sanction_id=sanction.sanction_id)) == 0:
                continue  # reached no one: no event to wait for
            writes.append(written)
            while len(receiver.got) == before:
                time.sleep(0.0005)
            samples.append(time.perf_counter() - started)
    finally:
        stop.set()
        thread.join()
        receiver.stop()
        writer.close()
        worker_store.close()
    return samples, writes


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=25_000)
    parser.add_argument("--sanctions", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="credlink-bench-events-"))
    try:
        base = folder / "base.db"
        store = EmbeddedStore(base)
        _registry(store, rng, args)
        store.close()
        shutil.copy(base, folder / "plain.db")
        shutil.copy(base, folder / "outbox.db")
        load = os.getloadavg()[0]
        print(
            f"registry: {4 * args.enterprises:,} persons, {args.enterprises:,} "
            f"enterprises, {args.sanctions:,} sanctions; load {load:.1f}"
        )
        plain, written, _ = _full(folder / "plain.db", outbox=False)
        with_outbox, written_too, events = _full(folder / "outbox.db", outbox=True)
        assert written == written_too == events, (written, written_too, events)
        print(f"full propagation without outbox: {plain:.2f} s ({written:,} facts)")
        print(f"full propagation with outbox:    {with_outbox:.2f} s "
              f"({events:,} events, {events / with_outbox:,.0f} events/s)")  # fmt: skip
        print(f"outbox cost: x{with_outbox / plain:.2f} the propagation without it")
        samples, writes = _latency(folder / "outbox.db", rng, args)
        print(f"sanction write -> webhook arrival over {len(samples)} writes: "
              f"p50 {1000 * statistics.median(samples):.1f} ms, "
              f"p99 {1000 * _percentile(samples, 0.99):.1f} ms "
              f"(the write alone: p50 {1000 * statistics.median(writes):.1f} ms, "
              f"p99 {1000 * _percentile(writes, 0.99):.1f} ms); "
              f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
