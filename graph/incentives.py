"""Good records and the incentives in force on a day (守信联合激励).

``assess`` is pure: given a subject's commendations, the sanctions that concern it
(each with the rule of its decision date and its events) and the incentives
catalogue, it says of every commendation decided by the day whether it earns its
facilitations that day and, if not, why. ``good_records_of`` gathers those inputs
through the GraphStore protocol.

The rule (docs/policy.md): a commendation holds from its decision date until the
first of its own ``valid_until`` and its decision date plus the kind's ``lasts``.
A sanction decided after it that the kind lists (by type, or by severity under the
sanction's rule version) suspends it while the sanction is displayed (decided, not
expired, ACTIVE). When the kind ``returns``, the commendation counts again once no
such sanction is displayed (repaired, expired, objection pending or revoked); when
it does not, such a sanction withdraws it for good unless the sanction is revoked
(an upheld objection or a correction removes it as if it never was) or its
objection is pending (suspended meanwhile).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from graph.model import EntityKind, SanctionStatus
from graph.propagation import display_end, is_displayed_on, sanction_state_on

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from graph.model import Commendation, Sanction
    from graph.policy.catalogue import Catalogue, SanctionRule
    from graph.policy.incentives import CommendationKind, IncentivesCatalogue
    from graph.propagation import SanctionEvent
    from graph.store import GraphStore


class GoodRecordStatus(StrEnum):
    """Where a commendation stands on a day."""

    IN_FORCE = "in_force"  # earns its facilitations
    SUSPENDED = "suspended"  # a later sanction in force suspends it
    WITHDRAWN = "withdrawn"  # a later sanction ended it (the kind does not return)
    EXPIRED = "expired"  # its validity or the kind's period ran out
    UNKNOWN_KIND = "unknown_kind"  # the incentives catalogue no longer lists it


@dataclass(frozen=True, slots=True)
class SanctionRecord:
    """A sanction that concerns the subject, its rule and its lifecycle events."""

    sanction: Sanction
    rule: SanctionRule
    events: tuple[SanctionEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class Suspension:
    """A sanction that suspends (or withdrew) a commendation, and until when it is
    displayed (``until``: its display end; None for a withdrawal)."""

    sanction_id: str
    sanction_type: str
    name_zh: str
    severity: str
    decided_on: date
    until: date | None


@dataclass(frozen=True, slots=True)
class GoodRecord:
    """One commendation on a day: its status, its end, and what suspends it."""

    commendation: Commendation
    kind: CommendationKind | None
    status: GoodRecordStatus
    ends_on: date | None
    suspensions: tuple[Suspension, ...] = ()
    example: bool = False  # the incentives catalogue is an example

    @property
    def in_force(self) -> bool:
        """Whether it earns its facilitations on the day."""
        return self.status is GoodRecordStatus.IN_FORCE


def commendation_end(commendation: Commendation, kind: CommendationKind) -> date:
    """The first day the commendation no longer holds: its ``valid_until`` or its
    decision date plus the kind's period, whichever comes first."""
    end = kind.lasts.after(commendation.decided_on)
    if commendation.valid_until is not None:
        return min(end, commendation.valid_until)
    return end


def assess(
    commendations: Sequence[Commendation],
    records: Sequence[SanctionRecord],
    catalogue: IncentivesCatalogue,
    on: date,
) -> list[GoodRecord]:
    """Every commendation decided on or before ``on``, with its status that day,
    sorted by (decision date, id). ``records`` are the sanctions that concern the
    subject (against it or, for a person, reaching them through a role)."""
    found: list[GoodRecord] = []
    example = catalogue.example
    for item in sorted(commendations, key=lambda c: (c.decided_on, c.commendation_id)):
        if item.decided_on > on:
            continue
        kind = catalogue.get(item.kind)
        if kind is None:
            found.append(
                GoodRecord(item, None, GoodRecordStatus.UNKNOWN_KIND, None, (), example)
            )
            continue
        ends = commendation_end(item, kind)
        if on >= ends:
            found.append(
                GoodRecord(item, kind, GoodRecordStatus.EXPIRED, ends, (), example)
            )
            continue
        status, suspensions = _suspension(item, kind, records, on)
        found.append(GoodRecord(item, kind, status, ends, suspensions, example))
    return found


def _suspension(
    item: Commendation,
    kind: CommendationKind,
    records: Sequence[SanctionRecord],
    on: date,
) -> tuple[GoodRecordStatus, tuple[Suspension, ...]]:
    later = [
        r
        for r in sorted(records, key=lambda r: r.sanction.sanction_id)
        if item.decided_on < r.sanction.decided_on <= on
        and kind.suspended_by(r.sanction.type, r.rule.severity)
    ]
    if kind.returns:
        active = [r for r in later if is_displayed_on(r.sanction, r.events, r.rule, on)]
        if active:
            return GoodRecordStatus.SUSPENDED, tuple(
                _suspended(r, display_end(r.sanction, r.rule)) for r in active
            )
        return GoodRecordStatus.IN_FORCE, ()
    states = {
        r.sanction.sanction_id: sanction_state_on(r.sanction, r.events, on)
        for r in later
    }
    ending = [
        r
        for r in later
        if states[r.sanction.sanction_id]
        not in (SanctionStatus.REVOKED, SanctionStatus.SUSPENDED)
    ]
    if ending:
        return GoodRecordStatus.WITHDRAWN, tuple(_suspended(r, None) for r in ending)
    pending = [
        r for r in later if states[r.sanction.sanction_id] is SanctionStatus.SUSPENDED
    ]
    if pending:
        return GoodRecordStatus.SUSPENDED, tuple(_suspended(r, None) for r in pending)
    return GoodRecordStatus.IN_FORCE, ()


def _suspended(record: SanctionRecord, until: date | None) -> Suspension:
    sanction, rule = record.sanction, record.rule
    return Suspension(
        sanction_id=sanction.sanction_id,
        sanction_type=sanction.type,
        name_zh=rule.name_zh,
        severity=rule.severity,
        decided_on=sanction.decided_on,
        until=until,
    )


def sanction_records(
    store: GraphStore, catalogue: Catalogue, kind: EntityKind, key: str
) -> list[SanctionRecord]:
    """The sanctions that concern the entity, sorted by id: those against it and,
    for a person, those that ever reached them through a role; each with the rule
    of its decision date and its events. Types the catalogue lacks are left out
    (propagation sets them aside too)."""
    wanted: dict[str, Sanction] = {
        s.sanction_id: s for s in store.sanctions_against(kind, key)
    }
    if kind is EntityKind.PERSON:
        for fact in store.restriction_facts(person_id=key):
            if fact.sanction_id not in wanted:
                found = store.get_sanction(fact.sanction_id)
                if found is not None:
                    wanted[fact.sanction_id] = found
    return [
        SanctionRecord(
            s,
            catalogue.rule(s.type, s.decided_on),
            tuple(store.sanction_events(s.sanction_id)),
        )
        for _, s in sorted(wanted.items())
        if catalogue.get(s.type) is not None
    ]


def good_records_of(
    store: GraphStore,
    catalogue: Catalogue,
    incentives: IncentivesCatalogue,
    kind: EntityKind,
    key: str,
    on: date,
) -> list[GoodRecord]:
    """The entity's commendations decided by ``on``, assessed on ``on``."""
    commendations = store.commendations_of(kind, key)
    if not commendations:
        return []
    return assess(
        commendations, sanction_records(store, catalogue, kind, key), incentives, on
    )


def incentives_on(
    store: GraphStore,
    catalogue: Catalogue,
    incentives: IncentivesCatalogue,
    kind: EntityKind,
    key: str,
    on: date,
) -> list[GoodRecord]:
    """The entity's commendations that earn their facilitations on ``on``."""
    return [
        r
        for r in good_records_of(store, catalogue, incentives, kind, key, on)
        if r.in_force
    ]
