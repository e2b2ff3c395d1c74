"""Filing a person's objection or statement, and an officer taking one up: the
store side of :mod:`graph.person_requests`.

An objection enters the lifecycle officers use (:func:`graph.enforcement.
record_event`): it lodges the objection (the sanction is suspended) or joins the
one already pending, so that the officer's decision decides it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from graph import enforcement
from graph.errors import EntityNotFoundError, InvalidRequestError
from graph.model import EntityKind
from graph.person_requests import (
    PersonRequest,
    RequestKind,
    pending_objection,
    request_state,
)
from graph.propagation import EventKind, SanctionEvent

if TYPE_CHECKING:
    from datetime import date

    from graph.policy.catalogue import Catalogue
    from graph.store import GraphStore


def reaches(
    store: GraphStore, catalogue: Catalogue, person_id: str, sanction_id: str
) -> bool:
    """Whether the sanction is one of the person's records: against them, or one
    whose restrictions ever reached them through a role (derived first)."""
    sanction = store.get_sanction(sanction_id)
    if sanction is None:
        return False
    if sanction.subject_kind is EntityKind.PERSON:
        return sanction.subject_id == person_id
    store.propagate(catalogue)
    return any(
        fact.person_id == person_id
        for fact in store.restriction_facts(sanction_id=sanction_id)
    )


def file_request(
    store: GraphStore,
    catalogue: Catalogue,
    *,
    request_id: str,
    person_id: str,
    sanction_id: str,
    kind: RequestKind,
    text: str,
    on: date,
    filed_at: str,
    by: str,
) -> PersonRequest:
    """Record the person's request on one of their records (the caller checked
    :func:`reaches`).

    An objection lodges the lifecycle objection on ``on`` (LifecycleError when
    the sanction is repaired, revoked or past its display period) or joins the
    pending one. A statement is only kept.
    """
    body = text.strip()
    if not body:
        raise InvalidRequestError("text: empty")
    request = PersonRequest(
        request_id=request_id,
        person_id=person_id,
        sanction_id=sanction_id,
        kind=kind,
        text=body,
        filed_on=on,
        filed_at=filed_at,
        filed_by=by,
    )
    if kind is RequestKind.OBJECTION:
        entered = pending_objection(store.sanction_events(sanction_id))
        if entered is None:
            enforcement.record_event(
                store,
                catalogue,
                SanctionEvent(
                    sanction_id=sanction_id,
                    kind=EventKind.OBJECT,
                    on=on,
                    by=by,
                    reason=f"本人异议 {request_id}: {body}",
                ),
            )
            entered = pending_objection(store.sanction_events(sanction_id))
        if entered is None:  # record_event raised or stored it
            raise EntityNotFoundError("objection of sanction", sanction_id)
        request = replace(request, objection_on=entered.on, objection_seq=entered.seq)
    store.save_person_request(request)
    return request


def review_request(
    store: GraphStore, request_id: str, *, on: date, by: str
) -> PersonRequest:
    """An officer takes an open objection up (under review from ``on``)."""
    request = store.get_person_request(request_id)
    if request is None:
        raise EntityNotFoundError("request", request_id)
    if request.kind is not RequestKind.OBJECTION:
        raise InvalidRequestError(f"request {request_id}: a statement is not reviewed")
    state = request_state(request, store.sanction_events(request.sanction_id), on)
    if not state.open:
        msg = f"request {request_id}: already decided ({state.status})"
        raise InvalidRequestError(msg)
    reviewed = replace(request, reviewed_on=on, reviewed_by=by)
    store.save_person_request(reviewed)
    return reviewed
