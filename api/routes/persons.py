"""A person's file header, related entities and restrictions. The person is named
in the request body (any written form of the ID number, or a surrogate ``U…``
key): ID numbers never travel in paths or query strings."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends

from api.access.guard import Caller, require
from api.deps import request_catalogue, request_incentives, request_store
from api.keys import person_key
from api.routes.views import person_out, related_answer, restrictions_answer
from api.schemas import (
    PersonOut,
    PersonQuery,
    RelatedOut,
    RelatedQuery,
    RestrictionsOut,
    RestrictionsQuery,
)
from graph import enforcement
from graph.errors import EntityNotFoundError
from graph.exploration import related_page
from graph.incentives import incentives_on
from graph.model import EntityKind
from graph.policy.catalogue import Catalogue
from graph.policy.incentives import IncentivesCatalogue
from graph.store import GraphStore

router = APIRouter(prefix="/persons", tags=["persons"])

Store = Annotated[GraphStore, Depends(request_store)]
Measures = Annotated[Catalogue, Depends(request_catalogue)]
Incentives = Annotated[IncentivesCatalogue, Depends(request_incentives)]


@router.post("/lookup")
def lookup_person(
    query: PersonQuery,
    store: Store,
    caller: Annotated[Caller, require("person.lookup")],
) -> PersonOut:
    """One person's credit file header: name, aliases, birth date, sex."""
    person_id = person_key(query.id_number)
    caller.about(person_id)
    person = store.get_person(person_id)
    if person is None:
        raise EntityNotFoundError("person", person_id)
    caller.answered([person_id])
    return person_out(person, caller.view(query.view))


@router.post("/related")
def related(
    query: RelatedQuery,
    store: Store,
    caller: Annotated[Caller, require("person.related")],
) -> RelatedOut:
    """The person's roles, the enterprises they are in, and who they meet there,
    to a depth (1-3), the associates a page at a time (every associate counts
    against the key's persons quota)."""
    person_id = person_key(query.id_number)
    caller.about(person_id)
    found = related_page(
        store, person_id, query.on, depth=query.depth, limit=query.limit,
        cursor=query.cursor,
    )  # fmt: skip
    further = (r.person_id for r in found.further)
    caller.answered(
        [person_id, *(a.person.person_id for a in found.associates), *further]
    )
    return related_answer(found, query.on, caller.view(query.view))


@router.post("/restrictions")
def restrictions(
    query: RestrictionsQuery,
    store: Store,
    catalogue: Measures,
    incentives: Incentives,
    caller: Annotated[Caller, require("person.restrictions", own_file=True)],
) -> RestrictionsOut:
    """The restrictions in force on the person on a date (default today), each with
    its chain and explanation, and the incentives their good records earn that day
    (守信激励). ``person_known`` says whether the store holds the person at all: an
    unknown number has no record, which is not a clearance. A citizen's key reads
    only its own person's (``id_number`` may be left out)."""
    person_id = caller.person_asked(query.id_number)
    day = query.on or date.today()
    in_force = enforcement.restrictions_on(store, catalogue, person_id, day)
    earned = incentives_on(
        store, catalogue, incentives, EntityKind.PERSON, person_id, day
    )
    known = store.get_person(person_id) is not None
    caller.answered([person_id] if known else [])
    return restrictions_answer(
        person_id, known, day, in_force, caller.view(query.view), earned
    )
