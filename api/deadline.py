"""A deadline on every HTTP request: an answer within the store's bound, always.

The driver settings (``graph.neo4j_store.DriverBounds``) make a call to a stopped
server fail fast, but a server that accepts connections and does not answer (one
still starting, or frozen) can hold a query for as long as it likes. This ASGI
middleware answers 503 with ``Retry-After`` once a request has run for the bound;
the request's own work goes on in the background and its late answer is dropped.
The bound is ``CREDLINK_REQUEST_TIMEOUT`` (seconds, default 10; the driver's own
bound, ``CREDLINK_STORE_TIMEOUT``, 3 s, ends calls to a server that is away). A
route that waits on purpose (the long-poll of ``GET /events?wait=``) adds its
bounded wait to the bound with ``allow_waiting``: only the store's work is held to
it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from api.errors import unavailable
from graph.errors import GraphUnavailableError
from graph.timeouts import request_timeout

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

_log = logging.getLogger(__name__)
_WAIT_KEY = "deadline_waits"


def allow_waiting(request: Request, seconds: float) -> None:
    """Let this request run ``seconds`` longer than the bound: time it spends
    waiting on purpose (a long-poll), not working."""
    state = request.scope.setdefault("state", {})
    state[_WAIT_KEY] = float(state.get(_WAIT_KEY, 0.0)) + seconds


def _waits(scope: Scope) -> float:
    state = scope.get("state") or {}
    return float(state.get(_WAIT_KEY, 0.0))


class DeadlineMiddleware:
    """Answer 503 to an HTTP request still running after the store's bound."""

    def __init__(self, app: ASGIApp, seconds: float | None = None) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seconds = self.seconds or request_timeout()
        state = {"started": False, "late": False}

        async def guarded(message: Message) -> None:
            if state["late"]:
                return  # answered 503 already
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        def log_late_failure(task: asyncio.Future[Any]) -> None:
            if state["late"] and not task.cancelled() and task.exception():
                _log.warning("request failed after its deadline: %s", task.exception())

        task = asyncio.ensure_future(self.app(scope, receive, guarded))
        task.add_done_callback(log_late_failure)
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            left = started + seconds + _waits(scope) - loop.time()
            done, _ = await asyncio.wait({task}, timeout=max(left, 0.0))
            if done:
                task.result()
                return
            if started + seconds + _waits(scope) <= loop.time():
                break  # no wait was allowed meanwhile: the bound is reached
        if state["started"]:
            await task  # the answer is on its way: let it finish
            return
        state["late"] = True
        error = GraphUnavailableError(
            f"no answer within {seconds:.1f} s: {scope.get('path', '')}",
            retryable=True,
        )
        await unavailable(error)(scope, receive, send)
