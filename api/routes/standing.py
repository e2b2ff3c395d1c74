"""An enterprise's standing on a day: its sanctions, its restricted role holders,
the roles taken while barred (违规任职), and its good records (守信记录) with the
incentives in force. Credit codes may stand in the path."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from api.access.guard import Caller, require
from api.deps import request_catalogue, request_incentives, request_store
from api.masking import public_id
from api.routes.views import (
    View,
    enterprise_out,
    incentive_out,
    restriction_out,
    role_out,
    sanction_id_out,
)
from api.schemas import EnterpriseOut, IncentiveOut, RestrictionOut, RoleOut
from graph.incentives import GoodRecord
from graph.policy.catalogue import Catalogue
from graph.policy.incentives import IncentivesCatalogue
from graph.standing import Standing, standing_of
from graph.store import GraphStore
from linkage.ids import parse_credit_code

router = APIRouter(prefix="/enterprises", tags=["enterprises"])

Store = Annotated[GraphStore, Depends(request_store)]
Measures = Annotated[Catalogue, Depends(request_catalogue)]
Incentives = Annotated[IncentivesCatalogue, Depends(request_incentives)]


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


class SuspendingOut(_Out):
    """A later sanction that suspends a good record (``until``: the last day it is
    displayed, exclusive) or withdrew it for good (``until`` null)."""

    sanction_id: str
    type: str
    name_zh: str
    decided_on: date
    until: date | None


class GoodRecordOut(_Out):
    """A commendation decided by the day and where it stands that day: ``in_force``
    (it earns the kind's facilitations), ``suspended``, ``withdrawn``, ``expired``
    or ``unknown_kind``; ``valid_until`` exclusive; ``suspended_by`` the sanctions
    that suspend or withdrew it."""

    commendation_id: str
    kind: str
    name_zh: str
    authority: str
    decided_on: date
    valid_until: date | None
    status: str
    suspended_by: list[SuspendingOut]
    example: bool


class StandingOut(_Out):
    """An enterprise's standing on a day; ``incentives``: the good records in force
    and the facilitations they earn."""

    on: date
    enterprise: EnterpriseOut
    sanctions: list[SanctionBriefOut]
    restricted: list[RestrictedHolderOut]
    irregular: list[IrregularOut]
    good_records: list[GoodRecordOut]
    incentives: list[IncentiveOut]


def good_record_out(record: GoodRecord, view: View) -> GoodRecordOut:
    """A good record as the view shows it (the public sees opaque record ids)."""
    item, kind = record.commendation, record.kind
    return GoodRecordOut(
        commendation_id=public_id(item.commendation_id)
        if view is View.PUBLIC
        else item.commendation_id,
        kind=item.kind,
        name_zh=kind.name_zh if kind is not None else item.kind,
        authority=item.authority,
        decided_on=item.decided_on,
        valid_until=record.ends_on,
        status=record.status.value,
        suspended_by=[
            SuspendingOut(
                sanction_id=sanction_id_out(s.sanction_id, view),
                type=s.sanction_type,
                name_zh=s.name_zh,
                decided_on=s.decided_on,
                until=s.until,
            )
            for s in record.suspensions
        ],
        example=record.example,
    )


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
        good_records=[good_record_out(r, view) for r in found.good_records],
        incentives=[incentive_out(r, view) for r in found.incentives],
    )


@router.get("/{credit_code}/standing")
def get_standing(
    credit_code: str,
    store: Store,
    catalogue: Measures,
    incentives: Incentives,
    caller: Annotated[Caller, require("enterprise.people")],
    on: Annotated[date | None, Query(description="As of this date (today).")] = None,
) -> StandingOut:
    """The enterprise's own sanctions, the restrictions in force on its role
    holders, the holders appointed while a restriction barred them (every person
    named is audited and counts against the key's persons quota), and its good
    records with the incentives they earn on the day."""
    code = parse_credit_code(credit_code).value
    caller.about(code)
    found = standing_of(store, catalogue, incentives, code, on or date.today())
    caller.answered(found.persons)
    return standing_answer(found, caller.view(View.FULL))
