"""GET /events (a department's events, by cursor) and its subscription.

A department reads the outbox through its subscription: only the events the
subscription matches, from any cursor, in seq order (at-least-once: a client that
resumes from the last ``next`` it stored never misses one).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.access.guard import Caller, require
from api.execution.schemas import EventOut, EventsOut, SubscriptionIn, SubscriptionOut
from api.execution.views import event_out
from graph.subscriptions import Subscription

router = APIRouter(prefix="/events", tags=["execution"])

_SCAN = 20  # outbox rows read per event asked for, at most, before answering


@router.get("")
def events(
    caller: Annotated[Caller, require("events.read")],
    after: Annotated[int, Query(ge=0, description="The cursor (a seq).")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventsOut:
    """The events of the caller's subscription after the cursor, by seq."""
    caller.about(f"events after {after}")
    store = caller.access.store
    subscription = store.get_subscription(caller.identity.key_id)
    found: list[EventOut] = []
    cursor = after
    budget = limit * _SCAN
    view = caller.view()
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
    caller.answered([e.person_id for e in found])
    return EventsOut(events=found, next=cursor)


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
