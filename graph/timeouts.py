"""How long a caller waits for the store: one bound for the driver and the API.

``CREDLINK_STORE_TIMEOUT`` (seconds, default 3): a call to a Neo4j server that is
away fails within it (``graph.neo4j_store.DriverBounds``), and an HTTP request
answers 503 with ``Retry-After`` once it has run that long (``api.deadline``).
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
