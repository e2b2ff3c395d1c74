"""GET /events (a department's events, by cursor) and its subscription.

A department reads the outbox through its subscription: only the events the
subscription matches, from any cursor, in seq order (at-least-once: a client that
resumes from the last ``next`` it stored never misses one). With ``wait``, a read
that finds no event waits for one (long-poll), looking at the outbox again every
``POLL_SECONDS`` from a worker thread and sleeping on the event loop in between,
so a waiting client holds no thread.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from api.access.guard import Caller, require
from api.deadline import allow_waiting
from api.execution.schemas import (
    BulkFeedbackIn,
    EventOut,
    EventsOut,
    FeedbackIn,
    FeedbackOut,
    RedeliverIn,
    RedeliverOut,
    SubscriptionIn,
    SubscriptionOut,
    WatchIn,
    WatchOut,
    WebhookIn,
    WebhookOut,
)
from api.execution.views import event_out
from api.keys import person_key
from graph.delivery import Webhook
from graph.errors import EntityNotFoundError
from graph.execution import Feedback, Outcome
from graph.subscriptions import Subscription
from linkage.ids import parse_credit_code

if TYPE_CHECKING:
    from api.routes.views import View
    from graph.store import GraphStore

router = APIRouter(prefix="/events", tags=["execution"])

_SCAN = 20  # outbox rows read per event asked for, at most, before answering
MAX_WAIT = 30.0  # seconds a long-poll may wait, at most
POLL_SECONDS = 0.2  # how often a waiting read looks at the outbox again


@router.get("")
async def events(
    request: Request,
    caller: Annotated[Caller, require("events.read")],
    after: Annotated[int, Query(ge=0, le=2**62, description="The cursor (a seq).")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=MAX_WAIT,
            description="Long-poll: when no event follows the cursor, wait up to "
            "this many seconds for one. The answer comes as soon as one is "
            "written, or when the wait ends with no event (and the cursor as sent, "
            "or past events of others). 0 (the default) answers at once.",
        ),
    ] = 0,
) -> EventsOut:
    """The events of the caller's subscription after the cursor, by seq."""
    caller.about(f"events after {after}")
    store = caller.access.store
    key_id = caller.identity.key_id
    subscription = await run_in_threadpool(store.get_subscription, key_id)
    view = caller.view()
    found, cursor = await run_in_threadpool(
        _read, store, subscription, after, limit, view
    )
    if not found and wait > 0:
        allow_waiting(request, wait)
        ends = time.monotonic() + wait
        while not found and (left := ends - time.monotonic()) > 0:
            seen = cursor
            found, cursor = await run_in_threadpool(
                _read, store, subscription, cursor, limit, view
            )
            if not found and cursor == seen:  # nothing new: sleep, hold no thread
                await asyncio.sleep(min(POLL_SECONDS, left))
    persons = [e.person_id for e in found]
    await run_in_threadpool(caller.answered, persons)
    return EventsOut(events=found, next=cursor)


def _read(
    store: GraphStore,
    subscription: Subscription | None,
    after: int,
    limit: int,
    view: View,
) -> tuple[list[EventOut], int]:
    """Up to ``limit`` events of ``subscription`` after ``after`` (reading at most
    ``limit * _SCAN`` outbox rows), and the cursor past what was read."""
    found: list[EventOut] = []
    cursor = after
    budget = limit * _SCAN
    while len(found) < limit and budget > 0:
        page = store.outbox_events(after=cursor, limit=min(budget, 1000))
        if not page:
            break
        for event in page:
            cursor = event.seq
            budget -= 1
            if subscription is not None and subscription.matches(event):
                found.append(event_out(event, view))
                if len(found) == limit:
                    break
    return found, cursor


@router.get("/subscription")
def get_subscription(
    caller: Annotated[Caller, require("events.subscribe")],
) -> SubscriptionOut:
    """The caller's subscription (empty lists: none stored, no event matches)."""
    caller.about("subscription")
    found = caller.access.store.get_subscription(caller.identity.key_id)
    caller.answered()
    if found is None:
        return SubscriptionOut()
    return SubscriptionOut(
        measures=list(found.measures),
        sanction_types=list(found.sanction_types),
        regions=list(found.regions),
    )


@router.post("/subscription")
def set_subscription(
    body: SubscriptionIn, caller: Annotated[Caller, require("events.subscribe")]
) -> SubscriptionOut:
    """Replace the caller's subscription."""
    caller.about("subscription")
    subscription = Subscription(
        key_id=caller.identity.key_id,
        measures=tuple(sorted(set(body.measures))),
        sanction_types=tuple(sorted(set(body.sanction_types))),
        regions=tuple(sorted(set(body.regions))),
    )
    caller.access.store.save_subscription(subscription)
    caller.answered()
    return SubscriptionOut(
        measures=list(subscription.measures),
        sanction_types=list(subscription.sanction_types),
        regions=list(subscription.regions),
    )


@router.post("/feedback")
def bulk_feedback(
    body: BulkFeedbackIn, caller: Annotated[Caller, require("events.feedback")]
) -> FeedbackOut:
    """Reports on many events of the caller's subscription (all taken, or none)."""
    caller.about("feedback")
    taken = _take(caller, [(r.event_id, r.outcome, r.reason) for r in body.reports])
    caller.answered()
    return taken


@router.post("/{event_id}/feedback")
def feedback(
    event_id: str,
    body: FeedbackIn,
    caller: Annotated[Caller, require("events.feedback")],
) -> FeedbackOut:
    """The caller's report on one event of its subscription: executed, not
    applicable or failed (the last two with a reason)."""
    caller.about(f"feedback on {event_id}")
    taken = _take(caller, [(event_id, body.outcome, body.reason)])
    caller.answered()
    return taken


def _take(caller: Caller, reports: list[tuple[str, str, str]]) -> FeedbackOut:
    """Check each event is one of the caller's subscription, then store all."""
    store = caller.access.store
    key_id = caller.identity.key_id
    subscription = store.get_subscription(key_id)
    now = datetime.now(UTC)
    taken: list[Feedback] = []
    for event_id, outcome, reason in reports:
        event = store.get_outbox_event(event_id)
        if event is None or subscription is None or not subscription.matches(event):
            raise EntityNotFoundError("event", event_id)
        taken.append(Feedback(event_id, key_id, Outcome(outcome), reason.strip(), now))
    store.save_feedback(taken)
    ids = list(dict.fromkeys(f.event_id for f in taken))
    return FeedbackOut(accepted=len(taken), event_ids=ids)


@router.post("/webhook")
def set_webhook(
    body: WebhookIn, caller: Annotated[Caller, require("events.subscribe")]
) -> WebhookOut:
    """Register (or replace) the caller's webhook: its subscription's events are
    pushed there, signed with the secret (docs/execution.md)."""
    caller.about("webhook")
    webhook = Webhook(caller.identity.key_id, body.url, body.secret, body.after)
    store = caller.access.store
    store.save_webhook(webhook)
    stored = next(w for w in store.webhooks() if w.key_id == webhook.key_id)
    caller.answered()
    return WebhookOut(url=stored.url, cursor=stored.cursor)


@router.post("/webhook/redeliver")
def redeliver(
    body: RedeliverIn, caller: Annotated[Caller, require("events.subscribe")]
) -> RedeliverOut:
    """Send events again (or every dead delivery): due now, tries reset."""
    caller.about("redeliver")
    count = caller.access.store.redeliver(caller.identity.key_id, body.event_ids)
    caller.answered()
    return RedeliverOut(redelivered=count)


@router.post("/watch")
def watch(
    body: WatchIn, caller: Annotated[Caller, require("events.watch")]
) -> WatchOut:
    """Watch a person or an enterprise: the events about it join the caller's
    feed (``GET /events``)."""
    person = person_key(body.person) if body.person else None
    enterprise = parse_credit_code(body.enterprise).value if body.enterprise else None
    caller.about(person or enterprise or "")
    store = caller.access.store
    key_id = caller.identity.key_id
    found = store.get_subscription(key_id) or Subscription(key_id)
    updated = replace(
        found,
        persons=tuple(sorted({*found.persons, *([person] if person else [])})),
        enterprises=tuple(
            sorted({*found.enterprises, *([enterprise] if enterprise else [])})
        ),
    )
    store.save_subscription(updated)
    caller.answered([person] if person else [])
    return WatchOut(persons=len(updated.persons), enterprises=len(updated.enterprises))
