"""Fail fast when the store is away: a real Neo4j stopped and started under load.

This test starts its own server (the session's shared one is never stopped),
sends steady requests to ``/health`` and a person route, stops the server, starts
it again on the same port, and checks every answer: 200 while the store answers,
503 with ``Retry-After`` and no internal address while it is away, each within the
bound (CREDLINK_STORE_TIMEOUT for the driver and CREDLINK_REQUEST_TIMEOUT for a
request, both 3 s here), and 200 again after the restart without restarting the
API. It used to hang up to 53 s per request.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import neo4j_launcher
import pytest
from fastapi.testclient import TestClient

from api.access.apikeys import create_key
from api.access.roles import load_roles
from api.app import create_app
from graph.neo4j_store import Neo4jStore
from tests.factories import make_person, resident_id

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

BOUND = 3.0
"""The store's bound; an answer may take this plus the app's own work."""
SLACK = 0.3


@dataclass(frozen=True, slots=True)
class Answer:
    at: float
    path: str
    status: int
    seconds: float
    retry_after: str | None
    body: str


def test_requests_fail_fast_while_neo4j_is_away_and_recover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDLINK_REQUEST_TIMEOUT", str(BOUND))
    home = tmp_path / "neo4j-home"
    info = neo4j_launcher.start(home, auth=False, stop_with=os.getpid())
    port = int(info.uri.rsplit(":", 1)[1])
    try:
        store = Neo4jStore.connect(info.uri, None, None, database=None, timeout=BOUND)
        store.upsert_persons([make_person()])
        try:
            answers, outage = _under_steady_requests(store, home, port, tmp_path)
        finally:
            store.close()
    finally:
        neo4j_launcher.stop(home)
    down, back = outage
    paths = {"/health", "/persons/lookup"}
    assert {a.path for a in answers} == paths
    slowest = max(a.seconds for a in answers)
    assert slowest < BOUND + SLACK, [
        (round(a.at - down, 2), a.path, a.status, round(a.seconds, 2))
        for a in answers
        if a.seconds >= BOUND
    ] + [round(back - down, 2)]
    assert {a.status for a in answers} == {200, 503}
    for answer in answers:
        if answer.status == 503:
            assert answer.retry_after == "5"
            assert "127.0.0.1" not in answer.body
            assert str(port) not in answer.body
            assert '"store":"unavailable"' in answer.body
    assert all(a.status == 200 for a in answers if a.at < down)
    # recovered without restarting the app: the last answers are all 200
    after = [a for a in answers if a.at > back + BOUND]
    assert after
    assert all(a.status == 200 for a in after), after
    failed = [a for a in answers if a.status == 503]
    recovered = min(a.at for a in answers if a.at > back and a.status == 200)
    print(  # noqa: T201 -- the figures README.md quotes (pytest -s shows them)
        f"\noutage: {len(answers)} requests, {len(failed)} answered 503; slowest "
        f"{slowest:.2f} s (503: {max(a.seconds for a in failed):.2f} s); "
        f"server down for {back - down:.1f} s; first 200 {recovered - back:.2f} s "
        "after it answered again"
    )


def _under_steady_requests(
    store: Neo4jStore, home: Path, port: int, tmp_path: Path
) -> tuple[list[Answer], tuple[float, float]]:
    """Requests every 0.2 s; the server stops after 3 s and is started again."""
    marks: dict[str, float] = {}
    done = threading.Event()

    def outage() -> None:
        time.sleep(3)
        marks["down"] = time.perf_counter()
        neo4j_launcher.stop(home)
        time.sleep(8)
        neo4j_launcher.start(home, port=port, auth=False, stop_with=os.getpid())
        marks["back"] = time.perf_counter()
        time.sleep(BOUND + 4)
        done.set()

    answers: list[Answer] = []
    paths = ["/health", "/persons/lookup"]
    key = create_key(store, load_roles(), role="investigator", name="outage").key
    who = {"Authorization": f"Bearer {key}", "X-Purpose": "enforcement_inspection"}
    app = create_app(store, tmp_path / "audit.jsonl", quota_file=tmp_path / "q")
    with TestClient(app) as client:
        worker = threading.Thread(target=outage)
        worker.start()
        try:
            while not done.is_set():
                for path in paths:
                    started = time.perf_counter()
                    response = (
                        client.get(path)
                        if path == "/health"
                        else client.post(
                            path, json={"id_number": resident_id(1)}, headers=who
                        )
                    )
                    answers.append(
                        Answer(
                            started,
                            path,
                            response.status_code,
                            time.perf_counter() - started,
                            response.headers.get("retry-after"),
                            response.text,
                        )
                    )
                time.sleep(0.2)
        finally:
            worker.join()
    return answers, (marks["down"], marks["back"])
