"""Sanctions: whom a sanction reaches, and why (for sanction officers). The
sanction is named in the body: a default sanction id embeds its subject's number."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.access.guard import Caller, require
from api.deps import request_catalogue, request_store
from api.routes.views import sanction_id_out, trace_answer
from api.schemas import TraceOut, TraceQuery
from graph import enforcement
from graph.errors import EntityNotFoundError
from graph.model import EntityKind
from graph.policy.catalogue import Catalogue
from graph.store import GraphStore

router = APIRouter(prefix="/sanctions", tags=["sanctions"])


@router.post("/trace")
def trace(
    query: TraceQuery,
    store: Annotated[GraphStore, Depends(request_store)],
    catalogue: Annotated[Catalogue, Depends(request_catalogue)],
    caller: Annotated[Caller, require("sanction.trace")],
) -> TraceOut:
    """Everyone the sanction reaches: each restriction with its chain (sanction ->
    enterprise -> role and its interval -> person) and its explanation; in force
    on ``on``, or every restriction ever derived without it."""
    caller.about(query.sanction_id)
    sanction = store.get_sanction(query.sanction_id)
    if sanction is None:
        raise EntityNotFoundError("sanction", query.sanction_id)
    reached = enforcement.trace(store, catalogue, query.sanction_id, query.on)
    subject = (
        [sanction.subject_id] if sanction.subject_kind is EntityKind.PERSON else []
    )
    caller.answered([*subject, *(r.person_id for r in reached)])
    view = caller.view(query.view)
    shown = sanction_id_out(query.sanction_id, view)
    return trace_answer(shown, query.on, reached, view)
