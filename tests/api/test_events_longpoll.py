"""GET /events?wait=: the long-poll, against a real HTTP server (uvicorn on
127.0.0.1) on both stores: an event written during the wait comes back before the
wait ends; no event, an empty page with the same cursor once the wait is over;
waiting clients hold no worker thread."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx2
import pytest
import uvicorn

from api.access.apikeys import create_key
from api.access.roles import load_roles
from api.app import create_app
from graph.model import RoleType
from graph.policy import load_catalogue
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)
from tests.serving import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from graph.store import GraphStore

PERSON, COMPANY = resident_id(7, region="510104"), credit_code(7, region="510100")


class Served(NamedTuple):
    """The app on a real server: its base URL, a department's headers, the
    audit log."""

    base: str
    headers: dict[str, str]
    audit_log: Path


@contextmanager
def _uvicorn(app: Any) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped"
        assert time.monotonic() < deadline, "the server did not come up"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def served(store: GraphStore, tmp_path: Path) -> Iterator[Served]:
    store.upsert_persons([make_person(person_id=PERSON)])
    store.upsert_enterprises([make_enterprise(credit_code=COMPANY)])
    store.upsert_roles(
        [make_role(person_id=PERSON, credit_code=COMPANY,
                   role=RoleType.LEGAL_REPRESENTATIVE, since=date(2018, 1, 1))]
    )  # fmt: skip
    key = create_key(store, load_roles(), role="department", name="dept").key
    audit_log = tmp_path / "audit.jsonl"
    app = create_app(store, audit_log, quota_file=tmp_path / "quota.sqlite")
    headers = {"Authorization": f"Bearer {key}"}
    with _uvicorn(app) as base:
        saved = httpx2.post(f"{base}/events/subscription", json={}, headers=headers)
        assert saved.status_code == 200, saved.text
        yield Served(base, headers, audit_log)


def _get(served: Served, **params: Any) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    response = httpx2.get(
        f"{served.base}/events", params=params, headers=served.headers, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json(), time.monotonic() - started


def _sanction(store: GraphStore, n: int) -> None:
    store.upsert_sanctions(
        [make_sanction(sanction_id=f"LP{n}", subject_id=COMPANY, violation_date=None)]
    )
    store.propagate(load_catalogue())


def _audit(served: Served) -> list[dict[str, Any]]:
    import json

    lines = served.audit_log.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_an_event_written_during_the_wait_comes_back_before_it_ends(
    served: Served, store: GraphStore
) -> None:
    head, _ = _get(served)
    assert head["events"] == []
    written: list[float] = []

    def write_later() -> None:
        time.sleep(1.0)
        _sanction(store, 1)
        written.append(time.monotonic())

    writer = threading.Thread(target=write_later)
    started = time.monotonic()
    writer.start()
    page, took = _get(served, after=head["next"], wait=30)
    answered = time.monotonic()
    writer.join()
    assert page["events"], page
    assert {e["sanction_id"] for e in page["events"]} == {"LP1"}
    assert page["next"] == page["events"][-1]["seq"] > head["next"]
    # it waited for the write (however long a loaded machine takes to commit
    # it), and answered soon after the commit, not at the end of the wait
    assert took > 0.9, took
    assert answered - started < 30, took
    assert answered - written[0] < 5, answered - written[0]
    entry = _audit(served)[-1]
    assert entry["action"] == "events.read"
    assert entry["outcome"] == "answered"
    assert set(entry["persons"]) == {PERSON}


def test_no_event_gives_an_empty_page_and_the_same_cursor_after_the_wait(
    served: Served, store: GraphStore
) -> None:
    _sanction(store, 2)
    head, _ = _get(served, limit=1000)
    assert head["events"]
    page, took = _get(served, after=head["next"], wait=1.5)
    assert page == {"events": [], "next": head["next"]}
    assert 1.4 < took < 10, took
    entry = _audit(served)[-1]
    assert (entry["action"], entry["outcome"], entry["persons"]) == (
        "events.read",
        "answered",
        [],
    )


def test_events_already_there_are_answered_at_once(
    served: Served, store: GraphStore
) -> None:
    _sanction(store, 3)
    page, took = _get(served, after=0, wait=30)
    assert page["events"]
    assert took < 5, took


def test_the_wait_is_bounded(served: Served) -> None:
    for bad in ("30.5", "-1", "soon"):
        response = httpx2.get(
            f"{served.base}/events", params={"wait": bad}, headers=served.headers
        )
        assert response.status_code == 422, bad


def test_a_wait_longer_than_the_request_deadline_is_no_timeout(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDLINK_REQUEST_TIMEOUT", "1")
    head, _ = _get(served)
    page, took = _get(served, after=head["next"], wait=2.5)
    assert page == {"events": [], "next": head["next"]}
    assert took >= 2.4


def test_waiting_clients_hold_no_worker_thread(served: Served) -> None:
    head, _ = _get(served)
    waiters = 60  # more than the server's 40 worker threads
    with ThreadPoolExecutor(waiters) as pool:
        waiting = [
            pool.submit(_get, served, after=head["next"], wait=6)
            for _ in range(waiters)
        ]
        time.sleep(1.5)  # all of them are waiting now
        assert not any(f.done() for f in waiting)
        page, took = _get(served, after=head["next"])
        assert page["events"] == []
        assert took < 3, took  # answered while 60 clients wait
        results = [f.result() for f in waiting]
    assert all(p == {"events": [], "next": head["next"]} for p, _ in results)
    assert min(waited for _, waited in results) > 5.9  # each waited its 6 s
