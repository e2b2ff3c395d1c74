"""How two entities (persons or enterprises) are connected through roles."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import CallerDep, request_store
from api.keys import entity_key, is_person_key
from api.routes.views import View, key_out, role_out
from api.schemas import ConnectionOut, ConnectionsOut, HopRoleOut, StepOut
from graph.exploration import connections
from graph.model import CONNECTION_MAX_HOPS, Connection, EntityKind
from graph.store import GraphStore

router = APIRouter(tags=["exploring"])

_MAX_LIMIT = 1000  # every shortest path is found before the first are kept


@router.get("/connections")
def get_connections(
    a: Annotated[str, Query(description="A resident ID (any form) or credit code.")],
    b: Annotated[str, Query(description="Another one.")],
    store: Annotated[GraphStore, Depends(request_store)],
    caller: CallerDep,
    on: Annotated[
        date | None, Query(description="Only roles held on this date (default: all).")
    ] = None,
    max_hops: Annotated[
        int, Query(ge=0, le=CONNECTION_MAX_HOPS, description="Longest chain of roles.")
    ] = 6,
    limit: Annotated[int, Query(ge=1, le=_MAX_LIMIT)] = 20,
    view: Annotated[View, Query(description="`public` masks personal data.")] = (
        View.FULL
    ),
) -> ConnectionsOut:
    """Every shortest chain of roles between ``a`` and ``b`` (personal data:
    audited, once per end)."""
    first, second = entity_key(a), entity_key(b)
    for subject in dict.fromkeys((first, second)):
        caller.record("connections", subject)
    found = connections(store, first, second, on=on, max_hops=max_hops, limit=limit)
    return ConnectionsOut(
        a=_end_out(first, view),
        b=_end_out(second, view),
        on=on,
        max_hops=max_hops,
        connections=[_connection_out(c, view) for c in found],
    )


def _end_out(key: str, view: View) -> str:
    """An end as asked, masked in the public view when it reads as an ID number."""
    return key_out(key, view) if is_person_key(key) else key


def _connection_out(connection: Connection, view: View) -> ConnectionOut:
    roles = []
    for role in connection.roles:
        shown = role_out(role, view)
        roles.append(
            HopRoleOut(
                **shown.model_dump(),
                role_id=role.role_id.replace(role.person_id, shown.person_id),
            )
        )
    return ConnectionOut(
        hops=connection.hops,
        steps=[
            StepOut(
                kind=kind,
                key=key_out(key, view) if kind is EntityKind.PERSON else key,
            )
            for kind, key in zip(connection.kinds, connection.keys, strict=True)
        ],
        roles=roles,
    )
