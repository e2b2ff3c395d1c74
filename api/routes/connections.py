"""How two entities (persons or enterprises) are connected through roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.access.guard import Caller, require
from api.deps import request_store
from api.keys import entity_key, is_person_key
from api.masking import opaque_id
from api.routes.views import View, key_out, role_out
from api.schemas import (
    ConnectionOut,
    ConnectionsOut,
    ConnectionsQuery,
    HopRoleOut,
    StepOut,
)
from graph.exploration import connections
from graph.model import Connection, EntityKind
from graph.store import GraphStore

router = APIRouter(tags=["exploring"])


@router.post("/connections")
def find_connections(
    query: ConnectionsQuery,
    store: Annotated[GraphStore, Depends(request_store)],
    caller: Annotated[Caller, require("connections.find")],
) -> ConnectionsOut:
    """Every shortest chain of roles between ``a`` and ``b`` (persons or
    enterprises); every person on a chain is audited."""
    first, second = entity_key(query.a), entity_key(query.b)
    caller.about(" ".join(dict.fromkeys((first, second))))
    found = connections(
        store,
        first,
        second,
        on=query.on,
        max_hops=query.max_hops,
        limit=query.limit,
    )
    persons = [k for k in (first, second) if is_person_key(k)]
    for connection in found:
        persons.extend(
            key
            for kind, key in zip(connection.kinds, connection.keys, strict=True)
            if kind is EntityKind.PERSON
        )
    caller.answered(persons)
    view = caller.view(query.view)
    return ConnectionsOut(
        a=_end_out(first, view),
        b=_end_out(second, view),
        on=query.on,
        max_hops=query.max_hops,
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
                role_id=(
                    opaque_id(role.role_id) if view is View.PUBLIC else role.role_id
                ),
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
