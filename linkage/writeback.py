"""What a link run writes: the difference between a resolution
(:class:`~linkage.resolver.Resolution`) and the store, where the resolution is
exact (``docs/linkage.md``, "The store").
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from graph.model import (
    Candidate,
    Conflict,
    Enterprise,
    EntityKind,
    Person,
    RecordLink,
    Role,
    SourceRecord,
)
from linkage.gather import Neighbourhood, link_state

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from graph.store import GraphStore
    from linkage.records import IdScheme
    from linkage.resolver import Identity, Resolution
    from linkage.roles import RoleReader

__all__ = [
    "write_resolution",
]


def write_resolution(
    store: GraphStore,
    scope: Neighbourhood,
    result: Resolution,
    scheme: IdScheme,
    roles_of: RoleReader,
    before_saving: Callable[[], None] | None = None,
) -> tuple[int, int, int]:
    """Write what differs between ``result`` (where exact) and the store; returns
    (writes, records moved, link states left pending). ``before_saving`` is called
    once everything but the link states is written."""
    records, states = scope.records, scope.states
    assignment = result.assignment
    moved = [
        (records[key], assignment.get(key))
        for key in sorted(scope.core & records.keys())
        if records[key].entity_key != assignment.get(key)
    ]
    changed = {
        key
        for key in scope.pending & records.keys()
        if key in states and _was_linked(states[key])
    }
    # persons: every one a core record belonged to, belongs to, or was filed under
    touched: set[str] = set()
    for key in scope.core:
        record = records.get(key)
        state = states.get(key)
        touched.update(
            v
            for v in (
                assignment.get(key) if record is not None else None,
                record.entity_key if record is not None else None,
                scope.link_records[key].id_value if record is not None else None,
                state.entity if state is not None else None,
                state.filed if state is not None else None,
            )
            if v
        )
    if scope.full:
        touched |= result.identities.keys()
    stored = {p.person_id: p for p in store.get_persons(sorted(touched))}
    persons = [
        person
        for p in sorted(touched)
        if p in result.identities
        and stored.get(p) != (person := _person_of(result.identities[p]))
    ]
    store.replace_persons(persons)
    store.set_entity_keys([(r.source, r.record_id, new) for r, new in moved])
    writes = len(persons) + len(moved)
    writes += _write_roles(store, moved, changed, records, assignment, roles_of)
    # roles of removed records: none, unless a link created them from a record
    # deleted while it ran (delete_source_records deletes the roles it finds)
    if scope.removed:
        held = store.roles_of_records(sorted(scope.removed))
        stale = sorted({r.role_id for r in held})
        store.delete_roles(stale)
        writes += len(stale)
    gone = [p for p in sorted(touched) if p not in result.identities]
    writes += len(store.delete_bare_persons(gone))
    candidate_keys = scope.dirty | scope.removed
    writes += _sync_candidates(
        store,
        result,
        None if scope.full else sorted(candidate_keys),
    )
    writes += _sync_conflicts(store, result, None if scope.full else sorted(touched))
    links = [
        new
        for key in sorted(scope.core & records.keys())
        if (
            new := dataclasses.replace(
                link_state(scope.link_records[key], assignment.get(key), scheme),
                rev=states[key].rev if key in states else 0,
            )
        )
        != states.get(key)
    ]
    forget = [states[key] for key in sorted(scope.removed)]
    if before_saving is not None:
        before_saving()
    deferred: list[str] = []
    if links or forget or (scope.full and not store.links_complete()):
        deferred = store.save_record_links(links, forget, complete=scope.full)
    return writes, len(moved), len(deferred)


def _was_linked(state: RecordLink) -> bool:
    """Whether a (pending) state holds what an earlier link knew of the record."""
    return any(
        v is not None
        for v in (
            state.entity,
            state.number,
            state.text,
            state.sound,
            state.birth,
            state.born,
        )
    )


def _write_roles(
    store: GraphStore,
    moved: list[tuple[SourceRecord, str | None]],
    changed: set[str],
    records: Mapping[str, SourceRecord],
    assignment: Mapping[str, str | None],
    roles_of: RoleReader,
) -> int:
    """Move the roles of moved records; rebuild those of changed records."""
    moved_to = {record.key: new for record, new in moved}
    keys = sorted(moved_to.keys() | changed)
    if not keys:
        return 0
    held: dict[str, list[Role]] = {}
    for role in store.roles_of_records(keys):
        held.setdefault(f"{role.source}#{role.record_id}", []).append(role)
    old_roles: set[Role] = set()
    new_roles: set[Role] = set()
    stubs: dict[str, Enterprise] = {}
    for key in keys:
        record = records[key]
        new = assignment.get(key)
        roles = held.get(key, [])
        old_roles.update(roles)
        if key not in changed and record.entity_key is not None:
            if new is not None:
                new_roles.update(dataclasses.replace(r, person_id=new) for r in roles)
        elif new is not None:
            stated, enterprises = roles_of(record, new)
            new_roles.update(stated)
            stubs.update((e.credit_code, e) for e in enterprises)
    delete = sorted({r.role_id for r in old_roles - new_roles})
    create = sorted(new_roles - old_roles, key=lambda r: r.role_id)
    needed = {r.credit_code for r in create}
    missing = needed - store.existing_keys(EntityKind.ENTERPRISE, sorted(needed))
    store.upsert_enterprises([stubs[c] for c in sorted(missing) if c in stubs])
    store.delete_roles(delete)
    store.upsert_roles(create)
    return len(missing) + len(delete) + len(create)


def _person_of(identity: Identity) -> Person:
    return Person(
        identity.person_id,
        identity.name,
        identity.birth_date,
        identity.sex,
        identity.aliases,
    )


def _sync_candidates(
    store: GraphStore, result: Resolution, keys: Sequence[str] | None
) -> int:
    """Replace the stored candidates of ``keys`` (of all records when None) that
    differ from ``result``; returns how many records' candidates changed."""
    stored: dict[str, list[Candidate]] = {}
    held = store.candidates() if keys is None else store.candidates_of(keys)
    for c in held:
        stored.setdefault(c.record_key, []).append(c)
    scope = set(stored) | set(result.candidates) if keys is None else set(keys)
    changed = [
        key
        for key in sorted(scope)
        if tuple(stored.get(key, ())) != tuple(result.candidates.get(key, ()))
    ]
    if changed:
        store.replace_candidates(
            changed, [c for key in changed for c in result.candidates.get(key, ())]
        )
    return len(changed)


def _sync_conflicts(
    store: GraphStore, result: Resolution, persons: Sequence[str] | None
) -> int:
    """Replace the stored conflicts of ``persons`` (of all when None) that differ
    from ``result``; returns how many persons' conflicts changed."""
    stored: dict[str, list[Conflict]] = {}
    held = store.conflicts() if persons is None else store.conflicts_of(persons)
    for c in held:
        stored.setdefault(c.person_id, []).append(c)
    fresh: dict[str, list[Conflict]] = {}
    for c in result.conflicts:
        fresh.setdefault(c.person_id, []).append(c)
    scope = set(stored) | set(fresh) if persons is None else set(persons)
    changed = [
        p
        for p in sorted(scope)
        if sorted(stored.get(p, []), key=_conflict_order)
        != sorted(fresh.get(p, []), key=_conflict_order)
    ]
    if changed:
        store.replace_conflicts(changed, [c for p in changed for c in fresh.get(p, [])])
    return len(changed)


def _conflict_order(c: Conflict) -> tuple[str, str, str]:
    return (c.person_id, c.record_key, c.kind.value)
