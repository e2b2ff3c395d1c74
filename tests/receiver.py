"""A real webhook receiver on 127.0.0.1 for the delivery tests: answers as it is
told (ok, 500, too slow), can go down and come back on the same port, and keeps
every request it got."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request as it arrived."""

    event_id: str
    signature: str
    body: bytes
    answered: int


@dataclass
class Receiver:
    """Answers each request with the next behaviour of ``script`` ("ok", "500",
    "slow"), then "ok" once the script is used up."""

    script: list[str] = field(default_factory=list)
    slow_seconds: float = 1.0
    got: list[Received] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """Where the receiver listens."""
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        """Listen (on the same port as before, after a ``stop``)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    step = receiver.script.pop(0) if receiver.script else "ok"
                if step == "slow":
                    time.sleep(receiver.slow_seconds)
                status = 500 if step == "500" else 200
                with receiver._lock:
                    receiver.got.append(
                        Received(
                            self.headers.get("Credlink-Event-Id", ""),
                            self.headers.get("Credlink-Signature", ""),
                            body,
                            status,
                        )
                    )
                try:
                    self.send_response(status)
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Go down: the port refuses connections until ``start``."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def answered_ok(self) -> list[Received]:
        """The requests answered 200, in arrival order."""
        with self._lock:
            return [r for r in self.got if r.answered == 200]
