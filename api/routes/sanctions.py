"""Sanctions: whom a sanction reaches, and why (for sanction officers)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import CallerDep, request_catalogue, request_store
from api.routes.views import View, restriction_out
from api.schemas import TraceOut
from graph import enforcement
from graph.errors import EntityNotFoundError
from graph.policy.catalogue import Catalogue
from graph.store import GraphStore

router = APIRouter(prefix="/sanctions", tags=["sanctions"])


@router.get("/{sanction_id}/trace")
def get_trace(
    sanction_id: str,
    store: Annotated[GraphStore, Depends(request_store)],
    caller: CallerDep,
    catalogue: Annotated[Catalogue, Depends(request_catalogue)],
    on: Annotated[
        date | None,
        Query(
            description="In force on this date (default: every restriction ever "
            "derived, whatever its dates and status)."
        ),
    ] = None,
    view: Annotated[View, Query(description="`public` masks personal data.")] = (
        View.FULL
    ),
) -> TraceOut:
    """Everyone the sanction reaches: each restriction with its chain (sanction ->
    enterprise -> role and its interval -> person) and its explanation."""
    caller.record("trace", sanction_id)
    if store.get_sanction(sanction_id) is None:
        raise EntityNotFoundError("sanction", sanction_id)
    reached = enforcement.trace(store, catalogue, sanction_id, on)
    return TraceOut(
        sanction_id=sanction_id,
        on=on,
        restrictions=[restriction_out(r, view) for r in reached],
    )
