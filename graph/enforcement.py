"""Sanction enforcement over any GraphStore: the operations the CLI and API call.

Orchestration only: the rules are ``graph.propagation``'s and the facts the store's.
Restrictions are stored as facts and rebuilt here, explanations included, by
``graph.propagation.build_restriction``.

Every read takes an as-of date. Before answering, a read derives the sanctions that
are pending (a no-op when none is), so an appointment check never answers from
restrictions that a recent write has made stale.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from graph.errors import EntityNotFoundError, PolicyError
from graph.model import EntityKind
from graph.outbox import breach_event, expiry_event, lifecycle_events
from graph.propagation import (
    AppointmentCheck,
    PropagationReport,
    Restriction,
    apply_event,
    build_restriction,
    needs_rederive,
    restriction_fact,
    restrictions_in_force,
    with_lifecycle,
)
from graph.propagation import check_appointment as _check_restrictions

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from graph.model import Role, RoleType, Sanction
    from graph.outbox import OutboxEvent
    from graph.policy.catalogue import Catalogue
    from graph.propagation import RestrictionFact, SanctionEvent
    from graph.store import GraphStore


def propagate(
    store: GraphStore, catalogue: Catalogue, *, full: bool = False
) -> PropagationReport:
    """Derive the restrictions of pending sanctions (of every sanction with ``full``).

    Run ``full`` after editing the catalogue: stored facts follow the catalogue they
    were derived with. Sanctions of a type the catalogue lacks are left as they are
    and named in the report's ``skipped`` (reads go on without them: nothing can be
    derived for them).
    """
    return store.propagate(catalogue, full=full)


def restrictions_on(
    store: GraphStore, catalogue: Catalogue, person_id: str, day: date
) -> list[Restriction]:
    """The restrictions in force on the person on ``day``, sorted by id.

    In force: valid on ``day`` and the sanction ACTIVE that day (or REPAIRED and the
    measure survives repair), replaying the sanction's dated events.
    """
    store.propagate(catalogue)
    facts = store.restriction_facts(person_id=person_id, on=day)
    return _in_force(store, catalogue, facts, day)


def check_appointment(
    store: GraphStore,
    catalogue: Catalogue,
    person_id: str,
    role: RoleType,
    credit_code: str,
    day: date,
) -> AppointmentCheck:
    """May the person take ``role`` in the enterprise ``credit_code`` on ``day``?

    Blocked by each restriction in force that day whose measure bars the role,
    unless the enterprise is the one the measure excepts.
    """
    in_force = restrictions_on(store, catalogue, person_id, day)
    return _check_restrictions(in_force, role, credit_code, day)


def record_event(
    store: GraphStore, catalogue: Catalogue, event: SanctionEvent
) -> Sanction:
    """Check ``event`` against the sanction's history, store it, return the sanction.

    Raises EntityNotFoundError for an unknown sanction and LifecycleError for a
    transition the rules refuse (nothing is written then). A correction derives the
    sanction's restrictions again at once.
    """
    sanction = store.get_sanction(event.sanction_id)
    if sanction is None:
        raise EntityNotFoundError("sanction", event.sanction_id)
    history = store.sanction_events(event.sanction_id)
    updated, new_history = apply_event(sanction, history, event, catalogue)
    outbox: list[OutboxEvent] = []
    if not needs_rederive(event):
        store.propagate(catalogue)
        facts = store.restriction_facts(sanction_id=event.sanction_id)
        restrictions, _ = _rebuild(store, catalogue, facts)
        outbox = lifecycle_events(restrictions, new_history[-1], catalogue)
    # a correction is derived again in the transaction that records it, which
    # writes the outbox events of what it changed
    store.append_sanction_event(
        updated, new_history[-1], outbox=outbox, catalogue=catalogue
    )
    return updated


def expire(store: GraphStore, catalogue: Catalogue, on: date) -> int:
    """Tell the end of every announced restriction whose period ran out by ``on``.

    Idempotent: a restriction whose last outbox event is an end is left alone, so
    running it daily (or twice a day) writes each end once. Returns how many
    ``restriction.ended`` events were written.
    """
    store.propagate(catalogue)
    facts = store.restrictions_to_expire(on)
    if not facts:
        return 0
    restrictions, sanctions = _rebuild(store, catalogue, facts)
    events = []
    for r in restrictions:
        sanction = sanctions[r.sanction_id]
        events.append(
            expiry_event(r, catalogue.rule(sanction.type, sanction.decided_on))
        )
    return store.append_ends(events)


def find_breaches(store: GraphStore, catalogue: Catalogue) -> int:
    """Tell every role that started while a restriction in force barred its
    holder from it (appointed anyway, or loaded from a register afterwards).

    Only the roles of persons with a stored restriction are looked at. Each
    breach is one ``restriction.breached`` event, written once however often this
    runs (its id comes from the role and the restriction). Returns how many new
    ones were written.
    """
    store.propagate(catalogue)
    persons = sorted({fact.person_id for fact in store.iter_restriction_facts()})
    events: list[OutboxEvent] = []
    for person_id in persons:
        for role in store.neighbours(EntityKind.PERSON, person_id):
            if role.person_id != person_id or role.since is None:
                continue
            day = role.since
            blocking = check_appointment(
                store, catalogue, person_id, role.role, role.credit_code, day
            ).blocking
            for restriction in blocking:
                rule = catalogue.rule(
                    restriction.chain.sanction_type, restriction.chain.decided_on
                )
                events.append(breach_event(restriction, role, rule))
    return store.append_new(events) if events else 0


def trace(
    store: GraphStore, catalogue: Catalogue, sanction_id: str, day: date | None
) -> list[Restriction]:
    """Everyone the sanction reaches, and why (each restriction's chain), sorted by id.

    With ``day``: the restrictions in force that day. With None: every restriction
    derived from the sanction, whatever its dates and status.
    """
    store.propagate(catalogue)
    if store.get_sanction(sanction_id) is None:
        raise EntityNotFoundError("sanction", sanction_id)
    facts = store.restriction_facts(sanction_id=sanction_id, on=day)
    if day is None:
        restrictions, sanctions = _rebuild(store, catalogue, facts)
        events = {key: store.sanction_events(key) for key in sanctions}
        return _with_lifecycles(restrictions, sanctions, events, date.today())
    return _in_force(store, catalogue, facts, day)


def _in_force(
    store: GraphStore,
    catalogue: Catalogue,
    facts: Sequence[RestrictionFact],
    day: date,
) -> list[Restriction]:
    restrictions, sanctions = _rebuild(store, catalogue, facts)
    events = {key: store.sanction_events(key) for key in sanctions}
    kept = restrictions_in_force(restrictions, sanctions, events, day)
    return _with_lifecycles(kept, sanctions, events, day)


def _with_lifecycles(
    restrictions: Sequence[Restriction],
    sanctions: Mapping[str, Sanction],
    events: Mapping[str, Sequence[SanctionEvent]],
    day: date,
) -> list[Restriction]:
    """Each restriction with its status on ``day`` and its effective end."""
    return [
        with_lifecycle(r, sanctions[r.sanction_id], events[r.sanction_id], day)
        for r in restrictions
    ]


def _rebuild(
    store: GraphStore, catalogue: Catalogue, facts: Sequence[RestrictionFact]
) -> tuple[list[Restriction], dict[str, Sanction]]:
    """Full restrictions from facts, and the sanctions they come from."""
    sanctions: dict[str, Sanction] = {}
    for key in sorted({fact.sanction_id for fact in facts}):
        sanction = store.get_sanction(key)
        if sanction is None:
            raise EntityNotFoundError("sanction", key)
        sanctions[key] = sanction
    wanted = sorted({fact.role_id for fact in facts if fact.role_id is not None})
    roles: dict[str, Role] = {role.role_id: role for role in store.roles_by_id(wanted)}
    rebuilt: list[Restriction] = []
    for fact in facts:
        role = None
        if fact.role_id is not None:
            role = roles.get(fact.role_id)
            if role is None:
                raise EntityNotFoundError("role", fact.role_id)
        sanction = sanctions[fact.sanction_id]
        rule = catalogue.rule(sanction.type, sanction.decided_on)
        restriction = build_restriction(sanction, rule, fact.measure, role)
        if restriction_fact(restriction) != fact:
            msg = (
                f"stored restriction {fact.restriction_id} is not what the catalogue "
                f"{catalogue.source} gives now; it changed since propagation: run "
                "`credlink propagate --full`"
            )
            raise PolicyError(msg)
        rebuilt.append(restriction)
    return sorted(rebuilt, key=lambda r: r.restriction_id), sanctions
