"""One HTTP status per domain error; routes never build error responses themselves.

Error bodies never echo an ID number or a key (``scrub_numbers``), and a request
about a person that ends in an error is audited with its outcome before the error
leaves (the guard's ``Caller.failed``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.audit import AuditWriteError, Outcome
from api.masking import scrub_numbers
from graph.errors import (
    AccessError,
    AuthenticationError,
    EntityNotFoundError,
    GraphUnavailableError,
    IdentityConflictError,
    InvalidIdentifierError,
    InvalidRecordError,
    InvalidRequestError,
    LifecycleError,
    LinkageError,
    LinkLeaseHeldError,
    PermissionDeniedError,
    PolicyError,
    QuotaExceededError,
)

if TYPE_CHECKING:
    from fastapi import FastAPI, Request

STATUS_OF: dict[type[LinkageError], int] = {
    EntityNotFoundError: 404,
    InvalidIdentifierError: 422,
    InvalidRecordError: 422,
    InvalidRequestError: 422,
    LifecycleError: 409,
    IdentityConflictError: 409,
    LinkLeaseHeldError: 409,  # another link runs: try again later
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    QuotaExceededError: 429,
    PolicyError: 500,
    GraphUnavailableError: 503,
    AuditWriteError: 503,  # no answer without its audit entry
}


def status_for(exc: LinkageError) -> int:
    """The status code of a domain error (its nearest mapped class; else 500)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 500


def _outcome(status: int) -> Outcome:
    if status in (401, 403, 429):
        return Outcome.DENIED
    if status == 404:
        return Outcome.NOT_FOUND
    return Outcome.FAILED if status >= 500 else Outcome.REFUSED


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


def _audit_failure(request: Request, status: int, detail: str) -> None:
    caller = getattr(request.state, "caller", None)
    if caller is not None and not caller.recorded:
        caller.failed(_outcome(status), detail)


def install_error_handlers(app: FastAPI) -> None:
    """Map every LinkageError to its status with a JSON body ``{error, detail}``
    (and ``reason`` where the error has one); validation errors without the
    values sent; and put a deadline on every request (``api.deadline``): a store
    that does not answer within its bound gives 503 with ``Retry-After``, never a
    hang."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, LinkageError)
        status = status_for(exc)
        detail = scrub_numbers(str(exc))
        if not isinstance(exc, AuditWriteError | AccessError):
            _audit_failure(request, status, detail)
        request_id = getattr(request.state, "request_id", None)
        if isinstance(exc, GraphUnavailableError):
            answer = unavailable(exc)
            if request_id:
                answer.headers["X-Request-ID"] = request_id
            return answer
        body: dict[str, object] = {"error": type(exc).__name__, "detail": detail}
        reason = getattr(exc, "reason", None)
        if isinstance(reason, str):
            body["reason"] = reason
        headers = {}
        if isinstance(exc, QuotaExceededError):
            headers["Retry-After"] = str(max(1, exc.retry_after))
        if isinstance(exc, AuthenticationError):
            headers["WWW-Authenticate"] = 'Bearer realm="credlink"'
        if request_id:
            headers["X-Request-ID"] = request_id
        return JSONResponse(body, status_code=status, headers=headers)

    async def handle_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {
                "loc": list(error.get("loc", ())),
                "msg": scrub_numbers(str(error.get("msg", ""))),
                "type": error.get("type", ""),
            }
            for error in exc.errors()
        ]  # never the values sent: they may be ID numbers
        _audit_failure(request, 422, "; ".join(p["msg"] for p in problems))
        return JSONResponse(
            {"error": "RequestValidationError", "detail": problems}, status_code=422
        )

    app.add_exception_handler(LinkageError, handle)
    app.add_exception_handler(RequestValidationError, handle_validation)
    # imported here: api.deadline answers with unavailable() of this module
    from api.deadline import DeadlineMiddleware

    app.add_middleware(DeadlineMiddleware)
