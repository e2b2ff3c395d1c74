"""The GraphStore protocol: everything credlink asks of a graph store.

Two implementations answer it identically: ``Neo4jStore`` (the system of record) and
``EmbeddedStore`` (one SQLite file, traversals through networkx). Callers outside
``graph/`` reach a store only through this protocol.

Write semantics shared by both stores:

- Every upsert is idempotent: writing the same batch twice changes nothing, so a load
  killed half-way can simply be run again. A batch is written in one transaction.
- ``upsert_persons`` keeps the first non-empty name seen for a person; every other
  distinct non-empty name becomes an alias. Other fields fill in when they were
  unknown.
- ``upsert_roles`` and ``upsert_sanctions`` require the person and enterprise they
  name to exist; a missing endpoint raises ``EntityNotFoundError`` and writes nothing
  of that batch.
- ``upsert_source_records`` keys records by (source, record_id); a later write of the
  same key replaces the raw values and the resolved entity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from graph.model import (
        Counts,
        Enterprise,
        EntityKind,
        Person,
        Role,
        Sanction,
        SourceRecord,
    )


@runtime_checkable
class GraphStore(Protocol):
    """What credlink needs of a graph store; the module docstring gives semantics."""

    @property
    def location(self) -> str:
        """Where the store lives (file path or URI), for messages."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...

    # -- writes ----------------------------------------------------------------
    def upsert_persons(self, persons: Sequence[Person]) -> None:
        """Create or update persons (first name wins, others become aliases)."""
        ...

    def upsert_enterprises(self, enterprises: Sequence[Enterprise]) -> None:
        """Create or update enterprises by credit code."""
        ...

    def upsert_roles(self, roles: Sequence[Role]) -> None:
        """Create or update roles by ``role_id``; both endpoints must exist."""
        ...

    def upsert_sanctions(self, sanctions: Sequence[Sanction]) -> None:
        """Create or update sanctions by ``sanction_id``; the subject must exist."""
        ...

    def upsert_source_records(self, records: Sequence[SourceRecord]) -> None:
        """Create or replace source records by (source, record_id)."""
        ...

    def wipe(self) -> None:
        """Delete everything the store holds."""
        ...

    # -- reads -----------------------------------------------------------------
    def get_person(self, person_id: str) -> Person | None:
        """The person with this key, or None."""
        ...

    def get_enterprise(self, credit_code: str) -> Enterprise | None:
        """The enterprise with this credit code, or None."""
        ...

    def get_sanction(self, sanction_id: str) -> Sanction | None:
        """The sanction with this id, or None."""
        ...

    def get_source_record(self, source: str, record_id: str) -> SourceRecord | None:
        """The source record with this key, or None."""
        ...

    def source_records_of(self, kind: EntityKind, key: str) -> list[SourceRecord]:
        """Source records resolved to the entity, sorted by key."""
        ...

    def existing_keys(self, kind: EntityKind, keys: Sequence[str]) -> set[str]:
        """The subset of ``keys`` that name an entity of ``kind`` in the store."""
        ...

    def neighbours(
        self, kind: EntityKind, key: str, on: date | None = None
    ) -> list[Role]:
        """Roles touching the entity, held on ``on`` (all roles when None).

        Sorted by ``role_id``. An unknown key gives an empty list.
        """
        ...

    def sanctions_against(self, kind: EntityKind, key: str) -> list[Sanction]:
        """Sanctions whose subject is the entity, sorted by id."""
        ...

    def counts(self) -> Counts:
        """How many persons, enterprises, roles, sanctions and source records."""
        ...
