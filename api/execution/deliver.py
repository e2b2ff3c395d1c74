"""The webhook worker: scans the outbox for each webhook, sends due deliveries,
records each try in the store (so a restart, even after SIGKILL, loses nothing).

At-least-once with per-person order: a webhook's deliveries go out in seq order,
one at a time; a failed one holds back the later ones until it is delivered or
dead. A worker killed after the receiver answered but before the store recorded
it sends the same event (same ``Credlink-Event-Id``) again; receivers deduplicate
by event id. Settings come from the environment (``RetryPolicy``):
CREDLINK_WEBHOOK_ATTEMPTS, CREDLINK_WEBHOOK_BASE_SECONDS,
CREDLINK_WEBHOOK_CAP_SECONDS, CREDLINK_WEBHOOK_TIMEOUT.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from graph.delivery import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    Delivery,
    DeliveryState,
    RetryPolicy,
    after_failure,
    sign,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from graph.delivery import Webhook
    from graph.store import GraphStore

_SCAN = 1000  # outbox events read per scan of one webhook


def retry_policy() -> RetryPolicy:
    """The retry policy the environment sets (defaults: ``RetryPolicy()``)."""
    default = RetryPolicy()
    return RetryPolicy(
        attempts=int(os.environ.get("CREDLINK_WEBHOOK_ATTEMPTS", default.attempts)),
        base=timedelta(
            seconds=float(
                os.environ.get(
                    "CREDLINK_WEBHOOK_BASE_SECONDS", default.base.total_seconds()
                )
            )
        ),
        cap=timedelta(
            seconds=float(
                os.environ.get(
                    "CREDLINK_WEBHOOK_CAP_SECONDS", default.cap.total_seconds()
                )
            )
        ),
        timeout=float(os.environ.get("CREDLINK_WEBHOOK_TIMEOUT", default.timeout)),
    )


def scan(store: GraphStore, webhook: Webhook) -> int | None:
    """Queue a delivery for each event after the webhook's cursor that its key's
    subscription matches, moving the cursor in the same transaction; the new
    cursor, or None when there was nothing new."""
    subscription = store.get_subscription(webhook.key_id)
    events = store.outbox_events(after=webhook.cursor, limit=_SCAN)
    if not events:
        return None
    now = datetime.now(UTC)
    queued = [
        Delivery(webhook.key_id, e.seq, e.event_id, DeliveryState.PENDING, 0, now)
        for e in events
        if subscription is not None and subscription.matches(e)
    ]
    store.enqueue_deliveries(webhook.key_id, queued, events[-1].seq)
    return events[-1].seq


def send_due(
    store: GraphStore,
    webhook: Webhook,
    policy: RetryPolicy,
    post: Callable[[str, bytes, dict[str, str], float], int] | None = None,
) -> int:
    """Send the webhook's due deliveries in seq order until one fails or is not
    yet due; returns how many were delivered."""
    sender = post or _post
    delivered = 0
    for delivery in store.pending_deliveries(webhook.key_id, limit=100):
        now = datetime.now(UTC)
        if delivery.next_at > now:
            break
        event = store.get_outbox_event(delivery.event_id)
        if event is None:  # wiped meanwhile: nothing to send
            store.save_delivery(replace(delivery, state=DeliveryState.DEAD))
            continue
        body = json.dumps(event.body() | {"seq": event.seq}, ensure_ascii=False)
        data = body.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(webhook.secret, int(time.time()), data),
            EVENT_ID_HEADER: event.event_id,
        }
        try:
            status = sender(webhook.url, data, headers, policy.timeout)
            error = "" if 200 <= status < 300 else f"HTTP {status}"
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        if not error:
            store.save_delivery(
                replace(delivery, state=DeliveryState.DELIVERED, error="",
                        attempts=delivery.attempts + 1)
            )  # fmt: skip
            delivered += 1
            continue
        failed = after_failure(delivery, policy, datetime.now(UTC), error)
        store.save_delivery(failed)
        if failed.state is DeliveryState.PENDING:
            break  # later ones wait: one person's events stay in order
    return delivered


def run_once(store: GraphStore, policy: RetryPolicy) -> int:
    """One pass over every webhook: scan the outbox, then send what is due;
    returns how many deliveries succeeded."""
    delivered = 0
    for webhook in store.webhooks():
        cursor: int | None = webhook.cursor
        while cursor is not None:
            cursor = scan(store, replace(webhook, cursor=cursor))
        delivered += send_due(store, webhook, policy)
    return delivered


def _post(url: str, data: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
