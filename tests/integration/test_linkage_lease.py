"""The link lease: one ``credlink link`` at a time per store. Both stores.

A link takes the store's lease before it reads, renews it before it writes and
releases it when it ends, also on error. Another link is refused while the lease is
held and unexpired; an expired lease (a crashed run's) is taken over.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from graph.embedded_store import EmbeddedStore
from graph.errors import LinkageError, LinkLeaseHeldError
from graph.model import EntityKind, SourceRecord
from linkage.link_store import LinkStep, link_store
from tests.factories import resident_id

if TYPE_CHECKING:
    from graph.store import GraphStore

MINUTE = timedelta(minutes=1)
NUMBER = resident_id(51, birth=date(1979, 3, 4))


def _record(key: str, name: str) -> SourceRecord:
    source, record_id = key.split("#")
    raw = (("id_number", NUMBER), ("name", name))
    return SourceRecord(source, record_id, EntityKind.PERSON, raw, NUMBER)


def test_the_lease_is_taken_renewed_refused_and_released(store: GraphStore) -> None:
    assert store.link_lease() is None
    before = datetime.now(UTC)
    first = store.acquire_link_lease("a", MINUTE)
    assert first.holder == "a"
    assert before - timedelta(seconds=5) <= first.since <= first.expires
    assert first.expires - first.since == MINUTE
    assert store.link_lease() == first

    assert store.acquire_link_lease("b", MINUTE) == first  # held: a's lease
    store.release_link_lease("b")  # not b's: nothing happens
    assert store.link_lease() == first

    renewed = store.acquire_link_lease("a", 2 * MINUTE)
    assert (renewed.holder, renewed.since) == ("a", first.since)
    assert renewed.expires > first.expires

    store.release_link_lease("a")
    assert store.link_lease() is None
    assert store.acquire_link_lease("b", MINUTE).holder == "b"


def test_an_expired_lease_is_taken_over(store: GraphStore) -> None:
    crashed = store.acquire_link_lease("crashed", timedelta(milliseconds=100))
    time.sleep(0.3)
    taken = store.acquire_link_lease("next", MINUTE)
    assert taken.holder == "next"
    assert taken.since > crashed.since
    # a link_store run takes it over too, and releases it
    store.acquire_link_lease("crashed again", timedelta(milliseconds=100))
    store.release_link_lease("next")
    time.sleep(0.3)
    store.upsert_source_records([_record("ps#1", "张伟")])
    link_store(store)
    assert store.link_lease() is None
    assert store.record_links(pending_only=True) == []


@pytest.mark.parametrize("before", ["none", "expired"])
def test_concurrent_acquirers_get_one_lease(store: GraphStore, before: str) -> None:
    if before == "expired":  # every acquirer finds a lease it may take over
        store.acquire_link_lease("crashed", timedelta(milliseconds=100))
        time.sleep(0.3)
    holders = [f"h{n}" for n in range(6)]
    embedded = isinstance(store, EmbeddedStore)
    won: dict[str, str] = {}
    start = threading.Barrier(len(holders))

    def take(holder: str) -> None:
        # each its own connection: an embedded store per thread (as processes on
        # one file would); Neo4j sessions are per call already
        mine = EmbeddedStore(store.location) if embedded else store
        try:
            start.wait()
            won[holder] = mine.acquire_link_lease(holder, MINUTE).holder
        finally:
            if embedded:
                mine.close()

    threads = [threading.Thread(target=take, args=(h,)) for h in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(won.values())) == 1  # every caller saw the same holder
    (winner,) = set(won.values())
    assert winner in holders
    lease = store.link_lease()
    assert lease is not None
    assert lease.holder == winner


def test_a_link_is_refused_while_another_holds_the_lease(store: GraphStore) -> None:
    store.upsert_source_records([_record("ps#1", "张伟")])
    other = store.acquire_link_lease("other-host:4242:cafe0001", MINUTE)
    with pytest.raises(LinkLeaseHeldError) as refused:
        link_store(store)
    assert isinstance(refused.value, LinkageError)
    assert (refused.value.holder, refused.value.since) == (other.holder, other.since)
    message = str(refused.value)
    assert "other-host:4242:cafe0001" in message
    assert other.since.isoformat(timespec="seconds") in message
    # nothing was read or written, and the other run's lease stays
    assert [s.key for s in store.record_links(pending_only=True)] == ["ps#1"]
    assert store.link_lease() == other
    store.release_link_lease(other.holder)
    assert link_store(store).pending == 1


def test_a_second_link_during_a_link_is_refused(store: GraphStore) -> None:
    store.upsert_source_records([_record("ps#1", "张伟")])
    refused_at: list[LinkStep] = []

    def second_link(reached: LinkStep) -> None:
        try:
            link_store(store)
        except LinkLeaseHeldError:
            refused_at.append(reached)

    first = link_store(store, checkpoint=second_link)
    assert refused_at == list(LinkStep)  # refused at every step
    assert first.summary.resolved == 1
    assert store.link_lease() is None  # released by the first, kept by the second


def test_the_lease_is_released_after_an_error_inside_a_link(
    store: GraphStore,
) -> None:
    store.upsert_source_records([_record("ps#1", "张伟"), _record("ps#2", "張偉")])

    def fail(reached: LinkStep) -> None:
        if reached is LinkStep.WRITTEN:
            raise RuntimeError("the run died before saving its link states")

    with pytest.raises(RuntimeError, match="died"):
        link_store(store, checkpoint=fail)
    assert store.link_lease() is None
    # its link states were not saved: the next link does the work again
    assert {s.key for s in store.record_links(pending_only=True)} == {"ps#1", "ps#2"}
    again = link_store(store)
    assert again.summary.resolved == 2
    assert store.record_links(pending_only=True) == []
    assert link_store(store, full=True).writes == 0
