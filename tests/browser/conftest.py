"""Browser tests: real headless Chromium (Debian's, not a downloaded build) driven by
Playwright, against ``credlink serve`` in its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import httpx2
import pytest
from playwright.sync_api import sync_playwright

from graph.embedded_store import EmbeddedStore
from tests.factories import make_person

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"  # scripts/test installs it when missing
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``credlink serve`` on a small embedded store; its base URL."""
    db = tmp_path / "served.db"
    store = EmbeddedStore(db)
    store.upsert_persons([make_person()])
    store.close()
    port = _free_port()
    env = {**os.environ, "CREDLINK_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "--store", str(db), "serve", "--port",
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


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium, without its own network traffic (updates, sync)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
