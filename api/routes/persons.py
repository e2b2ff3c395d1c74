"""A person's file, related entities, restrictions and appointment checks, by any
written form of the ID number (or a surrogate ``U...`` key)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import CallerDep, request_catalogue, request_store
from api.keys import person_key
from api.routes.views import (
    View,
    enterprise_out,
    key_out,
    person_out,
    restriction_out,
    role_out,
)
from api.schemas import (
    AppointmentCheckOut,
    AssociateOut,
    PersonOut,
    RelatedOut,
    RestrictionsOut,
)
from graph import enforcement
from graph.errors import EntityNotFoundError
from graph.exploration import related_entities
from graph.model import RoleType
from graph.policy.catalogue import Catalogue
from graph.store import GraphStore
from linkage.ids import parse_credit_code

router = APIRouter(prefix="/persons", tags=["persons"])

Store = Annotated[GraphStore, Depends(request_store)]
Measures = Annotated[Catalogue, Depends(request_catalogue)]
On = Annotated[date | None, Query(description="As of this date (default: all).")]
OnDay = Annotated[date | None, Query(description="As of this date (default: today).")]
ViewQuery = Annotated[View, Query(description="`public` masks personal data.")]


@router.get("/{id_number}")
def get_person(
    id_number: str,
    store: Store,
    caller: CallerDep,
    view: ViewQuery = View.FULL,
) -> PersonOut:
    """One person's credit file header: name, aliases, birth date, sex."""
    person_id = person_key(id_number)
    caller.record("get_person", person_id)
    person = store.get_person(person_id)
    if person is None:
        raise EntityNotFoundError("person", person_id)
    return person_out(person, view)


@router.get("/{id_number}/related")
def get_related(
    id_number: str,
    store: Store,
    caller: CallerDep,
    on: On = None,
    view: ViewQuery = View.FULL,
) -> RelatedOut:
    """The person's roles, the enterprises they are in, and who they meet there."""
    person_id = person_key(id_number)
    caller.record("related", person_id)
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


@router.get("/{id_number}/restrictions")
def get_restrictions(
    id_number: str,
    store: Store,
    caller: CallerDep,
    catalogue: Measures,
    on: OnDay = None,
    view: ViewQuery = View.FULL,
) -> RestrictionsOut:
    """The restrictions in force on the person on a date, each with its chain and
    explanation (pending sanctions are derived first). A number the store does not
    know has none: ``person_known`` says so."""
    person_id = person_key(id_number)
    day = on or date.today()
    caller.record("restrictions", person_id)
    in_force = enforcement.restrictions_on(store, catalogue, person_id, day)
    return RestrictionsOut(
        person_id=key_out(person_id, view),
        person_known=store.get_person(person_id) is not None,
        on=day,
        restrictions=[restriction_out(r, view) for r in in_force],
    )


@router.get("/{id_number}/appointment-check")
def get_appointment_check(
    id_number: str,
    role: Annotated[RoleType, Query(description="The role to be taken.")],
    enterprise: Annotated[str, Query(description="Credit code of the enterprise.")],
    store: Store,
    caller: CallerDep,
    catalogue: Measures,
    on: OnDay = None,
    view: ViewQuery = View.FULL,
) -> AppointmentCheckOut:
    """May the person take ``role`` in ``enterprise`` on the date (the credit check
    before an appointment)? Blocked: every blocking restriction, with its end. A
    number the store does not know is allowed, with ``person_known`` false."""
    person_id = person_key(id_number)
    code = parse_credit_code(enterprise).value
    day = on or date.today()
    caller.record("appointment_check", person_id)
    check = enforcement.check_appointment(store, catalogue, person_id, role, code, day)
    return AppointmentCheckOut(
        person_id=key_out(person_id, view),
        person_known=store.get_person(person_id) is not None,
        role=role,
        enterprise=code,
        on=day,
        allowed=check.allowed,
        blocking=[restriction_out(r, view) for r in check.blocking],
    )
