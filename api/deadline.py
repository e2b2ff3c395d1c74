"""A deadline on every HTTP request: an answer within the store's bound, always.

The driver settings (``graph.neo4j_store.DriverBounds``) make a call to a stopped
server fail fast, but a server that accepts connections and does not answer (one
still starting, or frozen) can hold a query for as long as it likes. This ASGI
middleware answers 503 with ``Retry-After`` once a request has run for the bound;
the request's own work goes on in the background and its late answer is dropped.
The bound is ``CREDLINK_REQUEST_TIMEOUT`` (seconds, default 10; the driver's own
bound, ``CREDLINK_STORE_TIMEOUT``, 3 s, ends calls to a server that is away).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from api.errors import unavailable
from graph.errors import GraphUnavailableError
from graph.timeouts import request_timeout

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

_log = logging.getLogger(__name__)


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
        done, _ = await asyncio.wait({task}, timeout=seconds)
        if done:
            task.result()
            return
        if state["started"]:
            await task  # the answer is on its way: let it finish
            return
        state["late"] = True
        error = GraphUnavailableError(
            f"no answer within {seconds:.1f} s: {scope.get('path', '')}",
            retryable=True,
        )
        await unavailable(error)(scope, receive, send)
