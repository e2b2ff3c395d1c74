"""The lifecycle of a sanction over HTTP, for sanction officers: repair, objection,
decision, correction. Who records each event is the key's name, never a header."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends

from api.access.guard import Caller, require
from api.deps import request_catalogue, request_store
from api.routes.views import sanction_id_out
from api.schemas import (
    CorrectionIn,
    DecisionIn,
    LifecycleIn,
    LifecycleOut,
    RecordedEventOut,
)
from graph import enforcement
from graph.model import EntityKind
from graph.policy.catalogue import Catalogue
from graph.propagation import EventKind, SanctionEvent
from graph.store import GraphStore

router = APIRouter(prefix="/sanctions", tags=["lifecycle"])

Store = Annotated[GraphStore, Depends(request_store)]
Measures = Annotated[Catalogue, Depends(request_catalogue)]


@router.post("/repair")
def repair(
    body: LifecycleIn,
    store: Store,
    catalogue: Measures,
    caller: Annotated[Caller, require("sanction.repair")],
) -> LifecycleOut:
    """Credit repair (信用修复): the sanction's restrictions end from ``on``."""
    return _record(store, catalogue, caller, body, EventKind.REPAIR)


@router.post("/objection")
def objection(
    body: LifecycleIn,
    store: Store,
    catalogue: Measures,
    caller: Annotated[Caller, require("sanction.object")],
) -> LifecycleOut:
    """An objection (异议): the sanction is suspended until decided."""
    return _record(store, catalogue, caller, body, EventKind.OBJECT)


@router.post("/decision")
def decision(
    body: DecisionIn,
    store: Store,
    catalogue: Measures,
    caller: Annotated[Caller, require("sanction.decide")],
) -> LifecycleOut:
    """The decision on a pending objection: upheld revokes, rejected restores."""
    kind = EventKind.UPHOLD if body.upheld else EventKind.REJECT
    return _record(store, catalogue, caller, body, kind)


@router.post("/correction")
def correction(
    body: CorrectionIn,
    store: Store,
    catalogue: Measures,
    caller: Annotated[Caller, require("sanction.correct")],
) -> LifecycleOut:
    """A correction (更正) of the record; its restrictions are derived again."""
    changes = tuple(sorted(body.changes.items()))
    return _record(store, catalogue, caller, body, EventKind.CORRECT, changes)


def _record(
    store: GraphStore,
    catalogue: Catalogue,
    caller: Caller,
    body: LifecycleIn,
    kind: EventKind,
    changes: tuple[tuple[str, str], ...] = (),
) -> LifecycleOut:
    caller.about(body.sanction_id)
    event = SanctionEvent(
        sanction_id=body.sanction_id,
        kind=kind,
        on=body.on or date.today(),
        by=f"{caller.identity.name} ({caller.identity.key_id})",
        reason=body.reason.strip(),
        changes=changes,
    )
    sanction = enforcement.record_event(store, catalogue, event)
    recorded = store.sanction_events(body.sanction_id)[-1]
    person = [sanction.subject_id] if sanction.subject_kind is EntityKind.PERSON else []
    caller.answered(person)
    view = caller.view()
    return LifecycleOut(
        sanction_id=sanction_id_out(sanction.sanction_id, view),
        status=sanction.status.value,
        event=RecordedEventOut(
            sanction_id=sanction_id_out(recorded.sanction_id, view),
            seq=recorded.seq,
            kind=recorded.kind.value,
            on=recorded.on,
            by=recorded.by,
            reason=recorded.reason,
            changes=dict(recorded.changes),
        ),
    )
