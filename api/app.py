"""The credlink HTTP API: a person's related entities, restrictions and checks.

Run with ``uvicorn api.app:app``. The store comes from ``CREDLINK_STORE`` (see
``api.deps``), the audit file from ``CREDLINK_AUDIT_LOG`` (default
``./credlink-audit.jsonl``), the measures catalogue from ``CREDLINK_CATALOGUE``
(default: the packaged one). Every request about a person needs an ``X-Requester``
header and is written to the audit file before it is answered.
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from api.audit import DEFAULT_AUDIT_LOG, AuditLog
from api.docs import DOC_PATHS, install_docs
from api.errors import install_error_handlers
from api.routes import connections, enterprises, health, persons, sanctions
from api.stores import open_store, store_location
from graph.errors import StoreMissingError
from graph.policy.catalogue import load_catalogue

_log = logging.getLogger("credlink")

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from graph.policy.catalogue import Catalogue
    from graph.store import GraphStore


def create_app(
    store: GraphStore | None = None,
    audit_log: Path | None = None,
    catalogue: Catalogue | None = None,
) -> FastAPI:
    """The app; given a store it uses (and does not close) it, else opens its own."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store
        if store is None:
            try:
                app.state.store = open_store(store_location())
            except StoreMissingError:
                # Answer 503 to every request rather than from an empty new store.
                app.state.store = None
                _log.error("no credlink store at %s", store_location())
        app.state.catalogue = catalogue or load_catalogue(
            Path(path) if (path := os.environ.get("CREDLINK_CATALOGUE")) else None
        )
        app.state.audit = AuditLog(
            audit_log or Path(os.environ.get("CREDLINK_AUDIT_LOG", DEFAULT_AUDIT_LOG))
        )
        try:
            yield
        finally:
            if owned and app.state.store is not None:
                app.state.store.close()

    app = FastAPI(
        title="credlink",
        summary="Identities, roles and the sanctions that reach responsible persons.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by install_docs from packaged assets, not a CDN
        redoc_url=None,
    )
    install_error_handlers(app)
    install_docs(app)

    @app.middleware("http")
    async def refuse_without_store(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """503 for every question while no store exists (the docs still load)."""
        path = request.url.path
        if app.state.store is None and not path.startswith(DOC_PATHS):
            return JSONResponse(
                {
                    "error": "GraphUnavailableError",
                    "detail": "the service has no store to answer from; "
                    "its operator must create or attach one",
                },
                status_code=503,
            )
        return await call_next(request)

    for module in (health, persons, enterprises, sanctions, connections):
        app.include_router(module.router)
    return app


app = create_app()
