"""A person's record and related entities, by any written form of the ID number."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query

from api.audit import AuditLog
from api.deps import request_audit, request_store
from api.routes.views import View, enterprise_out, person_out, role_out
from api.schemas import AssociateOut, PersonOut, RelatedOut
from graph.errors import EntityNotFoundError
from graph.exploration import related_entities
from graph.store import GraphStore
from linkage.ids import normalize_resident_id

router = APIRouter(prefix="/persons", tags=["persons"])

Store = Annotated[GraphStore, Depends(request_store)]
Audit = Annotated[AuditLog, Depends(request_audit)]
Requester = Annotated[
    str, Header(min_length=1, description="Who asks (system or officer); audited.")
]
Purpose = Annotated[str, Header(description="Why they ask; audited.")]
On = Annotated[date | None, Query(description="As of this date (default: all).")]
ViewQuery = Annotated[View, Query(description="`public` masks personal data.")]


@router.get("/{id_number}")
def get_person(
    id_number: str,
    store: Store,
    audit: Audit,
    x_requester: Requester,
    x_purpose: Purpose = "",
    view: ViewQuery = View.FULL,
) -> PersonOut:
    """One person's credit file header: name, aliases, birth date, sex."""
    person_id = normalize_resident_id(id_number)
    audit.record(
        requester=x_requester, action="get_person", subject=person_id, purpose=x_purpose
    )
    person = store.get_person(person_id)
    if person is None:
        raise EntityNotFoundError("person", person_id)
    return person_out(person, view)


@router.get("/{id_number}/related")
def get_related(
    id_number: str,
    store: Store,
    audit: Audit,
    x_requester: Requester,
    x_purpose: Purpose = "",
    on: On = None,
    view: ViewQuery = View.FULL,
) -> RelatedOut:
    """The person's roles, the enterprises they are in, and who they meet there."""
    person_id = normalize_resident_id(id_number)
    audit.record(
        requester=x_requester, action="related", subject=person_id, purpose=x_purpose
    )
    related = related_entities(store, person_id, on)
    return RelatedOut(
        on=on,
        person=person_out(related.person, view),
        roles=[role_out(r, view) for r in related.roles],
        enterprises=[enterprise_out(e) for e in related.enterprises],
        associates=[
            AssociateOut(person=person_out(a.person, view), via=list(a.via))
            for a in related.associates
        ],
    )
