"""One HTTP status per domain error; routes never build error responses themselves.

Error bodies never echo an ID number or a key (``scrub_numbers``), and a request
about a person that ends in an error is audited with its outcome before the error
leaves (the guard's ``Caller.failed``).
"""

from __future__ import annotations

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


def _audit_failure(request: Request, status: int, detail: str) -> None:
    caller = getattr(request.state, "caller", None)
    if caller is not None and not caller.recorded:
        caller.failed(_outcome(status), detail)


def install_error_handlers(app: FastAPI) -> None:
    """Map every LinkageError to its status with a JSON body ``{error, detail}``
    (and ``reason`` where the error has one); validation errors without the
    values sent."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, LinkageError)
        status = status_for(exc)
        detail = scrub_numbers(str(exc))
        if not isinstance(exc, AuditWriteError | AccessError):
            _audit_failure(request, status, detail)
        body: dict[str, object] = {"error": type(exc).__name__, "detail": detail}
        reason = getattr(exc, "reason", None)
        if isinstance(reason, str):
            body["reason"] = reason
        headers = {}
        if isinstance(exc, GraphUnavailableError) and exc.retryable:
            headers["Retry-After"] = "5"
        if isinstance(exc, QuotaExceededError):
            headers["Retry-After"] = str(max(1, exc.retry_after))
        if isinstance(exc, AuthenticationError):
            headers["WWW-Authenticate"] = 'Bearer realm="credlink"'
        request_id = getattr(request.state, "request_id", None)
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
