"""Partitioned resolution: link each region's records apart, with the single run's
answers (``docs/scale.md``).

A resident ID carries the region of its first registration; records whose numbers
normalise to one value share it, so the identities of numbered records fall apart
by region. :func:`resolve_partitioned` resolves one partition at a time (a
resolver holds one region and the shared records, never the whole population) and
merges the results into what :func:`~linkage.resolver.resolve` gives for all
records at once.

*Home* records (a valid number, in no judgement, none of their number written in
15 digits) belong to the partition of their number's region code (any function
of the number will do: :func:`region_of` by default, :func:`province_of` for
fewer, larger partitions). Every other record is
*shared* and enters every partition, its whole number group with it:

- records without a valid number: their candidates are searched across regions
  (a name, a birth date, a mistyped region code);
- the records of a number that any record writes in 15 digits: a lone legacy
  record's ``legacy_typo`` targets may sit in any region;
- every judged record and every record of a judged number: the judgement overlay
  is then the same in every partition (as ``linkage.gather`` reads it).

Why the merge is exact: an identity is a function of its number group and the
judgements; a home group is whole in its partition, a shared one whole in every
partition. A candidate's score is a function of the record and the target's
identity, the same wherever both are; a shared record's candidates are therefore
the best :data:`~linkage.candidates.MAX_CANDIDATES` of the union of its
candidates in every partition (each partition keeps at least that many of its
own best). Partitioning needs a scheme with a check character: without one, two
valid numbers one typo apart (in any region) propose each other.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Final

from linkage.candidates import rank_candidates
from linkage.records import PERSON_FIELDS
from linkage.resolver import Resolution, resolve

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from graph.model import Candidate, Conflict, JudgementRecord
    from linkage.records import FieldMapping, LinkRecord
    from linkage.resolver import Identity

__all__ = [
    "SHARED",
    "partition_records",
    "province_of",
    "region_buckets",
    "region_of",
    "resolve_partitioned",
]

SHARED: Final = ""
"""The partition key of shared records (every partition reads them)."""


def region_of(number: str) -> str:
    """The region code a resident ID carries: its first six digits (GB/T 2260)."""
    return number[:6]


def region_buckets(count: int) -> Callable[[str], str]:
    """A key that deals region codes into ``count`` partitions (code modulo count):
    one partition per machine, each region whole in one."""
    if count < 1:
        raise ValueError(f"count must be positive: {count}")
    return lambda number: str(int(number[:6]) % count)


def province_of(number: str) -> str:
    """The province of a resident ID: its first two digits (coarser partitions)."""
    return number[:2]


def partition_records(
    records: Iterable[LinkRecord],
    judgements: Iterable[JudgementRecord] = (),
    mapping: FieldMapping = PERSON_FIELDS,
    key: Callable[[str], str] = region_of,
) -> dict[str, list[LinkRecord]]:
    """The records by partition: home records under ``key`` of their number,
    shared ones under :data:`SHARED` (see the module docstring)."""
    scheme = mapping.scheme
    if not scheme.check:
        raise ValueError(
            "partitioning needs a scheme with a check character; "
            f"{scheme.name} has none"
        )
    judged = {e for j in judgements for e in (j.a, j.b)}
    groups: dict[str, list[LinkRecord]] = defaultdict(list)
    shared_numbers = {e for e in judged if "#" not in e}
    loose: list[LinkRecord] = []
    for record in records:
        if record.id_value is None:
            loose.append(record)
            continue
        groups[record.id_value].append(record)
        if record.key in judged or (
            len(scheme.clean(record.id_raw)) == scheme.legacy_length
        ):
            shared_numbers.add(record.id_value)
    parts: dict[str, list[LinkRecord]] = defaultdict(list)
    parts[SHARED] = loose
    for number, members in groups.items():
        parts[SHARED if number in shared_numbers else key(number)].extend(members)
    return dict(parts)


def resolve_partitioned(
    records: Iterable[LinkRecord],
    judgements: Iterable[JudgementRecord] = (),
    mapping: FieldMapping = PERSON_FIELDS,
    key: Callable[[str], str] = region_of,
) -> Resolution:
    """Resolve ``records`` partition by partition; equal to ``resolve(records,
    judgements, mapping)``."""
    judgements = list(judgements)
    parts = partition_records(records, judgements, mapping, key)
    shared = parts.pop(SHARED)
    results = _each(parts, shared, judgements, mapping)
    return _merge(results, {r.key for r in shared})


def _each(
    parts: dict[str, list[LinkRecord]],
    shared: list[LinkRecord],
    judgements: list[JudgementRecord],
    mapping: FieldMapping,
) -> Iterator[Resolution]:
    """One resolution per partition (one of the shared records alone when no
    record is at home anywhere), made as it is asked for."""
    if not parts:
        yield resolve(shared, judgements, mapping)
        return
    for name in sorted(parts):
        yield resolve([*parts[name], *shared], judgements, mapping)


def _merge(results: Iterable[Resolution], shared: set[str]) -> Resolution:
    assignment: dict[str, str | None] = {}
    identities: dict[str, Identity] = {}
    conflicts: dict[str, tuple[Conflict, ...]] = {}
    candidates: dict[str, tuple[Candidate, ...]] = {}
    offered: dict[str, list[Candidate]] = defaultdict(list)
    blocked: dict[str, str] = {}
    applied: tuple[str, ...] = ()
    for result in results:
        assignment.update(result.assignment)
        identities.update(result.identities)
        conflicts.update(_by_person(result.conflicts))
        for record, proposed in result.candidates.items():
            if record in shared:
                offered[record].extend(proposed)
            else:
                candidates[record] = proposed
        blocked.update(result.blocked)
        applied = applied or result.applied
    for record, pooled in offered.items():
        candidates[record] = rank_candidates(pooled)
    return Resolution(
        assignment=assignment,
        identities=identities,
        conflicts=tuple(c for p in sorted(conflicts) for c in conflicts[p]),
        candidates=candidates,
        blocked=blocked,
        applied=applied,
    )


def _by_person(conflicts: Iterable[Conflict]) -> dict[str, tuple[Conflict, ...]]:
    grouped: dict[str, list[Conflict]] = defaultdict(list)
    for conflict in conflicts:
        grouped[conflict.person_id].append(conflict)
    return {person: tuple(found) for person, found in grouped.items()}
