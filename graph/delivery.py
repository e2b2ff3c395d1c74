"""Webhook deliveries: signatures, back-off and the state of each delivery.

Pure. Each event of a department's subscription gets one delivery per webhook,
stored with the event's seq; the worker (``api.execution.deliver``) sends due
deliveries in seq order, so one person's events arrive in order. A failed try is
retried after an exponential back-off with jitter; after the last try the
delivery is dead (a dead letter) until someone asks for its redelivery.

The signature follows Stripe's scheme: header ``Credlink-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>``.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

_RNG = random.Random()
SIGNATURE_HEADER = "Credlink-Signature"
EVENT_ID_HEADER = "Credlink-Event-Id"


class DeliveryState(StrEnum):
    """Where one delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class Webhook:
    """A department's webhook: where to send, the shared secret, and the seq up
    to which the outbox was scanned for it (``cursor``)."""

    key_id: str
    url: str
    secret: str
    cursor: int = 0


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event to one webhook: tries made, when the next is due, last error."""

    key_id: str
    seq: int
    event_id: str
    state: DeliveryState
    attempts: int
    next_at: datetime
    error: str = ""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry: ``attempts`` tries in all, the n-th retry
    after ``min(cap, base * 2**(n-1))`` scaled by a random factor in [0.5, 1]."""

    attempts: int = 10
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=6)
    timeout: float = 10.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> timedelta:
        """The wait after the ``attempt``-th failed try (1-based), with jitter."""
        factor = (rng or _RNG).uniform(0.5, 1.0)
        raw = min(self.cap, self.base * (1 << max(attempt - 1, 0)))
        return raw * factor


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Credlink-Signature`` header value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int) -> bool:
    """Whether ``header`` signs ``body`` under ``secret`` within ``tolerance``
    seconds of ``now`` (what a receiver does)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def after_failure(
    delivery: Delivery,
    policy: RetryPolicy,
    now: datetime,
    error: str,
    rng: random.Random | None = None,
) -> Delivery:
    """The delivery after a failed try: due again after the back-off, or dead
    after the last try."""
    attempts = delivery.attempts + 1
    if attempts >= policy.attempts:
        return Delivery(delivery.key_id, delivery.seq, delivery.event_id,
                        DeliveryState.DEAD, attempts, now, error[:500])  # fmt: skip
    return Delivery(
        delivery.key_id, delivery.seq, delivery.event_id, DeliveryState.PENDING,
        attempts, now + policy.delay(attempts, rng), error[:500],
    )  # fmt: skip
