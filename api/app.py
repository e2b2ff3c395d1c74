"""The credlink HTTP API: accountable access to persons, enterprises, sanctions.

Run with ``credlink serve`` (or ``uvicorn api.app:app``). Configuration comes from
the environment: the store from ``CREDLINK_STORE`` (see ``api.deps``), the audit
file from ``CREDLINK_AUDIT_LOG`` (default ``./credlink-audit.jsonl``), the roles
file from ``CREDLINK_ROLES`` (default: the packaged one), the quota file from
``CREDLINK_QUOTA_FILE`` (default: the audit file's name + ``.quota``), the
measures catalogue from ``CREDLINK_CATALOGUE``, an identity provider from
``CREDLINK_OIDC_*`` (see ``api.access.oidc``).

Every route but ``/health`` and the OpenAPI documents needs a bearer credential;
every access to personal data is audited before it is answered (``api.access``).
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from api import execution
from api.access.guard import Access
from api.access.oidc import OidcSettings, OidcVerifier
from api.access.quota import QuotaBook
from api.access.roles import load_roles
from api.audit import DEFAULT_AUDIT_LOG, AuditLog
from api.docs import DOC_PATHS, install_docs
from api.errors import install_error_handlers
from api.execution import submissions
from api.explorer import install_explorer
from api.explorer import router as explorer_router
from api.logscrub import install_log_scrubbing
from api.routes import (
    audit,
    authorisations,
    checks,
    connections,
    enterprises,
    exports,
    health,
    keys,
    lifecycle,
    own_requests,
    persons,
    reports,
    sanctions,
    search,
    standing,
)
from api.schemas import ErrorOut
from api.stores import open_store, store_location
from graph.errors import StoreMissingError
from graph.policy.catalogue import load_catalogue
from graph.policy.incentives import configured_incentives

_log = logging.getLogger("credlink")

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from api.access.roles import AccessPolicy
    from graph.policy.catalogue import Catalogue
    from graph.store import GraphStore


def audit_log_path(configured: Path | None = None) -> Path:
    """The audit file: the argument, else ``CREDLINK_AUDIT_LOG``, else the default."""
    return configured or Path(os.environ.get("CREDLINK_AUDIT_LOG", DEFAULT_AUDIT_LOG))


def create_app(
    store: GraphStore | None = None,
    audit_log: Path | None = None,
    catalogue: Catalogue | None = None,
    policy: AccessPolicy | None = None,
    quota_file: Path | None = None,
    oidc: OidcSettings | None = None,
) -> FastAPI:
    """The app; given a store it uses (and does not close) it, else opens its own.
    Unset arguments come from the environment (module docstring)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_log_scrubbing()
        owned = store is None
        app.state.store = store
        if store is None:
            try:
                app.state.store = open_store(store_location())
            except StoreMissingError:
                # Answer 503 to every request rather than from an empty new store.
                app.state.store = None
                _log.error("no credlink store at the configured location")
        app.state.catalogue = catalogue or load_catalogue(
            Path(path) if (path := os.environ.get("CREDLINK_CATALOGUE")) else None
        )
        app.state.incentives = configured_incentives()
        log_path = audit_log_path(audit_log)
        anchor = app.state.store.save_audit_checkpoint if app.state.store else None
        log = AuditLog(log_path, anchor=anchor)
        quotas = QuotaBook(
            quota_file
            or Path(os.environ.get("CREDLINK_QUOTA_FILE", f"{log_path}.quota"))
        )
        settings = oidc or OidcSettings.from_env()
        app.state.access = Access(
            policy=policy or load_roles(),
            store=app.state.store,
            audit=log,
            quotas=quotas,
            oidc=OidcVerifier(settings) if settings is not None else None,
            key_cache_seconds=float(os.environ.get("CREDLINK_KEY_CACHE_SECONDS", "5")),
        )
        try:
            yield
        finally:
            if app.state.store is not None:
                log.checkpoint()
            log.close()
            quotas.close()
            if owned and app.state.store is not None:
                app.state.store.close()

    errors: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorOut, "description": text}
        for status, text in _ERRORS.items()
    }
    app = FastAPI(
        responses=errors,
        title="credlink",
        summary="Identities, roles and the sanctions that reach responsible persons.",
        description="Every route but `/health` needs `Authorization: Bearer KEY`; "
        "every access to personal data states a purpose (`X-Purpose`) and is "
        "audited before it is answered. ID numbers travel in request bodies only.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by install_docs from packaged assets, not a CDN
        redoc_url=None,
    )
    install_error_handlers(app)
    install_docs(app)
    for module in (
        health,
        persons,
        checks,
        enterprises,
        sanctions,
        lifecycle,
        connections,
        exports,
        audit,
        keys,
        search,
        standing,
        execution,
        submissions,
        reports,
        authorisations,
        own_requests,
    ):
        app.include_router(module.router)
    app.include_router(explorer_router)
    install_explorer(app)
    app.add_middleware(_RequestIdHeader)
    app.add_middleware(_RefuseWithoutStore)
    return app


_ERRORS = {
    401: "No credentials, or a malformed, wrong, expired or revoked key or token",
    403: "The role may not take this action, or states no purpose of the role",
    404: "No such person, enterprise, sanction or key",
    409: "A transition the rules refuse, or a conflicting state",
    422: "A request that cannot be read (values are never echoed)",
    429: "A quota of the key is used up (see Retry-After)",
    503: "The store or the audit log cannot answer now (see Retry-After)",
}


class _RefuseWithoutStore:
    """503 for every question while no store exists (the docs still load), rather
    than answers from an empty new store (pure ASGI: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(DOC_PATHS):
            application = scope.get("app")
            state = getattr(application, "state", None)
            if state is not None and getattr(state, "store", True) is None:
                response = JSONResponse(
                    {
                        "error": "GraphUnavailableError",
                        "detail": "the service has no store to answer from; "
                        "its operator must create or attach one",
                    },
                    status_code=503,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _RequestIdHeader:
    """Adds the audit entry's request id (``X-Request-ID``) to every answer that
    has one, so a caller can quote it (pure ASGI: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                request_id = scope.get("state", {}).get("request_id")
                headers = list(message.get("headers", []))
                if request_id and not any(k == b"x-request-id" for k, _ in headers):
                    headers.append((b"x-request-id", request_id.encode("ascii")))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


app = create_app()
