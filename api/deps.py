"""Choosing and opening a graph store, for the CLI and the HTTP API.

A location that is a ``bolt://`` or ``neo4j://`` URI (with ``+s``/``+ssc`` variants)
means Neo4j, with credentials from ``NEO4J_USER`` / ``NEO4J_PASSWORD``; anything else
is the path of an embedded store file. The default comes from ``CREDLINK_STORE``,
else ``./credlink.db``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

from fastapi import Request

from graph.embedded_store import EmbeddedStore

if TYPE_CHECKING:
    from graph.policy.catalogue import Catalogue
    from graph.store import GraphStore

DEFAULT_STORE: Final = "credlink.db"
_NEO4J_SCHEMES: Final = (
    "bolt://",
    "bolt+s://",
    "bolt+ssc://",
    "neo4j://",
    "neo4j+s://",
    "neo4j+ssc://",
)


def store_location(location: str | None = None) -> str:
    """The location to use: the argument, else ``CREDLINK_STORE``, else the default."""
    return location or os.environ.get("CREDLINK_STORE") or DEFAULT_STORE


def is_neo4j_location(location: str) -> bool:
    """Whether ``location`` names a Neo4j server rather than an embedded store file."""
    return location.lower().startswith(_NEO4J_SCHEMES)


def open_store(
    location: str | None = None,
    *,
    user: str | None = None,
    password: str | None = None,
) -> GraphStore:
    """Open the store at ``location`` (see the module docstring for the rules)."""
    where = store_location(location)
    if is_neo4j_location(where):
        from graph.neo4j_store import Neo4jStore  # the driver loads only when needed

        return Neo4jStore.connect(
            where,
            user or os.environ.get("NEO4J_USER", "neo4j"),
            password if password is not None else os.environ.get("NEO4J_PASSWORD"),
            database=os.environ.get("NEO4J_DATABASE") or None,
        )
    return EmbeddedStore(Path(where))


# -- HTTP dependencies -------------------------------------------------------------
# The store and the catalogue are opened once, in the app's lifespan, and lent to
# each request through these functions.


def request_store(request: Request) -> GraphStore:
    """The store the app opened at start-up."""
    store: GraphStore = request.app.state.store
    return store


def request_catalogue(request: Request) -> Catalogue:
    """The measures catalogue the app loaded at start-up."""
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue
