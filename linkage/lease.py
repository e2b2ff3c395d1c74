"""The link lease: one link at a time per store (``docs/linkage.md``)."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from graph.errors import LinkLeaseHeldError

if TYPE_CHECKING:
    from graph.store import GraphStore

__all__ = [
    "LINK_LEASE_TTL",
    "lease_holder",
    "take_lease",
]

LINK_LEASE_TTL: Final = timedelta(hours=1)
"""How long a link's lease lasts unless renewed: a crashed link blocks others this
long at most. :func:`link_store` renews it before it starts writing."""


def lease_holder() -> str:
    """A name for this run: host, process id and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def take_lease(store: GraphStore, holder: str, ttl: timedelta) -> None:
    """Take or renew the link lease; raise if another run holds it."""
    lease = store.acquire_link_lease(holder, ttl)
    if lease.holder != holder:
        raise LinkLeaseHeldError(lease.holder, lease.since, lease.expires)
