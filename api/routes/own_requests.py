"""A person's own requests over HTTP: an objection (异议) or a personal statement
(本人声明) on one of their records, filed through their own key (role citizen), and
their status; officers list the open ones and take them up. An objection enters
the lifecycle (``POST /sanctions/decision`` decides it). The person is the key's
own: no ID number travels at all."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.access.guard import Caller, require
from api.audience import View
from api.deps import request_catalogue, request_store
from api.masking import mask_id_number
from api.routes.views import sanction_id_out
from graph.person_requests import (
    KIND_NAMES_ZH,
    STATUS_NAMES_ZH,
    PersonRequest,
    RequestKind,
    RequestState,
    request_state,
)
from graph.policy.catalogue import Catalogue
from graph.request_filing import file_request, reaches, review_request
from graph.store import GraphStore

router = APIRouter(tags=["requests"])

Store = Annotated[GraphStore, Depends(request_store)]
Measures = Annotated[Catalogue, Depends(request_catalogue)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RequestIn(_In):
    """An objection or a statement on one of the key's person's records."""

    sanction_id: str = Field(min_length=1, max_length=512)
    kind: RequestKind
    text: str = Field(min_length=1, max_length=2000)


class OpenRequestsIn(_In):
    """Which requests an officer lists: the open objections (default), or all."""

    include_decided: bool = False
    on: date | None = None


class ReviewIn(_In):
    """An officer takes an objection up, from a day (default today)."""

    request_id: str = Field(min_length=1, max_length=64)
    on: date | None = None


class RequestOut(BaseModel):
    """A request and its status (the person's number only in the full view)."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    person: str
    sanction_id: str
    kind: RequestKind
    kind_zh: str
    text: str
    filed_on: date
    status: str
    status_zh: str
    reviewed_on: date | None
    decided_on: date | None
    decision_reason: str


def request_out(item: PersonRequest, state: RequestState, view: View) -> RequestOut:
    """A request as ``view``'s audience may see it."""
    full = view is not View.PUBLIC
    return RequestOut(
        request_id=item.request_id,
        person=item.person_id if full else mask_id_number(item.person_id),
        sanction_id=sanction_id_out(item.sanction_id, view),
        kind=item.kind,
        kind_zh=KIND_NAMES_ZH[item.kind],
        text=item.text,
        filed_on=item.filed_on,
        status=state.status.value,
        status_zh=STATUS_NAMES_ZH[state.status],
        reviewed_on=item.reviewed_on,
        decided_on=state.decided_on,
        decision_reason=state.decision_reason,
    )


def _state(store: GraphStore, item: PersonRequest, on: date) -> RequestState:
    return request_state(item, store.sanction_events(item.sanction_id), on)


def _states(
    store: GraphStore, items: list[PersonRequest], on: date
) -> list[RequestState]:
    """Each request's state, the events of each sanction read once."""
    events = {s: store.sanction_events(s) for s in {i.sanction_id for i in items}}
    return [request_state(i, events[i.sanction_id], on) for i in items]


@router.post("/requests")
def file_own_request(
    body: RequestIn,
    store: Store,
    catalogue: Measures,
    caller: Annotated[Caller, require("requests.file", own_file=True)],
) -> RequestOut:
    """File an objection or a personal statement on one of your records (a
    sanction whose restrictions reach you); any other sanction is refused (403,
    audited). An objection suspends the sanction until an officer decides it."""
    person_id = caller.person_asked(None)
    if not reaches(store, catalogue, person_id, body.sanction_id):
        raise caller.refuse(
            "not_yours", "the sanction is not a record of this key's person"
        )
    today = date.today()
    item = file_request(
        store,
        catalogue,
        request_id="Q-" + uuid.uuid4().hex[:16],
        person_id=person_id,
        sanction_id=body.sanction_id,
        kind=body.kind,
        text=body.text,
        on=today,
        filed_at=datetime.now(UTC).isoformat(timespec="microseconds"),
        by=f"本人 {caller.identity.name} ({caller.identity.key_id})",
    )
    caller.answered([person_id])
    return request_out(item, _state(store, item, today), caller.view())


@router.get("/requests")
def own(
    store: Store,
    caller: Annotated[Caller, require("requests.own", own_file=True)],
) -> list[RequestOut]:
    """Your own objections and statements, with their status today."""
    person_id = caller.person_asked(None)
    today = date.today()
    items = store.person_requests(person_id)
    found = [
        request_out(item, state, caller.view())
        for item, state in zip(items, _states(store, items, today), strict=True)
    ]
    caller.answered([person_id])
    return found


@router.post("/requests/open")
def open_requests(
    query: OpenRequestsIn,
    store: Store,
    caller: Annotated[Caller, require("requests.open")],
) -> list[RequestOut]:
    """Persons' objections still to decide (filed or under review), oldest first;
    with ``include_decided`` every objection and statement. Decide an objection
    through ``POST /sanctions/decision`` on its sanction."""
    caller.about("requests")
    day = query.on or date.today()
    view = caller.view()
    shown: list[RequestOut] = []
    persons: list[str] = []
    items = store.person_requests()
    for item, state in zip(items, _states(store, items, day), strict=True):
        if query.include_decided or state.open:
            shown.append(request_out(item, state, view))
            persons.append(item.person_id)
    caller.answered(persons)
    return shown


@router.post("/requests/review")
def review(
    body: ReviewIn,
    store: Store,
    caller: Annotated[Caller, require("requests.review")],
) -> RequestOut:
    """Take an open objection up: its status becomes under review."""
    caller.about(body.request_id)
    day = body.on or date.today()
    item = review_request(
        store,
        body.request_id,
        on=day,
        by=f"{caller.identity.name} ({caller.identity.key_id})",
    )
    caller.answered([item.person_id])
    return request_out(item, _state(store, item, day), caller.view())
