"""What HTTP routes ask for: the store, audit log and catalogue the app opened, and
the caller. Choosing and opening a store is ``api.stores``' (re-exported here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from api.stores import (  # noqa: F401 - re-exported for existing callers
    DEFAULT_STORE,
    is_neo4j_location,
    open_store,
    store_location,
)

if TYPE_CHECKING:
    from graph.policy.catalogue import Catalogue
    from graph.policy.incentives import IncentivesCatalogue
    from graph.store import GraphStore

# -- HTTP dependencies -------------------------------------------------------------
# The store and the catalogue are opened once, in the app's lifespan, and lent to
# each request through these functions.


def request_store(request: Request) -> GraphStore:
    """The store the app opened at start-up."""
    store: GraphStore = request.app.state.store
    return store


def request_incentives(request: Request) -> IncentivesCatalogue:
    """The incentives catalogue the app loaded at start-up."""
    incentives: IncentivesCatalogue = request.app.state.incentives
    return incentives


def request_catalogue(request: Request) -> Catalogue:
    """The measures catalogue the app loaded at start-up."""
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue
