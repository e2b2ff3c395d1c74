"""The credit check before an appointment, for registration and HR systems."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends

from api.access.guard import Caller, require
from api.deps import request_catalogue, request_incentives, request_store
from api.keys import person_key
from api.routes.views import incentive_brief_out
from api.schemas import AppointmentCheckIn, AppointmentDecisionOut, BlockingOut
from graph import enforcement
from graph.incentives import incentives_on
from graph.model import EntityKind
from graph.policy.catalogue import Catalogue
from graph.policy.incentives import IncentivesCatalogue
from graph.store import GraphStore
from linkage.ids import parse_credit_code

router = APIRouter(prefix="/checks", tags=["checks"])


@router.post("/appointment")
def appointment_check(
    check: AppointmentCheckIn,
    store: Annotated[GraphStore, Depends(request_store)],
    catalogue: Annotated[Catalogue, Depends(request_catalogue)],
    incentives: Annotated[IncentivesCatalogue, Depends(request_incentives)],
    caller: Annotated[Caller, require("appointment.check")],
) -> AppointmentDecisionOut:
    """May the person take ``role`` in ``enterprise`` on the date (default today)?
    Blocked: each blocking measure and until when. ``incentives``: the good records
    in force that day and the facilitations they earn (守信激励). ``person_known``
    false means the store holds no record of the person: no restriction is known,
    which is not a clearance."""
    person_id = person_key(check.person)
    code = parse_credit_code(check.enterprise).value
    day = check.on or date.today()
    caller.about(person_id)
    found = enforcement.check_appointment(
        store, catalogue, person_id, check.role, code, day
    )
    earned = incentives_on(
        store, catalogue, incentives, EntityKind.PERSON, person_id, day
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
        incentives=[incentive_brief_out(r) for r in earned],
    )
