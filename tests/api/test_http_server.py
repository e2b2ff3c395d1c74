"""The real HTTP server: ``credlink serve`` in its own process, over TCP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import httpx2

from graph.embedded_store import EmbeddedStore
from tests.factories import make_person, resident_id

if TYPE_CHECKING:
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
    made = subprocess.run(
        [sys.executable, "-m", "api", "--store", str(db), "keys", "create",
         "--role", "investigator", "--name", "调查组 7", "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    key = json.loads(made.stdout)["key"]
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
        headers = {
            "Authorization": f"Bearer {key}",
            "X-Purpose": "enforcement_inspection",
        }
        person = httpx2.post(
            f"{base}/persons/lookup",
            json={"id_number": resident_id(1)},
            headers=headers,
        )
        assert person.status_code == 200, person.text
        assert person.json()["name"] == "张伟"
        entry = json.loads((tmp_path / "audit.jsonl").read_text(encoding="utf-8"))
        assert (entry["key_name"], entry["subject"]) == ("调查组 7", resident_id(1))
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()
