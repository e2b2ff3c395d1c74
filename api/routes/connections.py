"""How two entities (persons or enterprises) are connected through roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.access.guard import Caller, require
from api.deps import request_store
from api.keys import entity_key, is_person_key
from api.routes.views import connections_answer
from api.schemas import ConnectionsOut, ConnectionsQuery
from graph.exploration import connections
from graph.model import EntityKind
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
    return connections_answer(
        first, second, query.on, query.max_hops, found, caller.view(query.view)
    )
