"""An enterprise's standing on a day: its sanctions, its restricted role holders,
and the roles taken while barred (违规任职). Credit codes may stand in the path."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from api.access.guard import Caller, require
from api.deps import request_catalogue, request_store
from api.routes.views import (
    View,
    enterprise_out,
    restriction_out,
    role_out,
    sanction_id_out,
)
from api.schemas import EnterpriseOut, RestrictionOut, RoleOut
from graph.policy.catalogue import Catalogue
from graph.standing import Standing, standing_of
from graph.store import GraphStore
from linkage.ids import parse_credit_code

router = APIRouter(prefix="/enterprises", tags=["enterprises"])

Store = Annotated[GraphStore, Depends(request_store)]
Measures = Annotated[Catalogue, Depends(request_catalogue)]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class SanctionBriefOut(_Out):
    """A sanction against the enterprise, with its status."""

    sanction_id: str
    type: str
    authority: str
    decision_no: str
    decided_on: date
    status: str


class RestrictedHolderOut(_Out):
    """A role held on the day by a person under restrictions in force that day."""

    role: RoleOut
    restrictions: list[RestrictionOut]


class IrregularOut(_Out):
    """A role held on the day, taken while restrictions barred it (违规任职)."""

    role: RoleOut
    blocking: list[RestrictionOut]


class StandingOut(_Out):
    """An enterprise's standing on a day."""

    on: date
    enterprise: EnterpriseOut
    sanctions: list[SanctionBriefOut]
    restricted: list[RestrictedHolderOut]
    irregular: list[IrregularOut]


def standing_answer(found: Standing, view: View) -> StandingOut:
    """The standing as the view shows it (persons masked in the public view)."""
    return StandingOut(
        on=found.day,
        enterprise=enterprise_out(found.enterprise),
        sanctions=[
            SanctionBriefOut(
                sanction_id=sanction_id_out(s.sanction_id, view),
                type=s.type,
                authority=s.authority,
                decision_no=s.decision_no,
                decided_on=s.decided_on,
                status=s.status.value,
            )
            for s in found.sanctions
        ],
        restricted=[
            RestrictedHolderOut(
                role=role_out(h.role, view),
                restrictions=[restriction_out(r, view) for r in h.restrictions],
            )
            for h in found.restricted
        ],
        irregular=[
            IrregularOut(
                role=role_out(a.role, view),
                blocking=[restriction_out(r, view) for r in a.blocking],
            )
            for a in found.irregular
        ],
    )


@router.get("/{credit_code}/standing")
def get_standing(
    credit_code: str,
    store: Store,
    catalogue: Measures,
    caller: Annotated[Caller, require("enterprise.people")],
    on: Annotated[date | None, Query(description="As of this date (today).")] = None,
) -> StandingOut:
    """The enterprise's own sanctions, the restrictions in force on its role
    holders, and the holders appointed while a restriction barred them (every
    person named is audited and counts against the key's persons quota)."""
    code = parse_credit_code(credit_code).value
    caller.about(code)
    found = standing_of(store, catalogue, code, on or date.today())
    caller.answered(found.persons)
    return standing_answer(found, caller.view(View.FULL))
