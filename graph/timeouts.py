"""How long a caller waits for the store, and how long a request may run.

``CREDLINK_STORE_TIMEOUT`` (seconds, default 3): a call to a Neo4j server that is
away fails within it (``graph.neo4j_store.DriverBounds``).
``CREDLINK_REQUEST_TIMEOUT`` (seconds, default 10): an HTTP request answers 503
with ``Retry-After`` once it has run that long (``api.deadline``).
"""

from __future__ import annotations

import os
from typing import Final

DEFAULT_STORE_TIMEOUT: Final = 3.0
STORE_TIMEOUT_ENV: Final = "CREDLINK_STORE_TIMEOUT"
DEFAULT_REQUEST_TIMEOUT: Final = 10.0
REQUEST_TIMEOUT_ENV: Final = "CREDLINK_REQUEST_TIMEOUT"


def store_timeout() -> float:
    """The store's bound in seconds; ValueError for a value that is not 0.1 to 600."""
    return _seconds(STORE_TIMEOUT_ENV, DEFAULT_STORE_TIMEOUT, 600)


def request_timeout() -> float:
    """How long an HTTP request may run before it is answered 503 (``api.deadline``):
    ``CREDLINK_REQUEST_TIMEOUT`` seconds (default 10, never below the store's bound,
    so that a store that fails fast answers with its own error first).

    The store's bound (3 s) already ends a call to a server that is away; this one
    ends a request to a server that accepts and does not answer, while leaving room
    for a large question (a hub's neighbourhood) under load.
    """
    default = max(DEFAULT_REQUEST_TIMEOUT, store_timeout())
    return _seconds(REQUEST_TIMEOUT_ENV, default, 3600)


def _seconds(name: str, default: float, most: float) -> float:
    """Seconds from the environment variable ``name`` (0.1 to ``most``)."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= most:
        msg = f"{name} must be seconds from 0.1 to {most:g}: {text!r}"
        raise ValueError(msg)
    return value
