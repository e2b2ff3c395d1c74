"""Outbox events: what departments hear when a restriction starts, changes or ends.

Pure: the stores call these builders inside the transaction that writes the facts
(or the lifecycle event) an outbox event describes, and store the events there, so
an event exists exactly when its change committed. The store gives each event its
``seq`` (monotonic per store, in commit order); everything else is decided here.

Kinds (docs/execution.md):

* ``restriction.started``: a fact was derived that did not exist (new sanction,
  new or moved role, correction, catalogue change);
* ``restriction.changed``: its dates changed, or its explanation (correction), or
  its status (objection lodged or rejected);
* ``restriction.ended``: its fact went away (role or record changed), a repair or
  an upheld objection ended it, or its period ran out (``expire``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from graph.model import EntityKind
from graph.propagation import EventKind

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from graph.model import Role, Sanction
    from graph.policy.catalogue import Catalogue, SanctionRule
    from graph.propagation import Restriction, RestrictionFact, SanctionEvent


class ChangeKind(StrEnum):
    """What happened to a restriction."""

    STARTED = "restriction.started"
    CHANGED = "restriction.changed"
    ENDED = "restriction.ended"
    BREACHED = "restriction.breached"  # a role started that the restriction bars


class Cause(StrEnum):
    """Why: the write that produced the event."""

    DERIVED = "derived"  # a propagation after a sanction or role write
    CATALOGUE = "catalogue"  # a full propagation (after a catalogue change)
    REPAIR = "repair"
    OBJECTION = "objection"
    UPHELD = "objection_upheld"
    REJECTED = "objection_rejected"
    CORRECTION = "correction"
    EXPIRED = "expired"  # its display or fixed period ran out
    ROLE_STARTED = "role_started"  # a barred person took a role (a breach)


_LIFECYCLE_CAUSE: dict[EventKind, Cause] = {
    EventKind.REPAIR: Cause.REPAIR,
    EventKind.OBJECT: Cause.OBJECTION,
    EventKind.UPHOLD: Cause.UPHELD,
    EventKind.REJECT: Cause.REJECTED,
    EventKind.CORRECT: Cause.CORRECTION,
}


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One change of one restriction, as departments receive it.

    ``seq`` is 0 until the store assigns it. ``enterprise`` is the sanctioned
    enterprise (None for a sanction against the person). ``region`` is the region
    code of the person's ID number, ``enterprise_region`` that of the enterprise's
    credit code (None when the key carries none). ``rule_version`` names the
    catalogue rule the restriction was derived with (empty for an ended fact whose
    sanction is gone).
    """

    event_id: str
    at: datetime
    kind: ChangeKind
    cause: Cause
    restriction_id: str
    person_id: str
    measure: str
    sanction_id: str
    sanction_type: str
    enterprise: str | None
    valid_from: date
    valid_until: date
    rule_version: str
    explanation_zh: str
    explanation_en: str
    region: str | None = None
    enterprise_region: str | None = None
    seq: int = 0
    # a breach only: the role taken, where and since when
    role: str | None = None
    role_enterprise: str | None = None
    role_since: date | None = None

    def body(self) -> dict[str, Any]:
        """The event as JSON-ready values (the stored and delivered form)."""
        # one literal, keys sorted (dataclasses.asdict deep-copies every value)
        return {
            "at": self.at.isoformat(),
            "cause": self.cause.value,
            "enterprise": self.enterprise,
            "enterprise_region": self.enterprise_region,
            "event_id": self.event_id,
            "explanation_en": self.explanation_en,
            "explanation_zh": self.explanation_zh,
            "kind": self.kind.value,
            "measure": self.measure,
            "person_id": self.person_id,
            "region": self.region,
            "restriction_id": self.restriction_id,
            "role": self.role,
            "role_enterprise": self.role_enterprise,
            "role_since": self.role_since.isoformat() if self.role_since else None,
            "rule_version": self.rule_version,
            "sanction_id": self.sanction_id,
            "sanction_type": self.sanction_type,
            "seq": self.seq,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
        }


def event_from_body(body: Mapping[str, Any], seq: int) -> OutboxEvent:
    """The event stored as ``body`` (see ``OutboxEvent.body``), with its ``seq``."""
    values = dict(body)
    values["at"] = datetime.fromisoformat(values["at"])
    values["valid_from"] = date.fromisoformat(values["valid_from"])
    values["valid_until"] = date.fromisoformat(values["valid_until"])
    since = values.get("role_since")
    values["role_since"] = date.fromisoformat(since) if since else None
    values["kind"] = ChangeKind(values["kind"])
    values["cause"] = Cause(values["cause"])
    values["seq"] = seq
    return OutboxEvent(**values)


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # stateless


def encode_body(event: OutboxEvent) -> str:
    """The stored text of an event (JSON, keys sorted; as ``json.dumps`` with
    ``ensure_ascii=False, sort_keys=True`` writes it)."""
    return _ENCODER.encode(event.body())


def person_region(person_id: str) -> str | None:
    """The region code of a resident ID number (its first six digits), or None for
    a surrogate key."""
    head = person_id[:6]
    return head if len(person_id) == 18 and head.isdigit() else None


def enterprise_region(credit_code: str | None) -> str | None:
    """The region code of a unified social credit code (characters 3 to 8)."""
    if credit_code is None or len(credit_code) != 18:
        return None
    code = credit_code[2:8]
    return code if code.isdigit() else None


@lru_cache(maxsize=256)
def rule_version(rule: SanctionRule) -> str:
    """A short, stable name of the rule as applied: type @ digest of its content."""
    digest = hashlib.sha256(repr(rule).encode()).hexdigest()[:12]
    return f"{rule.sanction_type}@{digest}"


class Rules:
    """``catalogue.rule`` and its ``rule_version``, built once per sanction type
    and rule version in force (a derivation asks for the same few many times;
    ``catalogue.rule`` builds the rule anew at each call)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._found: dict[tuple[str, str | None], tuple[SanctionRule, str]] = {}

    def __call__(
        self, sanction_type: str, decided_on: date | None
    ) -> tuple[SanctionRule, str]:
        """The rule in force on ``decided_on`` and its version's name."""
        catalogue = self._catalogue
        version = None
        if catalogue.versions:  # as Catalogue.rule picks it
            version = (
                catalogue.versions[0]
                if decided_on is None
                else catalogue.version_on(decided_on)
            )
        key = (sanction_type, version.key if version is not None else None)
        found = self._found.get(key)
        if found is None:
            rule = catalogue.rule(sanction_type, decided_on)
            found = self._found[key] = (rule, rule_version(rule))
        return found


def _new_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def _now() -> datetime:
    return datetime.now(UTC)


def event_of(
    restriction: Restriction,
    kind: ChangeKind,
    cause: Cause,
    rule: SanctionRule,
    at: datetime | None = None,
    version: str | None = None,
) -> OutboxEvent:
    """The event saying that ``restriction`` (as it now stands) started, changed or
    ended, with its explanation. ``version``: ``rule_version(rule)``, when the
    caller has it."""
    chain = restriction.chain
    enterprise = None
    if chain.subject_kind is EntityKind.ENTERPRISE:
        enterprise = chain.subject_id
    return OutboxEvent(
        event_id=_new_id(),
        at=at or _now(),
        kind=kind,
        cause=cause,
        restriction_id=restriction.restriction_id,
        person_id=restriction.person_id,
        measure=restriction.measure,
        sanction_id=restriction.sanction_id,
        sanction_type=chain.sanction_type,
        enterprise=enterprise,
        valid_from=restriction.valid_from,
        valid_until=restriction.valid_until,
        rule_version=rule_version(rule) if version is None else version,
        explanation_zh=restriction.explanation_zh,
        explanation_en=restriction.explanation_en,
        region=person_region(restriction.person_id),
        enterprise_region=enterprise_region(enterprise),
    )


def gone_event(
    fact: RestrictionFact,
    sanction: Sanction | None,
    cause: Cause,
    at: datetime | None = None,
) -> OutboxEvent:
    """The event saying that a stored fact is no longer derived (its role or the
    sanction's record changed): it ended."""
    enterprise = None
    if sanction is not None and sanction.subject_kind is EntityKind.ENTERPRISE:
        enterprise = sanction.subject_id
    return OutboxEvent(
        event_id=_new_id(),
        at=at or _now(),
        kind=ChangeKind.ENDED,
        cause=cause,
        restriction_id=fact.restriction_id,
        person_id=fact.person_id,
        measure=fact.measure,
        sanction_id=fact.sanction_id,
        sanction_type=sanction.type if sanction is not None else "",
        enterprise=enterprise,
        valid_from=fact.valid_from,
        valid_until=fact.valid_until,
        rule_version="",
        explanation_zh="该限制不再由此处罚推导（任职或处罚记录已变更）",
        explanation_en=(
            "no longer derived from the sanction (its record or the role that "
            "reached the person changed)"
        ),
        region=person_region(fact.person_id),
        enterprise_region=enterprise_region(enterprise),
    )


def diff_events(
    held: Mapping[str, RestrictionFact],
    fresh: Mapping[str, Restriction],
    sanctions: Mapping[str, Sanction],
    catalogue: Catalogue,
    cause: Cause,
    *,
    touched: Iterable[str] = (),
) -> list[OutboxEvent]:
    """The events of one derivation: ``held`` facts before, ``fresh`` restrictions
    after (both keyed by restriction id), sorted by restriction id.

    New: started; gone: ended; dates changed: changed. The restrictions of the
    sanctions in ``touched`` (a corrected record) that kept their dates change too
    (their explanation quotes the record), and their events' cause is the
    correction; the others' is ``cause``.
    """
    touched_ids = set(touched)
    at = _now()
    rules = Rules(catalogue)
    events: list[OutboxEvent] = []
    for key in sorted(set(held) | set(fresh)):
        before, after = held.get(key), fresh.get(key)
        if after is None:
            assert before is not None
            why = Cause.CORRECTION if before.sanction_id in touched_ids else cause
            sanction = sanctions.get(before.sanction_id)
            events.append(gone_event(before, sanction, why, at))
            continue
        why = Cause.CORRECTION if after.sanction_id in touched_ids else cause
        if before is None:
            kind = ChangeKind.STARTED
        elif (before.valid_from, before.valid_until) != (
            after.valid_from,
            after.valid_until,
        ) or after.sanction_id in touched_ids:
            kind = ChangeKind.CHANGED
        else:
            continue
        rule, version = rules(after.chain.sanction_type, after.chain.decided_on)
        events.append(event_of(after, kind, why, rule, at, version))
    return events


def lifecycle_events(
    restrictions: Iterable[Restriction], event: SanctionEvent, catalogue: Catalogue
) -> list[OutboxEvent]:
    """The events a status change of the sanction gives its restrictions.

    Repair ends those that do not survive repair; an upheld objection ends all; an
    objection lodged or rejected changes all (suspended, then in force again).
    Restrictions whose validity ended before the event's day are left alone
    (their end was told when it came). Corrections are told by the derivation
    (``diff_events``), which runs in the same transaction.
    """
    at = _now()
    cause = _LIFECYCLE_CAUSE[event.kind]
    rules = Rules(catalogue)
    found: list[OutboxEvent] = []
    for restriction in sorted(restrictions, key=lambda r: r.restriction_id):
        if restriction.valid_until <= event.on:
            continue
        rule, version = rules(
            restriction.chain.sanction_type, restriction.chain.decided_on
        )
        if event.kind is EventKind.REPAIR:
            if restriction.survives_repair:
                continue
            kind = ChangeKind.ENDED
        elif event.kind is EventKind.UPHOLD:
            kind = ChangeKind.ENDED
        elif event.kind in (EventKind.OBJECT, EventKind.REJECT):
            kind = ChangeKind.CHANGED
        else:
            continue
        found.append(event_of(restriction, kind, cause, rule, at, version))
    return found


def expiry_event(restriction: Restriction, rule: SanctionRule) -> OutboxEvent:
    """The event saying that ``restriction``'s period ran out."""
    return event_of(restriction, ChangeKind.ENDED, Cause.EXPIRED, rule)


def numbered(events: Iterable[OutboxEvent], first: int) -> list[OutboxEvent]:
    """``events`` with sequence numbers from ``first`` on, in order."""
    return [replace(event, seq=first + i) for i, event in enumerate(events)]


def breach_event(
    restriction: Restriction, role: Role, rule: SanctionRule
) -> OutboxEvent:
    """The event saying that ``role`` started while ``restriction`` barred its
    holder from it. Its id is derived from the role and the restriction, so the
    same breach is told once however often it is looked for."""
    found = event_of(restriction, ChangeKind.BREACHED, Cause.ROLE_STARTED, rule)
    key = f"{role.role_id}|{restriction.restriction_id}".encode()
    since = role.since.isoformat() if role.since else "?"
    return replace(
        found,
        event_id="evt_b" + hashlib.sha256(key).hexdigest()[:31],
        role=role.role.value,
        role_enterprise=role.credit_code,
        role_since=role.since,
        explanation_zh=(
            f"{since}起任{role.credit_code}的{role.role.value}，"
            f"而该限制禁止此任职：{restriction.explanation_zh}"
        ),
        explanation_en=(
            f"took the role {role.role.value} in {role.credit_code} on {since} "
            f"while this restriction bars it: {restriction.explanation_en}"
        ),
    )
