"""One HTTP status per domain error; routes never build error responses themselves."""

from __future__ import annotations

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


def install_error_handlers(app: FastAPI) -> None:
    """Map every LinkageError to its status with a JSON body ``{error, detail}``."""

    async def handle(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, LinkageError)
        body: dict[str, object] = {"error": type(exc).__name__, "detail": str(exc)}
        reason = getattr(exc, "reason", None)
        if isinstance(reason, str):
            body["reason"] = reason
        headers = {}
        if isinstance(exc, GraphUnavailableError) and exc.retryable:
            headers["Retry-After"] = "5"
        return JSONResponse(body, status_code=status_for(exc), headers=headers)

    app.add_exception_handler(LinkageError, handle)
