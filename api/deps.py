"""What HTTP routes ask for: the store, audit log and catalogue the app opened, and
the caller. Choosing and opening a store is ``api.stores``' (re-exported here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, Request

from api.stores import (  # noqa: F401 - re-exported for existing callers
    DEFAULT_STORE,
    is_neo4j_location,
    open_store,
    store_location,
)

if TYPE_CHECKING:
    from api.audit import AuditLog
    from graph.policy.catalogue import Catalogue
    from graph.store import GraphStore

# -- HTTP dependencies -------------------------------------------------------------
# The store and the audit log are opened once, in the app's lifespan, and lent to
# each request through these functions.


def request_store(request: Request) -> GraphStore:
    """The store the app opened at start-up."""
    store: GraphStore = request.app.state.store
    return store


def request_audit(request: Request) -> AuditLog:
    """The audit log the app opened at start-up."""
    audit: AuditLog = request.app.state.audit
    return audit


def request_catalogue(request: Request) -> Catalogue:
    """The measures catalogue the app loaded at start-up."""
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks and why (the ``X-Requester`` and ``X-Purpose`` headers), and the
    audit file every access of theirs to personal data is written to."""

    requester: str
    purpose: str
    log: AuditLog

    def record(self, action: str, subject: str) -> None:
        """Write one access, durably, before the answer is built."""
        self.log.record(
            requester=self.requester,
            action=action,
            subject=subject,
            purpose=self.purpose,
        )


def request_caller(
    request: Request,
    x_requester: Annotated[
        str, Header(min_length=1, description="Who asks (system or officer); audited.")
    ],
    x_purpose: Annotated[str, Header(description="Why they ask; audited.")] = "",
) -> Caller:
    """The caller of a route that returns personal data (``X-Requester`` required)."""
    return Caller(x_requester, x_purpose, request_audit(request))


CallerDep = Annotated[Caller, Depends(request_caller)]
"""A route parameter of this type makes ``X-Requester`` required and audited."""
