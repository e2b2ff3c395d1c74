"""The report, built from gathered facts: pure (no store, no log, no clock).

One function, :func:`build_report`, turns :class:`ReportFacts` into the report as a
JSON-ready dict with its digest. The public audience sees masked identity (ID
number with the birth date hidden, surname only) and opaque sanction ids; the
explanations never carry a person's number, and any number-like run is masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from api.audience import View
from api.masking import mask_id_number, mask_id_numbers_in, mask_name, public_id
from api.report.digest import DIGEST_FIELD, report_digest
from graph.model import SanctionStatus
from graph.person_requests import KIND_NAMES_ZH, STATUS_NAMES_ZH, RequestKind
from graph.propagation import (
    EventKind,
    display_end,
    earliest_repair,
    sanction_state_on,
)

if TYPE_CHECKING:
    from datetime import date

    from api.audit.log import AuditEntry
    from graph.incentives import GoodRecord
    from graph.model import Person, Role, Sanction
    from graph.person_requests import PersonRequest, RequestState
    from graph.policy.catalogue import SanctionRule
    from graph.propagation import Restriction, SanctionEvent

REPORT_FORMAT = "credlink-report/2"
_SECTIONS = (
    "identity",
    "summary",
    "records",
    "restrictions",
    "roles",
    "incentives",
    "objections",
    "repairs",
    "queries",
)
_EVENT_NAMES_ZH = {
    EventKind.REPAIR: "信用修复",
    EventKind.OBJECT: "异议",
    EventKind.UPHOLD: "异议成立",
    EventKind.REJECT: "异议不成立",
    EventKind.CORRECT: "更正",
}


@dataclass(frozen=True, slots=True)
class SanctionFacts:
    """One sanction behind the report, with its rule (by decision date) and events."""

    sanction: Sanction
    rule: SanctionRule
    events: tuple[SanctionEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """One of the person's own objections or statements, with its status on the
    report's day."""

    request: PersonRequest
    state: RequestState


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """Everything a report says, as the gatherer read it from the store and log."""

    person: Person
    on: date
    report_id: str
    generated_at: str
    sanctions: tuple[SanctionFacts, ...] = ()
    restrictions: tuple[Restriction, ...] = ()
    roles: tuple[Role, ...] = ()
    queries: tuple[AuditEntry, ...] = ()
    requests: tuple[RequestFacts, ...] = ()
    good_records: tuple[GoodRecord, ...] = ()
    catalogue_source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def build_report(facts: ReportFacts, view: View) -> dict[str, Any]:
    """The report as a JSON-ready dict (with its digest) for ``view``'s audience."""
    public = view is View.PUBLIC
    on = facts.on
    records = [
        _record(item, on, public)
        for item in facts.sanctions
        if item.sanction.decided_on <= on
    ]
    shown = [r for r in records if r["displayed"]]
    restrictions = [_restriction(r, public) for r in facts.restrictions]
    roles_now = [_role(r, public) for r in facts.roles if _held(r, on)]
    roles_before = [
        _role(r, public) for r in facts.roles if not _held(r, on) and _ended(r, on)
    ]
    events = [
        (item, event)
        for item in facts.sanctions
        for event in item.events
        if event.on <= on
    ]
    objections = [
        _event(item, event, public)
        for item, event in events
        if event.kind in (EventKind.OBJECT, EventKind.UPHOLD, EventKind.REJECT)
    ]
    own = [_request(r, public) for r in facts.requests]
    own_objections = [r for r in own if r["kind"] == RequestKind.OBJECTION]
    statements = [r for r in own if r["kind"] == RequestKind.STATEMENT]
    repairs = [
        _event(item, event, public)
        for item, event in events
        if event.kind is EventKind.REPAIR
    ]
    versions = sorted(
        {
            item.rule.version.key
            for item in facts.sanctions
            if item.rule.version is not None
        }
    )
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "report_id": facts.report_id,
        "as_of": on.isoformat(),
        "generated_at": facts.generated_at,
        "audience": view.value,
        "catalogue": facts.catalogue_source.rsplit("/", 1)[-1],
        "rule_versions": versions,
        "sections": list(_SECTIONS),
        "identity": _identity(facts.person, public),
        "summary": {
            "records_in_force": len(shown),
            "records_total": len(records),
            "restrictions_in_force": len(restrictions),
            "bars_appointment": sorted(
                {role for r in facts.restrictions for role in r.bars}
            ),
            "roles_now": len(roles_now),
            "incentives_in_force": sum(r.in_force for r in facts.good_records),
            "objections": len(objections),
            "own_objections": len(own_objections),
            "statements": len(statements),
            "repairs": len(repairs),
            "queries": len(facts.queries),
        },
        "records": records,
        "restrictions": restrictions,
        "roles": {"now": roles_now, "before": roles_before},
        "objections": {
            "events": objections,
            "requests": own_objections,
            "statements": statements,
        },
        "incentives": [_good_record(r, public) for r in facts.good_records],
        "repairs": repairs,
        "queries": [_query(entry, public) for entry in facts.queries],
    }
    report[DIGEST_FIELD] = report_digest(report)
    return report


def _identity(person: Person, public: bool) -> dict[str, Any]:
    if public:
        return {
            "id_number": mask_id_number(person.person_id),
            "name": mask_name(person.name),
            "birth_date": None,
            "sex": person.sex,
        }
    return {
        "id_number": person.person_id,
        "name": person.name,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "sex": person.sex,
    }


def _sanction_id(sanction_id: str, public: bool) -> str:
    return public_id(sanction_id) if public else sanction_id


def _record(item: SanctionFacts, on: date, public: bool) -> dict[str, Any]:
    sanction, rule = item.sanction, item.rule
    state = sanction_state_on(sanction, item.events, on)
    ends = display_end(sanction, rule)
    version = rule.version
    subject = sanction.subject_id
    return {
        "sanction_id": _sanction_id(sanction.sanction_id, public),
        "type": sanction.type,
        "name_zh": rule.name_zh,
        "name_en": rule.name_en,
        "subject_kind": sanction.subject_kind.value,
        "subject_id": mask_id_numbers_in(subject) if public else subject,
        "authority": sanction.authority,
        "decision_no": sanction.decision_no,
        "decided_on": sanction.decided_on.isoformat(),
        "display_until": ends.isoformat(),
        "displayed": state is SanctionStatus.ACTIVE and on < ends,
        "status": state.value,
        "rule_version": version.key if version else None,
        "rule_version_name_zh": version.name_zh if version else None,
        "severity": rule.severity or None,
        "display": str(rule.display),
        "min_repair": str(rule.min_repair),
        "repair_from": earliest_repair(sanction, rule).isoformat(),
        "repair_conditions": [
            {"key": c.key, "zh": c.zh, "en": c.en}
            for c in (version.repair_conditions if version else ())
        ],
        "example": rule.example,
    }


def _restriction(restriction: Restriction, public: bool) -> dict[str, Any]:
    chain = restriction.chain
    lifecycle = restriction.lifecycle
    scrub = mask_id_numbers_in if public else str
    return {
        "restriction_id": public_id(restriction.restriction_id)
        if public
        else restriction.restriction_id,
        "measure": restriction.measure,
        "bars": [role.value for role in restriction.bars],
        "valid_from": restriction.valid_from.isoformat(),
        "valid_until": restriction.valid_until.isoformat(),
        "ends_on": lifecycle.ends_on.isoformat() if lifecycle else None,
        "status": lifecycle.status.value if lifecycle else None,
        "rule": scrub(restriction.rule),
        "example": restriction.example,
        "chain": {
            "sanction_id": _sanction_id(chain.sanction_id, public),
            "sanction_type": chain.sanction_type,
            "authority": chain.authority,
            "decision_no": chain.decision_no,
            "decided_on": chain.decided_on.isoformat(),
            "subject_kind": chain.subject_kind.value,
            "subject_id": scrub(chain.subject_id),
            "role": chain.role.value if chain.role else None,
            "role_since": chain.role_since.isoformat() if chain.role_since else None,
            "role_until": chain.role_until.isoformat() if chain.role_until else None,
        },
        "explanation_zh": scrub(restriction.explanation_zh),
        "explanation_en": scrub(restriction.explanation_en),
    }


def _held(role: Role, on: date) -> bool:
    if role.since is not None and role.until is not None and role.since >= role.until:
        return False
    return (role.since is None or role.since <= on) and (
        role.until is None or on < role.until
    )


def _ended(role: Role, on: date) -> bool:
    return role.until is not None and role.until <= on


def _role(role: Role, public: bool) -> dict[str, Any]:
    del public  # the enterprise and the role are public record
    return {
        "credit_code": role.credit_code,
        "role": role.role.value,
        "since": role.since.isoformat() if role.since else None,
        "until": role.until.isoformat() if role.until else None,
        "source": role.source,
    }


def _good_record(record: GoodRecord, public: bool) -> dict[str, Any]:
    """One good record (守信记录) and, while in force, what it earns; else why not
    (the sanctions that suspend or withdrew it)."""
    item, kind = record.commendation, record.kind
    return {
        "commendation_id": public_id(item.commendation_id)
        if public
        else item.commendation_id,
        "kind": item.kind,
        "name_zh": kind.name_zh if kind else item.kind,
        "name_en": kind.name_en if kind else item.kind,
        "authority": item.authority,
        "decided_on": item.decided_on.isoformat(),
        "valid_until": record.ends_on.isoformat() if record.ends_on else None,
        "status": record.status.value,
        "in_force": record.in_force,
        "facilitations": [
            {"key": f.key, "zh": f.name_zh, "en": f.name_en}
            for f in (kind.facilitations if kind and record.in_force else ())
        ],
        "suspended_by": [
            {
                "sanction_id": _sanction_id(s.sanction_id, public),
                "sanction_type": s.sanction_type,
                "name_zh": s.name_zh,
                "decided_on": s.decided_on.isoformat(),
                "displayed_until": s.until.isoformat() if s.until else None,
            }
            for s in record.suspensions
        ],
        "returns": kind.returns if kind else None,
        "basis": [b.zh for b in kind.basis] if kind else [],
        "example": record.example,
    }


def _event(item: SanctionFacts, event: SanctionEvent, public: bool) -> dict[str, Any]:
    scrub = mask_id_numbers_in if public else str
    return {
        "sanction_id": _sanction_id(item.sanction.sanction_id, public),
        "kind": event.kind.value,
        "name_zh": _EVENT_NAMES_ZH[event.kind],
        "on": event.on.isoformat(),
        "by": scrub(event.by),
        "reason": scrub(event.reason),
        "rule_version": item.rule.version.key if item.rule.version else None,
    }


def _request(facts: RequestFacts, public: bool) -> dict[str, Any]:
    item, state = facts.request, facts.state
    scrub = mask_id_numbers_in if public else str
    return {
        "request_id": item.request_id,
        "sanction_id": _sanction_id(item.sanction_id, public),
        "kind": item.kind.value,
        "name_zh": KIND_NAMES_ZH[item.kind],
        "filed_on": item.filed_on.isoformat(),
        "text": scrub(item.text),
        "status": state.status.value,
        "status_zh": STATUS_NAMES_ZH[state.status],
        "decided_on": state.decided_on.isoformat() if state.decided_on else None,
        "decision_reason": scrub(state.decision_reason),
    }


def _query(entry: AuditEntry, public: bool) -> dict[str, Any]:
    return {
        "at": entry.at,
        "who": entry.key_name if not public else entry.role,
        "key_id": "" if public else entry.key_id,
        "role": entry.role,
        "purpose": entry.purpose,
        "action": entry.action,
        "outcome": entry.outcome,
        "via": entry.via,
    }
