"""The real HTTP server: ``credlink serve`` in its own process, over TCP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx2

from graph.embedded_store import EmbeddedStore
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    resident_id,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_answers_over_http_and_audits(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    seeded = EmbeddedStore(db)
    seeded.upsert_persons([make_person()])
    seeded.close()
    port = _free_port()
    env = {**os.environ, "CREDLINK_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "--store", str(db), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx2.get(f"{base}/health", timeout=1)
                break
            except httpx2.TransportError:
                assert server.poll() is None, (
                    server.stdout.read() if server.stdout else ""
                )
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "store": "EmbeddedStore"}
        person = httpx2.get(
            f"{base}/persons/{resident_id(1)}", headers={"X-Requester": "t"}
        )
        assert person.status_code == 200
        assert person.json()["name"] == "张伟"
        assert resident_id(1) in (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()


@contextmanager
def _serving(store: Path, tmp_path: Path) -> Iterator[str]:
    """``credlink serve`` on ``store`` in its own process; its base URL."""
    port = _free_port()
    env = {**os.environ, "CREDLINK_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "--store", str(store), "serve", "--port",
         str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx2.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx2.TransportError:
                assert server.poll() is None, (
                    server.stdout.read() if server.stdout else ""
                )
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()


def test_a_server_sees_the_writes_of_another_process(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    seeded = EmbeddedStore(db)
    seeded.upsert_persons([make_person()])
    seeded.upsert_enterprises([make_enterprise()])
    seeded.close()
    who = {"X-Requester": "t"}
    with _serving(db, tmp_path) as base:
        url = f"{base}/persons/{resident_id(1)}/related"
        before = httpx2.get(url, headers=who)
        assert before.status_code == 200, before.text
        assert before.json()["roles"] == []  # the projection is built now
        writer = EmbeddedStore(db)  # this test's process, not the server's
        writer.upsert_roles([make_role()])
        writer.close()
        after = httpx2.get(url, headers=who).json()
        assert [r["credit_code"] for r in after["roles"]] == [credit_code(1)]


def test_a_server_without_a_store_answers_503(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "credlink.db"
    with _serving(missing, tmp_path) as base:
        answer = httpx2.get(
            f"{base}/persons/{resident_id(1)}", headers={"X-Requester": "t"}
        )
        assert answer.status_code == 503
        assert str(tmp_path) not in answer.text  # names nothing internal
        assert httpx2.get(f"{base}/health").status_code == 503
    assert not missing.parent.exists()
