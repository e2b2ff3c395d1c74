"""Sanctions: whom a sanction reaches, and why (for sanction officers)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query

from api.audit import AuditLog
from api.deps import request_audit, request_catalogue, request_store
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
    audit: Annotated[AuditLog, Depends(request_audit)],
    catalogue: Annotated[Catalogue, Depends(request_catalogue)],
    x_requester: Annotated[
        str, Header(min_length=1, description="Who asks (system or officer); audited.")
    ],
    x_purpose: Annotated[str, Header(description="Why they ask; audited.")] = "",
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
    audit.record(
        requester=x_requester, action="trace", subject=sanction_id, purpose=x_purpose
    )
    if store.get_sanction(sanction_id) is None:
        raise EntityNotFoundError("sanction", sanction_id)
    reached = enforcement.trace(store, catalogue, sanction_id, on)
    return TraceOut(
        sanction_id=sanction_id,
        on=on,
        restrictions=[restriction_out(r, view) for r in reached],
    )
