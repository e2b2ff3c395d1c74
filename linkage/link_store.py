"""Linking a store: take the lease, gather, resolve, write back (``docs/linkage.md``).

The orchestration only: the rules are :mod:`linkage.resolver`'s, the reads
:mod:`linkage.gather`'s, the writes :mod:`linkage.writeback`'s, the lease
:mod:`linkage.lease`'s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from linkage.gather import gather, read_everything
from linkage.lease import LINK_LEASE_TTL, lease_holder, take_lease
from linkage.records import (
    PERSON_FIELDS,
)
from linkage.resolver import ResolutionSummary, Resolver
from linkage.roles import RoleReader, read_roles
from linkage.writeback import write_resolution

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import timedelta

    from graph.store import GraphStore
    from linkage.records import FieldMapping

__all__ = [
    "LinkMode",
    "LinkReport",
    "LinkStep",
    "link_store",
]


@dataclass(frozen=True, slots=True)
class LinkReport:
    """What a :func:`link_store` run found and how many store writes it needed.

    ``summary`` counts the records considered: all of them in a full run, the
    neighbourhood of the pending records in an incremental one. ``pending`` is
    how many records were written or deleted since the last link; ``deferred``
    how many link states it saved but left pending, their records written or
    deleted again while it ran (the next link resolves them again, as it does
    records written meanwhile whose state this run did not need to change).
    """

    summary: ResolutionSummary
    writes: int
    moved: int  # records whose entity changed
    seconds: float
    mode: LinkMode = field(default_factory=lambda: LinkMode.FULL)
    considered: int = 0
    pending: int = 0
    deferred: int = 0


class LinkMode(StrEnum):
    """How a link run chose the records it resolved."""

    FULL = "full"  # every person record
    INCREMENTAL = "incremental"  # the neighbourhood of pending records


class LinkStep(StrEnum):
    """Where a :func:`link_store` run is when it calls its ``checkpoint``."""

    RESOLVED = "resolved"  # records read and resolved; nothing written yet
    WRITTEN = "written"  # results written; link states not saved yet


def link_store(
    store: GraphStore,
    *,
    mapping: FieldMapping = PERSON_FIELDS,
    roles_of: RoleReader = read_roles,
    full: bool = False,
    lease_ttl: timedelta = LINK_LEASE_TTL,
    checkpoint: Callable[[LinkStep], None] | None = None,
) -> LinkReport:
    """Resolve the person records of ``store`` under its judgements; write changes.

    Incremental by default: once a full run stored the link state of every record
    (:meth:`~graph.store.GraphStore.links_complete`), a run reads only the
    neighbourhood of the records written or deleted since (:func:`gather`),
    resolves it in memory and writes what changed there. With ``full`` (or on a
    store never fully linked) every record is resolved again. Both write only
    what differs from the store: entity keys of records that moved, persons
    recomputed from their records (deleted when left without any record, role
    or sanction), the roles of moved records (moved with them; created from the
    record for a record that had none; deleted when it becomes unresolved), the
    roles of changed records (rebuilt from the record), candidates, conflicts
    and link states. Running it twice writes nothing the second time, and an
    incremental run leaves the store as a full run would.

    Loaders may write while it runs: a record written or deleted after the run
    read its link state keeps its pending mark (the revision moved on), so the
    next run links it (``LinkReport.deferred`` counts them). Two runs never
    interleave: a run holds the store's link lease (taken for ``lease_ttl``,
    renewed before writing, released at the end, even on error) and raises
    :class:`~graph.errors.LinkLeaseHeldError` while another run's unexpired lease
    is held; an expired lease (a crashed run) is taken over. ``checkpoint``, when
    given, is called with each :class:`LinkStep` as the run reaches it (tests use
    it to write in between).
    """
    started = time.perf_counter()
    holder = lease_holder()
    take_lease(store, holder, lease_ttl)
    try:
        if full or not store.links_complete():
            scope = read_everything(store, mapping)
        else:
            scope = gather(store, mapping)
        resolver = Resolver(mapping)
        resolver.add(scope.link_records.values())
        resolver.set_judgements(scope.judgements)
        result = resolver.resolve()
        if checkpoint is not None:
            checkpoint(LinkStep.RESOLVED)
        take_lease(store, holder, lease_ttl)  # still ours: renewed for the writes
        writes, moved, deferred = write_resolution(
            store,
            scope,
            result,
            mapping.scheme,
            roles_of,
            None if checkpoint is None else lambda: checkpoint(LinkStep.WRITTEN),
        )
    finally:
        store.release_link_lease(holder)
    return LinkReport(
        summary=result.summary(),
        writes=writes,
        moved=moved,
        seconds=time.perf_counter() - started,
        mode=LinkMode.FULL if scope.full else LinkMode.INCREMENTAL,
        considered=len(scope.records),
        pending=len(scope.pending),
        deferred=deferred,
    )
