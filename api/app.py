"""The credlink HTTP API: a person's related entities, restrictions and checks.

Run with ``uvicorn api.app:app``. The store comes from ``CREDLINK_STORE`` (see
``api.deps``), the audit file from ``CREDLINK_AUDIT_LOG`` (default
``./credlink-audit.jsonl``), the measures catalogue from ``CREDLINK_CATALOGUE``
(default: the packaged one). Every request about a person needs an ``X-Requester``
header and is written to the audit file before it is answered.
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI

from api.audit import DEFAULT_AUDIT_LOG, AuditLog
from api.deps import open_store, store_location
from api.errors import install_error_handlers
from api.routes import connections, enterprises, health, persons, sanctions
from graph.policy.catalogue import load_catalogue

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

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
        app.state.store = store if store is not None else open_store(store_location())
        app.state.catalogue = catalogue or load_catalogue(
            Path(path) if (path := os.environ.get("CREDLINK_CATALOGUE")) else None
        )
        app.state.audit = AuditLog(
            audit_log or Path(os.environ.get("CREDLINK_AUDIT_LOG", DEFAULT_AUDIT_LOG))
        )
        try:
            yield
        finally:
            if owned:
                app.state.store.close()

    app = FastAPI(
        title="credlink",
        summary="Identities, roles and the sanctions that reach responsible persons.",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for module in (health, persons, enterprises, sanctions, connections):
        app.include_router(module.router)
    return app


app = create_app()
