"""Choosing and opening a graph store, for the CLI and the HTTP API.

A location that is a ``bolt://`` or ``neo4j://`` URI (with ``+s``/``+ssc`` variants)
means Neo4j, with credentials from ``NEO4J_USER`` / ``NEO4J_PASSWORD``; anything else
is the path of an embedded store file. The default comes from ``CREDLINK_STORE``,
else ``./credlink.db``.

An embedded store is created only when asked (``create=True``: ``credlink init``,
``load``, ``demo``); every other opening of a path that holds no store raises
StoreMissingError, so a mistyped path never answers from a new, empty store.
This module imports neither FastAPI nor the Neo4j driver: the CLI starts fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
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
    create: bool = False,
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
    from graph.embedded_store import EmbeddedStore

    return EmbeddedStore(Path(where), create=create)
