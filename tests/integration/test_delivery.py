"""Webhook deliveries against a real receiver on 127.0.0.1, on both stores: the
receiver answers 500, is too slow and is down for a while, and still every event
arrives once answered, signed, in order per person; SIGKILLing the worker at
random points loses nothing (embedded store, worker as a subprocess)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from api.execution.deliver import run_once
from graph.delivery import Delivery, DeliveryState, RetryPolicy, Webhook, verify
from graph.embedded_store import EmbeddedStore
from graph.model import RoleType
from graph.policy import load_catalogue
from graph.subscriptions import Subscription
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)
from tests.receiver import Receiver

if TYPE_CHECKING:
    from pathlib import Path

    from graph.store import GraphStore

SECRET = "a-shared-secret-of-32-characters"
FAST = RetryPolicy(
    attempts=30, base=timedelta(milliseconds=20), cap=timedelta(milliseconds=200),
    timeout=0.3,
)  # fmt: skip


def _events(store: GraphStore, enterprises: int) -> None:
    """Enterprises with two legal representatives each, and a court list against
    each: four restrictions per enterprise (two measures reach each holder)."""
    persons, roles, sanctions = [], [], []
    for n in range(enterprises):
        code = credit_code(n + 1)
        for k in range(2):
            person = resident_id(10 * n + k + 1)
            persons.append(make_person(person_id=person, name=f"P{n}{k}"))
            roles.append(
                make_role(person_id=person, credit_code=code,
                          role=RoleType.LEGAL_REPRESENTATIVE,
                          since=date(2020, 1, 1), record_id=f"{n}-{k}")
            )  # fmt: skip
        sanctions.append(
            make_sanction(sanction_id=f"S{n}", subject_id=code, violation_date=None,
                          type="dishonest_judgment_debtor")
        )  # fmt: skip
    store.upsert_persons(persons)
    store.upsert_enterprises(
        [make_enterprise(credit_code=credit_code(n + 1)) for n in range(enterprises)]
    )
    store.upsert_roles(roles)
    store.upsert_sanctions(sanctions)
    store.propagate(load_catalogue())


def _check_arrivals(store: GraphStore, receiver: Receiver) -> None:
    """Every event arrived answered; signatures verify; duplicates are the same
    event sent again; first arrivals keep each person's order."""
    sent = {e.event_id: e for e in store.outbox_events(after=0, limit=10_000)}
    assert sent
    now = int(time.time())
    for got in receiver.got:
        assert verify(SECRET, got.signature, got.body, now, tolerance=600)
        body = json.loads(got.body)
        assert body["event_id"] == got.event_id
        assert body == sent[got.event_id].body() | {"seq": sent[got.event_id].seq}
    ok = receiver.answered_ok()
    assert {r.event_id for r in ok} == set(sent)
    first: dict[str, int] = {}
    for r in ok:
        first.setdefault(r.event_id, len(first))
    by_person: dict[str, list[int]] = {}
    for event_id in sorted(first, key=first.__getitem__):
        event = sent[event_id]
        by_person.setdefault(event.person_id, []).append(event.seq)
    for seqs in by_person.values():
        assert seqs == sorted(seqs)


def test_every_event_arrives_through_500s_timeouts_and_an_outage(
    store: GraphStore,
) -> None:
    receiver = Receiver(script=["500", "slow", "500", "ok", "slow", "500"],
                        slow_seconds=0.6)  # fmt: skip
    receiver.start()
    try:
        store.save_subscription(Subscription("k1"))
        store.save_webhook(Webhook("k1", receiver.url, SECRET))
        _events(store, 3)
        run_once(store, FAST)
        receiver.stop()  # down for a while: tries fail, state stays pending
        for _ in range(5):
            run_once(store, FAST)
            time.sleep(0.05)
        assert any(d.error for d in store.deliveries("k1"))
        receiver.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            run_once(store, FAST)
            if all(d.state is DeliveryState.DELIVERED for d in store.deliveries("k1")):
                break
            time.sleep(0.02)
        _check_arrivals(store, receiver)
        assert len(store.deliveries("k1")) == len(store.outbox_events(0, 10_000))
    finally:
        receiver.stop()


def test_a_delivery_dies_after_the_last_try_and_is_redelivered(
    store: GraphStore,
) -> None:
    receiver = Receiver(script=["500"] * 3)
    receiver.start()
    try:
        policy = RetryPolicy(attempts=3, base=timedelta(0), cap=timedelta(0),
                             timeout=0.5)  # fmt: skip
        store.save_subscription(
            Subscription("k1", measures=("restrict_high_consumption",))
        )
        store.save_webhook(Webhook("k1", receiver.url, SECRET))
        _events(store, 1)
        for _ in range(3):
            run_once(store, policy)
        (dead,) = [d for d in store.deliveries("k1") if d.state is DeliveryState.DEAD]
        assert dead.attempts == 3
        assert dead.error == "HTTP 500"
        assert store.redeliver("k1", None) == 1
        run_once(store, policy)
        states = {d.state for d in store.deliveries("k1")}
        assert states == {DeliveryState.DELIVERED}
        _check_arrivals_subset(store, receiver, "restrict_high_consumption")
    finally:
        receiver.stop()


def _check_arrivals_subset(store: GraphStore, receiver: Receiver, measure: str) -> None:
    wanted = {e.event_id for e in store.outbox_events(0, 1000) if e.measure == measure}
    assert {r.event_id for r in receiver.answered_ok()} == wanted
    assert {r.event_id for r in receiver.got} == wanted  # nothing else was sent


def test_the_store_keeps_delivery_state(store: GraphStore) -> None:
    store.save_webhook(Webhook("k1", "http://127.0.0.1:9/a", SECRET, cursor=5))
    store.save_webhook(Webhook("k1", "http://127.0.0.1:9/b", SECRET, cursor=2))
    assert store.webhooks() == [Webhook("k1", "http://127.0.0.1:9/b", SECRET, 5)]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    first = Delivery("k1", 7, "evt_7", DeliveryState.PENDING, 0, now)
    store.enqueue_deliveries("k1", [first], 9)
    store.save_delivery(Delivery("k1", 7, "evt_7", DeliveryState.DEAD, 4, now, "x"))
    # queued again (a scan repeated after a crash): left as it is
    store.enqueue_deliveries("k1", [first], 8)
    assert store.webhooks()[0].cursor == 9
    assert store.deliveries("k1") == [
        Delivery("k1", 7, "evt_7", DeliveryState.DEAD, 4, now, "x")
    ]
    assert store.pending_deliveries("k1", 10) == []
    assert store.redeliver("k1", ["evt_7"]) == 1
    (again,) = store.pending_deliveries("k1", 10)
    assert (again.state, again.attempts) == (DeliveryState.PENDING, 0)


def test_sigkill_at_random_points_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    store = EmbeddedStore(db)
    receiver = Receiver(script=["500", "ok", "slow", "ok", "500"] * 4,
                        slow_seconds=0.3)  # fmt: skip
    receiver.start()
    env = {
        **os.environ,
        "CREDLINK_WEBHOOK_BASE_SECONDS": "0.02",
        "CREDLINK_WEBHOOK_CAP_SECONDS": "0.2",
        "CREDLINK_WEBHOOK_ATTEMPTS": "50",
        "CREDLINK_WEBHOOK_TIMEOUT": "0.2",
    }
    command = [sys.executable, "-m", "api", "--store", str(db), "deliver",
               "--interval", "0.02"]  # fmt: skip
    rng = random.Random(14)
    try:
        store.save_subscription(Subscription("k1"))
        store.save_webhook(Webhook("k1", receiver.url, SECRET))
        _events(store, 6)
        total = len(store.outbox_events(0, 10_000))
        for _ in range(5):
            worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)  # fmt: skip
            time.sleep(rng.uniform(0.3, 1.5))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                states = [d.state for d in store.deliveries("k1")]
                if len(states) == total and set(states) == {DeliveryState.DELIVERED}:
                    break
                time.sleep(0.1)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        _check_arrivals(store, receiver)
    finally:
        receiver.stop()
        store.close()
