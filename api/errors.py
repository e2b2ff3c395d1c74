"""One HTTP status per domain error; routes never build error responses themselves."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi.responses import JSONResponse

from graph.errors import (
    EntityNotFoundError,
    GraphUnavailableError,
    IdentityConflictError,
    InvalidIdentifierError,
    InvalidRecordError,
    LifecycleError,
    LinkageError,
    LinkLeaseHeldError,
    PolicyError,
)

if TYPE_CHECKING:
    from fastapi import FastAPI, Request

STATUS_OF: dict[type[LinkageError], int] = {
    EntityNotFoundError: 404,
    InvalidIdentifierError: 422,
    InvalidRecordError: 422,
    LifecycleError: 409,
    IdentityConflictError: 409,
    LinkLeaseHeldError: 409,  # another link runs: try again later
    PolicyError: 500,
    GraphUnavailableError: 503,
}


def status_for(exc: LinkageError) -> int:
    """The status code of a domain error (its nearest mapped class; else 500)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 500


RETRY_AFTER_SECONDS = 5
"""What a 503 asks the client to wait before trying again."""

_log = logging.getLogger(__name__)


def unavailable(exc: GraphUnavailableError) -> JSONResponse:
    """503 for a store that does not answer: ``Retry-After`` when it may come back.

    The body says only that the store is unavailable: the driver's message names
    internal addresses (``bolt://10.0.0.5:7687``), so it goes to the log instead.
    """
    _log.warning("graph store unavailable: %s", exc)
    body = {
        "error": type(exc).__name__,
        "detail": "the graph store is unavailable; try again later"
        if exc.retryable
        else "the graph store refuses this service; an operator must act",
        "store": "unavailable",
    }
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if exc.retryable else {}
    return JSONResponse(body, status_code=503, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every LinkageError to its status with a JSON body ``{error, detail}``,
    and put a deadline on every request (``api.deadline``): a store that does not
    answer within its bound gives 503 with ``Retry-After``, never a hang."""

    async def handle(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, LinkageError)
        if isinstance(exc, GraphUnavailableError):
            return unavailable(exc)
        body: dict[str, object] = {"error": type(exc).__name__, "detail": str(exc)}
        reason = getattr(exc, "reason", None)
        if isinstance(reason, str):
            body["reason"] = reason
        return JSONResponse(body, status_code=status_for(exc))

    app.add_exception_handler(LinkageError, handle)
    # imported here: api.deadline answers with unavailable() of this module
    from api.deadline import DeadlineMiddleware

    app.add_middleware(DeadlineMiddleware)
