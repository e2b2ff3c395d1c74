"""What a link run reads from the store: every person record (a full run) or the
neighbourhood of the records written or deleted since the last link (:func:`gather`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from graph.model import (
    EntityKind,
    JudgementRecord,
    RecordLink,
    SourceRecord,
)
from linkage.candidates import (
    sound_key,
)
from linkage.records import (
    PERSON_FIELDS,
    encoded_birth_date,
    link_record_from_source,
)
from linkage.resolver import is_surrogate
from linkage.typos import (
    legacy_neighbours,
    number_forms,
    siblings_of,
    typo_key,
    typo_lookups,
    typo_persons,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from graph.store import GraphStore
    from linkage.records import FieldMapping, IdScheme, LinkRecord

_T = TypeVar("_T")

__all__ = [
    "Neighbourhood",
    "gather",
    "link_state",
    "read_everything",
]


@dataclass(slots=True)
class Neighbourhood:
    """The records a link run resolves, and which of its results it may write.

    ``records`` are the current source records read (person kind), ``states``
    their link states as stored, each read before its record (and those of
    ``removed`` records), ``pending``
    the keys written or deleted since the last link. Results are exact, and
    written, for the records of ``core`` (entity, link state), the persons of
    ``core`` records before and after (person, conflicts) and the records of
    ``dirty`` (candidates); the other records are context that makes them exact.
    """

    full: bool
    records: dict[str, SourceRecord]
    link_records: dict[str, LinkRecord]
    states: dict[str, RecordLink]
    pending: frozenset[str]
    removed: frozenset[str]
    core: frozenset[str]
    dirty: frozenset[str]
    judgements: list[JudgementRecord]


def read_everything(store: GraphStore, mapping: FieldMapping) -> Neighbourhood:
    # states (and their revisions) before records: a record written after its
    # state was read keeps its pending mark when the states are saved
    states = {s.key: s for s in store.record_links()}
    records = {r.key: r for r in store.iter_source_records(EntityKind.PERSON)}
    keys = frozenset(records)
    return Neighbourhood(
        full=True,
        records=records,
        link_records={
            k: link_record_from_source(r, mapping) for k, r in records.items()
        },
        states=states,
        pending=frozenset(k for k, s in states.items() if s.pending),
        removed=frozenset(states.keys() - keys),
        core=keys,
        dirty=keys,
        judgements=store.judgements(),
    )


class _Reader:
    """Reads records by their link states, once each, keeping what it read."""

    def __init__(self, store: GraphStore, mapping: FieldMapping) -> None:
        self.store = store
        self.mapping = mapping
        self.records: dict[str, SourceRecord] = {}
        self.link_records: dict[str, LinkRecord] = {}
        self.states: dict[str, RecordLink] = {}
        self._asked: dict[str, set[object]] = {}

    def fresh(self, field: str, values: Iterable[_T]) -> list[_T]:
        """The values of ``field`` not looked up before (now marked asked)."""
        asked = self._asked.setdefault(field, set())
        new = [v for v in set(values) if v is not None and v not in asked]
        asked.update(new)
        return new

    def read(self, links: Iterable[RecordLink]) -> set[str]:
        """Read the records of ``links`` not read yet; returns their keys."""
        new = [link for link in links if link.key not in self.states]
        for link in new:
            self.states[link.key] = link
        return self.read_keys(link.key for link in new)

    def read_keys(self, keys: Iterable[str]) -> set[str]:
        """Read the records of ``keys`` not read yet; returns the keys found."""
        wanted = [k for k in keys if k not in self.records]
        found = set()
        for record in self.store.source_records_by_key(wanted):
            if record.kind is EntityKind.PERSON:
                self.records[record.key] = record
                self.link_records[record.key] = link_record_from_source(
                    record, self.mapping
                )
                found.add(record.key)
        return found

    def find(
        self, *, unresolved_only: bool = False, **values: Iterable[Any]
    ) -> set[str]:
        """Read the records whose link states match any of ``values`` (by field)."""
        fresh = {
            field: self.fresh(f"{field}:{unresolved_only}", given)
            for field, given in values.items()
        }
        if not any(fresh.values()):
            return set()
        links = self.store.find_record_links(**fresh)
        if unresolved_only:
            links = [link for link in links if link.entity is None]
        return self.read(links) | {
            link.key for link in links if link.key in self.records
        }


def gather(store: GraphStore, mapping: FieldMapping = PERSON_FIELDS) -> Neighbourhood:
    """The neighbourhood of the records written or deleted since the last link.

    Read from the store through the link states (all look-ups indexed):

    - *core*: the pending records; every judged record and the records of every
      judged number (judgements are few, and this makes the judged overlay
      exact); then, until nothing new turns up, every record sharing a number
      (stored or current) or a stored entity with a core record. Core persons
      are thereby complete.
    - *dirty*: records whose candidates may change: core records; unresolved
      records sharing a birth date or name sound (old or new) with a core record
      or a core person's encoded birth date; unresolved records whose bad number
      is one typo from a core number (or its 15-digit form); lone 15-digit records
      one typo from a core number; under a scheme without a check character, the
      records of every number one typo from a core number (possible duplicate
      identities, ``number_typo``).
    - *context*: what the candidates of dirty records are computed from: the
      records in their blocks (same stated or encoded birth date, same name
      sound), the persons one typo from their numbers (bad or, without a check
      character, valid), and all records of the persons so found.
    """
    scheme = mapping.scheme
    reader = _Reader(store, mapping)
    pending_states = store.record_links(pending_only=True)
    pending = frozenset(s.key for s in pending_states)
    judgements = store.judgements()
    judged = {e for j in judgements for e in (j.a, j.b)}
    reader.read(pending_states)
    reader.read(store.find_record_links(keys=sorted(e for e in judged if "#" in e)))
    removed = pending - reader.records.keys()
    # core: close over numbers and entities
    core: set[str] = set(reader.states)
    numbers: set[str] = {e for e in judged if "#" not in e}
    while True:
        for key in core:
            state = reader.states[key]
            numbers.update(v for v in (state.number, state.entity, state.filed) if v)
            record = reader.records.get(key)
            if record is not None:
                numbers.update(
                    v
                    for v in (record.entity_key, reader.link_records[key].id_value)
                    if v
                )
        grown = reader.find(numbers=numbers, entities=numbers) - core
        if not grown:
            break
        core |= grown
    # dirty: records whose candidates the core's changes can reach
    sounds: set[str] = set()
    births: set[date] = set()
    for key in core:
        state = reader.states[key]
        sounds.update(v for v in (state.sound,) if v)
        births.update(v for v in (state.birth, state.born) if v)
        current = reader.link_records.get(key)
        if current is not None:
            new = link_state(current, None, scheme)
            sounds.update(v for v in (new.sound,) if v)
            births.update(v for v in (new.birth, new.born) if v)
    valid = [n for n in numbers if not is_surrogate(n) and "#" not in n]
    births.update(b for n in valid if (b := encoded_birth_date(scheme, n)))
    texts = {
        t
        for n in valid
        for form in number_forms(scheme, n)
        for t in typo_lookups(scheme, form)
    }
    dirty = set(core) & reader.records.keys()
    dirty |= reader.find(
        unresolved_only=True, sounds=sounds, births=births, texts=texts
    )
    dirty |= reader.find(numbers=legacy_neighbours(scheme, valid))
    dirty |= reader.find(numbers=siblings_of(scheme, valid))
    # context: the blocks and typo neighbours of dirty records, then their persons
    block_births: set[date] = set()
    block_sounds: set[str] = set()
    near: set[str] = set()
    for key in dirty:
        link_record = reader.link_records[key]
        if link_record.id_value is None:
            sound = sound_key(link_record.name_key)
            if link_record.birth_date is not None:
                block_births.add(link_record.birth_date)
            if sound:
                block_sounds.add(sound)
            if link_record.id_text:
                near.update(typo_persons(scheme, link_record.id_text))
        else:
            if len(scheme.clean(link_record.id_raw)) == scheme.legacy_length:
                near.update(legacy_neighbours(scheme, [link_record.id_value]))
            siblings = siblings_of(scheme, [link_record.id_value])
            if siblings:
                # the record's own identity and its siblings, whole (the smaller
                # side proposes)
                near.add(link_record.id_value)
                near.update(siblings)
    context = reader.find(births=block_births, sounds=block_sounds, numbers=near)
    persons = {
        v
        for key in context
        for v in (reader.states[key].number, reader.states[key].entity)
        if v
    } | {reader.link_records[key].id_value for key in context} - {None}
    reader.find(numbers=persons, entities=persons)
    return Neighbourhood(
        full=False,
        records=reader.records,
        link_records=reader.link_records,
        states=reader.states,
        pending=pending,
        removed=frozenset(removed),
        core=frozenset(core),
        dirty=frozenset(dirty),
        judgements=judgements,
    )


def link_state(record: LinkRecord, entity: str | None, scheme: IdScheme) -> RecordLink:
    """The link state of a record resolved to ``entity``."""
    return RecordLink(
        key=record.key,
        entity=entity,
        number=record.id_value,
        text=typo_key(scheme, record.id_text) if record.id_text else None,
        sound=sound_key(record.name_key) or None,
        birth=record.birth_date,
        born=(
            encoded_birth_date(scheme, record.id_value)
            if record.id_value is not None
            else None
        ),
    )
