"""The audit log for auditors: its verification, every query about a person, and
a review of each key's use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.access.guard import Caller, require
from api.audit import verify_log
from api.audit.review import review, who_queried
from api.keys import person_key
from api.schemas import (
    AuditVerifyOut,
    KeyReviewOut,
    QueryRecordOut,
    ReviewIn,
    ReviewOut,
    WhoQueriedIn,
    WhoQueriedOut,
)

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/verify")
def verify(caller: Annotated[Caller, require("audit.verify")]) -> AuditVerifyOut:
    """Whether the audit log's hash chain holds and agrees with the checkpoints
    kept in the store; the first bad line and what is wrong with it."""
    access = caller.access
    access.audit.checkpoint()
    report = verify_log(access.audit, access.store.audit_checkpoints)
    return AuditVerifyOut(
        ok=report.ok,
        entries=report.entries,
        head=report.head,
        log=report.log,
        first_bad=report.first_bad,
        problem=report.problem,
        checkpoints=report.checkpoints,
    )


@router.post("/who-queried")
def who_queried_person(
    query: WhoQueriedIn, caller: Annotated[Caller, require("audit.who_queried")]
) -> WhoQueriedOut:
    """Every query about one person: when, which organisation (key), which
    purpose, what was asked and with which outcome."""
    person = person_key(query.person)
    caller.about(person)
    found = who_queried(caller.access.audit.entries(), person)
    caller.answered([person])
    return WhoQueriedOut(
        person=person,
        queries=[
            QueryRecordOut(
                at=e.at,
                key_id=e.key_id,
                key_name=e.key_name,
                role=e.role,
                purpose=e.purpose,
                action=e.action,
                outcome=e.outcome,
                via=e.via,
            )
            for e in found
        ],
    )


@router.post("/review")
def review_keys(
    query: ReviewIn, caller: Annotated[Caller, require("audit.review")]
) -> ReviewOut:
    """Per key over the period: requests, distinct persons, denials, bursts,
    requests outside office hours; outliers flagged."""
    found = review(caller.access.audit.entries(), query.since, query.until)
    return ReviewOut(
        since=query.since,
        until=query.until,
        window_minutes=10,
        keys=[
            KeyReviewOut(
                key_id=k.key_id,
                key_name=k.key_name,
                role=k.role,
                requests=k.requests,
                persons=k.persons,
                denials=k.denials,
                max_persons_per_window=k.max_persons_per_window,
                off_hours=k.off_hours,
                flags=list(k.flags),
            )
            for k in found
        ],
    )
