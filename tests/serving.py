"""``credlink serve`` in its own process, for the tests that talk to the real
server over TCP (HTTP tests, browser tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx2

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(store: Path, tmp_path: Path) -> Iterator[str]:
    """``credlink serve`` on ``store`` (audit file in ``tmp_path``) until the block
    ends; its base URL once it answers."""
    port = free_port()
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
