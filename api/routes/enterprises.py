"""An enterprise and the people who hold roles in it (credit codes are public
identifiers: they may stand in the path)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.access.guard import Caller, require
from api.deps import request_store
from api.routes.views import enterprise_out, people_answer
from api.schemas import EnterpriseOut, EnterprisePeopleOut, View
from graph.errors import EntityNotFoundError
from graph.exploration import PAGE_MAX, people_page
from graph.store import GraphStore
from linkage.ids import parse_credit_code

router = APIRouter(prefix="/enterprises", tags=["enterprises"])

Store = Annotated[GraphStore, Depends(request_store)]


@router.get("/{credit_code}")
def get_enterprise(
    credit_code: str,
    store: Store,
    _caller: Annotated[Caller, require("enterprise.read")],
) -> EnterpriseOut:
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
    caller: Annotated[Caller, require("enterprise.people")],
    on: Annotated[date | None, Query(description="As of this date.")] = None,
    view: Annotated[View, Query(description="`public` masks personal data.")] = (
        View.FULL
    ),
    limit: Annotated[
        int, Query(ge=1, le=PAGE_MAX, description="Holders per page, by role id.")
    ] = 100,
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="The `next_cursor` of the page before."),
    ] = None,
) -> EnterprisePeopleOut:
    """Who holds which role in the enterprise, a page at a time (every holder is
    audited and counts against the key's persons quota)."""
    code = parse_credit_code(credit_code).value
    caller.about(code)
    page = people_page(store, code, on, limit=limit, cursor=cursor)
    caller.answered([person.person_id for _, person in page.holders])
    return people_answer(
        page.enterprise, page.holders, on, caller.view(view), page.next_cursor
    )
