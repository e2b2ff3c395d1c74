"""The credit check before an appointment, for registration and HR systems."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends

from api.access.guard import Caller, require
from api.deps import request_catalogue, request_store
from api.keys import person_key
from api.schemas import AppointmentCheckIn, AppointmentDecisionOut, BlockingOut
from graph import enforcement
from graph.policy.catalogue import Catalogue
from graph.store import GraphStore
from linkage.ids import parse_credit_code

router = APIRouter(prefix="/checks", tags=["checks"])


@router.post("/appointment")
def appointment_check(
    check: AppointmentCheckIn,
    store: Annotated[GraphStore, Depends(request_store)],
    catalogue: Annotated[Catalogue, Depends(request_catalogue)],
    caller: Annotated[Caller, require("appointment.check")],
) -> AppointmentDecisionOut:
    """May the person take ``role`` in ``enterprise`` on the date (default today)?
    Blocked: each blocking measure and until when. ``person_known`` false means the
    store holds no record of the person: no restriction is known, which is not a
    clearance."""
    person_id = person_key(check.person)
    code = parse_credit_code(check.enterprise).value
    day = check.on or date.today()
    caller.about(person_id)
    found = enforcement.check_appointment(
        store, catalogue, person_id, check.role, code, day
    )
    known = store.get_person(person_id) is not None
    caller.answered([person_id] if known else [])
    return AppointmentDecisionOut(
        person_known=known,
        role=check.role,
        enterprise=code,
        on=day,
        allowed=found.allowed,
        blocking=[
            BlockingOut(
                measure=r.measure,
                bars=list(r.bars),
                sanction_type=r.chain.sanction_type,
                valid_until=r.valid_until,
                rule=r.rule,
                example=r.example,
            )
            for r in found.blocking
        ],
    )
