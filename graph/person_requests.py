"""A person's own requests on their records: objections (异议) and personal
statements (本人声明).

A person files a request on a sanction whose restrictions reach them. An objection
enters the sanction's lifecycle: it lodges the lifecycle objection (the sanction is
suspended) or, when one is already pending, joins it; the officer's decision on
that objection decides the request too. Its status is read from the sanction's
events, never stored twice: filed, under review (an officer took it up), upheld or
rejected (the first decision after the objection it entered). A statement is only
shown, beside the record. Pure rules here; the stores keep flat rows (dates as ISO
strings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from graph.propagation import EventKind

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from graph.propagation import SanctionEvent


class RequestKind(StrEnum):
    """What the person files."""

    OBJECTION = "objection"  # 异议
    STATEMENT = "statement"  # 本人声明


class RequestStatus(StrEnum):
    """Where a request stands."""

    FILED = "filed"  # 已提出
    UNDER_REVIEW = "under_review"  # 审核中
    UPHELD = "upheld"  # 异议成立
    REJECTED = "rejected"  # 异议不成立
    SHOWN = "shown"  # a statement: shown with the record


STATUS_NAMES_ZH = {
    RequestStatus.FILED: "已提出",
    RequestStatus.UNDER_REVIEW: "审核中",
    RequestStatus.UPHELD: "异议成立",
    RequestStatus.REJECTED: "异议不成立",
    RequestStatus.SHOWN: "已附记",
}
KIND_NAMES_ZH = {RequestKind.OBJECTION: "异议", RequestKind.STATEMENT: "本人声明"}


@dataclass(frozen=True, slots=True)
class PersonRequest:
    """``person_id``'s objection or statement on ``sanction_id``, filed on
    ``filed_on`` through the key ``filed_by`` names. An objection names the
    lifecycle objection it entered (``objection_on``, ``objection_seq``: the
    sanction's OBJECT event); ``reviewed_on``/``reviewed_by`` say when an officer
    took it up."""

    request_id: str
    person_id: str
    sanction_id: str
    kind: RequestKind
    text: str
    filed_on: date
    filed_at: str
    filed_by: str
    objection_on: date | None = None
    objection_seq: int | None = None
    reviewed_on: date | None = None
    reviewed_by: str = ""


@dataclass(frozen=True, slots=True)
class RequestState:
    """A request's status on a day, and the decision behind it (if any)."""

    status: RequestStatus
    decided_on: date | None = None
    decided_by: str = ""
    decision_reason: str = ""

    @property
    def open(self) -> bool:
        """Whether an officer still has to decide it."""
        return self.status in (RequestStatus.FILED, RequestStatus.UNDER_REVIEW)


def request_state(
    request: PersonRequest, events: Iterable[SanctionEvent], on: date
) -> RequestState:
    """The request's status on ``on``, from its sanction's lifecycle events.

    An objection is decided by the first decision (upheld or rejected) after the
    lifecycle objection it entered, on or before ``on``; until then it is under
    review once an officer took it up (on or before ``on``), else filed.
    """
    if request.kind is RequestKind.STATEMENT:
        return RequestState(RequestStatus.SHOWN)
    entered = (request.objection_on, request.objection_seq)
    if entered[0] is not None and entered[1] is not None:
        after = (entered[0], entered[1])
        for event in sorted(events, key=lambda e: (e.on, e.seq)):
            if event.on > on or (event.on, event.seq) <= after:
                continue
            if event.kind in (EventKind.UPHOLD, EventKind.REJECT):
                status = (
                    RequestStatus.UPHELD
                    if event.kind is EventKind.UPHOLD
                    else RequestStatus.REJECTED
                )
                return RequestState(status, event.on, event.by, event.reason)
    if request.reviewed_on is not None and request.reviewed_on <= on:
        return RequestState(RequestStatus.UNDER_REVIEW)
    return RequestState(RequestStatus.FILED)


def pending_objection(events: Iterable[SanctionEvent]) -> SanctionEvent | None:
    """The lifecycle objection a new objection joins: the last OBJECT event, when
    no decision came after it (else None: the objection lodges a new one)."""
    pending: SanctionEvent | None = None
    for event in sorted(events, key=lambda e: (e.on, e.seq)):
        if event.kind is EventKind.OBJECT:
            pending = event
        elif event.kind in (EventKind.UPHOLD, EventKind.REJECT):
            pending = None
    return pending


def person_request_row(item: PersonRequest) -> dict[str, Any]:
    """The stored row of a request."""
    return {
        "request_id": item.request_id,
        "person_id": item.person_id,
        "sanction_id": item.sanction_id,
        "kind": item.kind.value,
        "text": item.text,
        "filed_on": item.filed_on.isoformat(),
        "filed_at": item.filed_at,
        "filed_by": item.filed_by,
        "objection_on": _iso(item.objection_on),
        "objection_seq": item.objection_seq,
        "reviewed_on": _iso(item.reviewed_on),
        "reviewed_by": item.reviewed_by,
    }


def person_request_from_row(row: Mapping[str, Any]) -> PersonRequest:
    """A request from its stored row."""
    seq = row["objection_seq"]
    return PersonRequest(
        request_id=row["request_id"],
        person_id=row["person_id"],
        sanction_id=row["sanction_id"],
        kind=RequestKind(row["kind"]),
        text=row["text"],
        filed_on=date.fromisoformat(row["filed_on"]),
        filed_at=row["filed_at"],
        filed_by=row["filed_by"],
        objection_on=_day(row["objection_on"]),
        objection_seq=None if seq is None else int(seq),
        reviewed_on=_day(row["reviewed_on"]),
        reviewed_by=row["reviewed_by"] or "",
    )


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
