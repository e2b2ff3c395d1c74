"""How long a caller waits for the store: one bound for the driver and the API.

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


def store_timeout() -> float:
    """The bound in seconds; ValueError for a value that is not 0.1 to 600."""
    text = os.environ.get(STORE_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_STORE_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 600:
        msg = f"{STORE_TIMEOUT_ENV} must be seconds from 0.1 to 600: {text!r}"
        raise ValueError(msg)
    return value


DEFAULT_REQUEST_TIMEOUT: Final = 10.0
REQUEST_TIMEOUT_ENV: Final = "CREDLINK_REQUEST_TIMEOUT"


def request_timeout() -> float:
    """How long an HTTP request may run before it is answered 503 (``api.deadline``):
    ``CREDLINK_REQUEST_TIMEOUT`` seconds (default 10, never below the store's bound,
    so that a store that fails fast answers with its own error first).

    The store's bound (3 s) already ends a call to a server that is away; this one
    ends a request to a server that accepts and does not answer, while leaving room
    for a large question (a hub's neighbourhood) under load.
    """
    text = os.environ.get(REQUEST_TIMEOUT_ENV, "").strip()
    if not text:
        return max(DEFAULT_REQUEST_TIMEOUT, store_timeout())
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 3600:
        msg = f"{REQUEST_TIMEOUT_ENV} must be seconds from 0.1 to 3600: {text!r}"
        raise ValueError(msg)
    return value
