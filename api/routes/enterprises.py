"""An enterprise and the people who hold roles in it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import CallerDep, request_store
from api.routes.views import View, enterprise_out, person_out, role_out
from api.schemas import EnterpriseOut, EnterprisePeopleOut, HolderOut
from graph.errors import EntityNotFoundError
from graph.exploration import people_of
from graph.store import GraphStore
from linkage.ids import parse_credit_code

router = APIRouter(prefix="/enterprises", tags=["enterprises"])

Store = Annotated[GraphStore, Depends(request_store)]


@router.get("/{credit_code}")
def get_enterprise(credit_code: str, store: Store) -> EnterpriseOut:
    """One enterprise by its unified social credit code (any spacing or case)."""
    code = parse_credit_code(credit_code).value
    enterprise = store.get_enterprise(code)
    if enterprise is None:
        raise EntityNotFoundError("enterprise", code)
    return enterprise_out(enterprise)


@router.get("/{credit_code}/people")
def get_people(
    credit_code: str,
    store: Store,
    caller: CallerDep,
    on: Annotated[date | None, Query(description="As of this date.")] = None,
    view: Annotated[View, Query(description="`public` masks personal data.")] = (
        View.FULL
    ),
) -> EnterprisePeopleOut:
    """Who holds which role in the enterprise (personal data: audited)."""
    code = parse_credit_code(credit_code).value
    caller.record("people_of", code)
    enterprise, holders = people_of(store, code, on)
    return EnterprisePeopleOut(
        on=on,
        enterprise=enterprise_out(enterprise),
        holders=[
            HolderOut(role=role_out(role, view), person=person_out(person, view))
            for role, person in holders
        ],
    )
