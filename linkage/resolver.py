"""The resolver: source records to canonical identities, with the reasons for each.

Pure: records and judgements in, a :class:`Resolution` out; no store, no I/O
(:mod:`linkage.link_store` runs it against a store).

Rules (the acceptance list of issue 3; ``docs/linkage.md`` has the long form):

1. Records whose numbers normalise to one canonical value are one identity, keyed by
   that value. Every record stays as provenance; every name becomes an alias.
2. Contradictions are flagged as :class:`~graph.model.Conflict`, never resolved by
   dropping or silently merging: names that are not compatible under one number, a
   stated birth date or sex that the number contradicts.
3. Records without a usable number are never merged by rule: they get ranked
   :class:`~graph.model.Candidate` values (:mod:`linkage.candidates`).
4. Judgements override rules. Per pair of endpoints (record keys or person ids) the
   latest judgement that is not undone applies. ``different`` is a hard constraint:
   when both endpoints share a number, the record (the first endpoint when both are
   records) leaves that identity for a surrogate one (a ``U`` key). ``same`` joins
   the two identities unless that would join two valid numbers or two endpoints
   judged different; such a judgement is *blocked* and reported. A ``same`` whose
   first endpoint is a record with a number of its own moves that record.
5. The result is a function of the records and the judgements alone: adding records
   in batches gives what adding them at once gives (:meth:`Resolver.add` only
   recomputes what the new records can touch).

Surrogate keys are ``U`` + 17 hex digits of the SHA-1 of the smallest record key of
the identity, so they do not depend on the order records arrive in.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, TypeVar

from graph.model import (
    Candidate,
    CandidateRule,
    Conflict,
    ConflictKind,
    Judgement,
    JudgementRecord,
)
from linkage.candidates import (
    MAX_CANDIDATES,
    Target,
    TargetIndex,
    fuzzy_candidates,
    query_tokens,
    rank_candidates,
    score_candidate,
)
from linkage.names import name_similarity, names_compatible
from linkage.records import (
    PERSON_FIELDS,
    describe_typo,
    encoded_birth_date,
    encoded_sex,
    one_typo_neighbours,
)
from linkage.typos import typo_key, typo_lookups

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import date

    from graph.model import Sex
    from linkage.records import FieldMapping, IdScheme, LinkRecord

__all__ = [
    "Identity",
    "Resolution",
    "ResolutionSummary",
    "Resolver",
    "is_surrogate",
    "resolve",
    "surrogate_key",
]

_SURROGATE_DIGITS: Final = 17
_T = TypeVar("_T")


def is_surrogate(person: str) -> bool:
    """Whether a person key is a surrogate (never a number of any scheme we know)."""
    return len(person) == 1 + _SURROGATE_DIGITS and person[:1] == "U"


def surrogate_key(record_keys: Iterable[str]) -> str:
    """The ``U`` key of an identity without a valid number, from its record keys."""
    digest = hashlib.sha1(min(record_keys).encode("utf-8")).hexdigest()
    return "U" + digest[:_SURROGATE_DIGITS].upper()


@dataclass(frozen=True, slots=True)
class Identity:
    """One resolved person: its records and why they are one.

    ``rules`` names the rules that joined the records: ``id`` (one canonical
    number), ``judgement`` (a ``same`` judgement), ``split`` (a ``different``
    judgement moved a record out of the identity of its number). ``evidence``
    says which records, which rule and what evidence, one line each.
    """

    person_id: str
    record_keys: tuple[str, ...]
    name: str
    aliases: tuple[str, ...]
    birth_date: date | None
    sex: Sex | None
    rules: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResolutionSummary:
    """Counts of a resolution, for the ``credlink link`` summary."""

    records: int
    resolved: int
    unresolved: int
    identities: int
    merged: int  # identities of more than one record
    conflicts: int
    candidates: int
    records_with_candidates: int
    judgements_applied: int
    judgements_blocked: int


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where every record went, the identities, conflicts and the review queue.

    ``assignment`` maps every record key to its person id, or None when the record
    is unresolved. ``blocked`` maps judgement ids that could not be applied to the
    reason.
    """

    assignment: Mapping[str, str | None]
    identities: Mapping[str, Identity]
    conflicts: tuple[Conflict, ...]
    candidates: Mapping[str, tuple[Candidate, ...]]
    blocked: Mapping[str, str]
    applied: tuple[str, ...] = ()

    def summary(self) -> ResolutionSummary:
        """Counts for a report."""
        resolved = sum(1 for v in self.assignment.values() if v is not None)
        return ResolutionSummary(
            records=len(self.assignment),
            resolved=resolved,
            unresolved=len(self.assignment) - resolved,
            identities=len(self.identities),
            merged=sum(1 for i in self.identities.values() if len(i.record_keys) > 1),
            conflicts=len(self.conflicts),
            candidates=sum(len(c) for c in self.candidates.values()),
            records_with_candidates=sum(1 for c in self.candidates.values() if c),
            judgements_applied=len(self.applied),
            judgements_blocked=len(self.blocked),
        )


# -- judgements -----------------------------------------------------------------


@dataclass(slots=True)
class _Overlay:
    """Identities that judgements changed: detached records and joined components.

    A node is ``ID:<number>`` (the records of a number that were not detached) or a
    record key. ``node_person`` maps each node of a judged component to its person
    (None: still unresolved), ``members`` each such person to its nodes.
    """

    detached: set[str] = field(default_factory=set)
    node_person: dict[str, str | None] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)  # person -> nodes
    notes: dict[str, list[str]] = field(default_factory=dict)  # person -> evidence
    rules: dict[str, set[str]] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)
    applied: list[str] = field(default_factory=list)


def _active_judgements(
    judgements: Iterable[JudgementRecord],
) -> list[JudgementRecord]:
    """Per unordered pair, the latest judgement not undone; in time order."""
    latest: dict[frozenset[str], JudgementRecord] = {}
    for j in judgements:
        if not j.active or j.a == j.b:
            continue
        pair = frozenset((j.a, j.b))
        held = latest.get(pair)
        if held is None or _when(j) > _when(held):
            latest[pair] = j
    return sorted(latest.values(), key=_when)


def _when(j: JudgementRecord) -> tuple[datetime, str]:
    """Sort key of judgements: time (a naive time counts as UTC), then id."""
    at = j.at if j.at.tzinfo is not None else j.at.replace(tzinfo=UTC)
    return at, j.judgement_id


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.anchor: dict[str, str | None] = {}

    def add(self, node: str, anchor: str | None) -> None:
        if node not in self.parent:
            self.parent[node] = node
            self.anchor[node] = anchor

    def find(self, node: str) -> str:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra
            self.anchor[ra] = self.anchor[ra] or self.anchor[rb]


def _describe(j: JudgementRecord) -> str:
    reason = f" ({j.reason})" if j.reason else ""
    return (
        f"judgement {j.judgement_id} by {j.by} at {j.at.isoformat()}: "
        f"{j.a} {j.verdict.value} {j.b}{reason}"
    )


# -- the resolver ---------------------------------------------------------------


@dataclass(slots=True)
class _IdentityState:
    identity: Identity
    conflicts: tuple[Conflict, ...]


class Resolver:
    """Incremental resolver: add records and judgements, then :meth:`resolve`.

    Only what new records or changed judgements can touch is recomputed: the
    identities of the numbers involved, the candidates of records whose blocks or
    number neighbours changed. The result equals that of one resolver given
    everything at once.
    """

    def __init__(self, mapping: FieldMapping = PERSON_FIELDS) -> None:
        self._scheme: IdScheme = mapping.scheme
        self._records: dict[str, LinkRecord] = {}
        # number -> record keys; a list (most numbers have one or two records: a
        # set each would cost 216 bytes); a key is filed once, unfiled before
        self._groups: dict[str, list[str]] = {}
        self._bad: dict[str, set[str]] = {}  # typo_key of bad number -> record keys
        self._legacy_records: set[str] = set()  # valid numbers written in 15 digits
        self._judgements: dict[str, JudgementRecord] = {}
        # derived state, kept up to date by resolve()
        self._overlay = _Overlay()
        self._assignment: dict[str, str | None] = {}
        self._identities: dict[str, _IdentityState] = {}
        self._conflicts: dict[str, tuple[Conflict, ...]] = {}
        self._legacy_index: dict[str, str] = {}  # 15-digit form -> person id
        self._candidates: dict[str, tuple[Candidate, ...]] = {}
        self._index = TargetIndex()
        self._queries: dict[tuple[str, object], set[str]] = {}
        self._queried: dict[str, set[tuple[str, object]]] = {}
        self._dirty_numbers: set[str] = set()
        self._dirty_records: set[str] = set()  # new or changed records
        self._judged_before: set[str] = set()  # records judged at the last resolve
        self._judged_people_before: set[str] = set()  # persons judged then
        self._judgements_changed = False

    # -- input --------------------------------------------------------------------
    def add(self, records: Iterable[LinkRecord]) -> None:
        """Add or replace records (by key)."""
        for record in records:
            old = self._records.get(record.key)
            if old == record:
                continue
            if old is not None:
                self._unfile(old)
            self._records[record.key] = record
            self._file(record)

    def remove(self, keys: Iterable[str]) -> None:
        """Forget records."""
        for key in keys:
            old = self._records.pop(key, None)
            if old is not None:
                self._unfile(old)

    def set_judgements(self, judgements: Iterable[JudgementRecord]) -> None:
        """Replace the judgements (all of them, undone ones included)."""
        new = {j.judgement_id: j for j in judgements}
        if new != self._judgements:
            self._judgements = new
            self._judgements_changed = True

    def add_judgement(self, judgement: JudgementRecord) -> None:
        """Add or replace one judgement (an undo is a replacement)."""
        if self._judgements.get(judgement.judgement_id) != judgement:
            self._judgements[judgement.judgement_id] = judgement
            self._judgements_changed = True

    def _file(self, record: LinkRecord) -> None:
        self._dirty_records.add(record.key)
        if record.id_value is not None:
            self._groups.setdefault(record.id_value, []).append(record.key)
            self._dirty_numbers.add(record.id_value)
            if len(self._scheme.clean(record.id_raw)) == self._scheme.legacy_length:
                self._legacy_records.add(record.key)
        elif record.id_text:
            self._bad.setdefault(typo_key(self._scheme, record.id_text), set()).add(
                record.key
            )

    def _unfile(self, record: LinkRecord) -> None:
        self._dirty_records.add(record.key)
        if record.id_value is not None:
            group = self._groups.get(record.id_value, [])
            if record.key in group:
                group.remove(record.key)
            if not group:
                self._groups.pop(record.id_value, None)
            self._dirty_numbers.add(record.id_value)
            self._legacy_records.discard(record.key)
        elif record.id_text:
            filed = typo_key(self._scheme, record.id_text)
            bad = self._bad.get(filed, set())
            bad.discard(record.key)
            if not bad:
                self._bad.pop(filed, None)

    # -- resolution ---------------------------------------------------------------
    def resolve(self) -> Resolution:
        """Bring the result up to date with the records and judgements; return it."""
        old_overlay = self._overlay
        endpoints = self._judged_endpoints()
        if self._judgements_changed or not endpoints.isdisjoint(
            self._dirty_records | self._dirty_numbers
        ):
            self._overlay = self._build_overlay()
            self._judgements_changed = False
        if not self._assignment:
            return self._resolve_all()
        overlay = self._overlay
        # persons whose records may have changed, closed over the records involved
        people: set[str] = set(self._dirty_numbers)
        if overlay is not old_overlay:
            for o in (old_overlay, overlay):
                people.update(o.members)
                people.update(n[3:] for n in o.node_person if n.startswith("ID:"))
        affected: set[str] = set(self._dirty_records)
        for key in self._dirty_records:
            person = self._assignment.get(key)
            if person is not None:
                people.add(person)
        pending = set(people)
        for key in self._dirty_records:
            if key in self._records:
                now = self._person_of(key)
                if now is not None:
                    pending.add(now)
        members: dict[str, set[str]] = {}
        while pending:
            person = pending.pop()
            keys = self._members(person)
            members[person] = keys
            old = self._identities.get(person)
            for key in keys.union(old.identity.record_keys if old else ()):
                if key in affected:
                    continue
                affected.add(key)
                before = self._assignment.get(key)
                now = self._person_of(key) if key in self._records else None
                for other in (before, now):
                    if other is not None and other not in members:
                        pending.add(other)
        # in bulk every query is refreshed anyway: skip collecting changed blocks
        bulk = len(members) > len(self._queried) + len(affected - self._queried.keys())
        changed_tokens: set[tuple[str, object]] | None = None if bulk else set()
        changed_people: set[str] = set()
        index = self._index
        for person, keys in members.items():
            if not keys:
                if self._identities.pop(person, None) is not None:
                    self._conflicts.pop(person, None)
                    index.remove(person, changed_tokens)
                    changed_people.add(person)
                continue
            state = self._identity_state(person, keys)
            old_state = self._identities.get(person)
            if old_state is None or old_state != state:
                self._identities[person] = state
                if state.conflicts:
                    self._conflicts[person] = state.conflicts
                else:
                    self._conflicts.pop(person, None)
                changed_people.add(person)
                index.put(self._target_of(state.identity), changed_tokens)
        unresolved: set[str] = set()
        assignment = self._assignment
        for key in affected:
            record = self._records.get(key)
            now = self._person_of(key) if record is not None else None
            if record is None or now is not None:
                if record is None:
                    assignment.pop(key, None)
                else:
                    assignment[key] = now
                if key in index.targets:
                    index.remove(key, changed_tokens)
                if key in self._queried:
                    self._unquery(key)
                # a resolved record has candidates only as a lone legacy record,
                # which the refresh below recomputes
                self._candidates.pop(key, None)
                continue
            assignment[key] = None
            index.put(self._record_target(record), changed_tokens)
            self._unquery(key)
            self._query(record)
            unresolved.add(key)
        self._refresh_candidates(
            changed_tokens,
            changed_people,
            unresolved | (affected & self._legacy_records),
            set(members),
        )
        self._dirty_numbers.clear()
        self._dirty_records.clear()
        return self._snapshot()

    def _resolve_all(self) -> Resolution:
        """The first resolution: everything is new, so skip the change tracking."""
        overlay = self._overlay
        index = self._index
        assignment = self._assignment
        identities = self._identities
        people = [*self._groups, *(p for p in overlay.members if p not in self._groups)]
        for person in people:
            keys = self._members(person)
            if not keys:
                continue
            state = self._identity_state(person, keys)
            identities[person] = state
            if state.conflicts:
                self._conflicts[person] = state.conflicts
            index.put(self._target_of(state.identity))
            for key in keys:
                assignment[key] = person
        unresolved = set()
        for key, record in self._records.items():
            if key not in assignment:
                assignment[key] = None
                index.put(self._record_target(record))
                self._query(record)
                unresolved.add(key)
        self._refresh_candidates(
            None, set(identities), unresolved | self._legacy_records, set(identities)
        )
        self._dirty_numbers.clear()
        self._dirty_records.clear()
        return self._snapshot()

    def _person_of(self, key: str) -> str | None:
        """The person of a record under the current overlay, or None."""
        overlay = self._overlay
        if key in overlay.node_person:
            return overlay.node_person[key]
        record = self._records[key]
        if record.id_value is None:
            return None
        return overlay.node_person.get(f"ID:{record.id_value}") or record.id_value

    def _members(self, person: str) -> set[str]:
        """The record keys of ``person`` under the current overlay."""
        overlay = self._overlay
        nodes = overlay.members.get(person)
        if nodes is not None:
            return self._keys_of_nodes(nodes, overlay.detached)
        if overlay.node_person.get(f"ID:{person}", person) != person:
            return set()
        return set(self._groups.get(person, ())) - overlay.detached

    def _judged_endpoints(self) -> set[str]:
        return {key for j in self._judgements.values() for key in (j.a, j.b)}

    def _judged_records(self) -> set[str]:
        return {key for key in self._judged_endpoints() if "#" in key}

    def _build_overlay(self) -> _Overlay:
        overlay = _Overlay()
        active = _active_judgements(self._judgements.values())
        records = self._records

        def number_of(endpoint: str) -> str | None:
            if "#" in endpoint:
                record = records.get(endpoint)
                return record.id_value if record is not None else None
            return endpoint

        def known(endpoint: str) -> bool:
            if "#" in endpoint:
                return endpoint in records
            return endpoint in self._groups

        usable = []
        for j in active:
            if not (known(j.a) and known(j.b)):
                overlay.blocked[j.judgement_id] = "an endpoint is not known yet"
                continue
            if j.verdict is Judgement.UNSURE:
                overlay.applied.append(j.judgement_id)
                continue
            usable.append(j)
        # detachments: a record leaves the identity of its number
        for j in usable:
            na, nb = number_of(j.a), number_of(j.b)
            if j.verdict is Judgement.DIFFERENT and na is not None and na == nb:
                overlay.detached.add(j.a if "#" in j.a else j.b)
            elif j.verdict is Judgement.SAME and na != nb:
                if "#" in j.a and na is not None:
                    overlay.detached.add(j.a)
                elif "#" in j.b and nb is not None and "#" not in j.a:
                    overlay.detached.add(j.b)

        def node(endpoint: str) -> str:
            if "#" in endpoint:
                record = records[endpoint]
                if record.id_value is not None and endpoint not in overlay.detached:
                    return f"ID:{record.id_value}"
                return endpoint
            return f"ID:{endpoint}"

        union = _Union()
        for j in usable:
            for endpoint in (j.a, j.b):
                n = node(endpoint)
                union.add(n, n[3:] if n.startswith("ID:") else None)
        for key in overlay.detached:
            union.add(key, None)
        different = [
            (node(j.a), node(j.b)) for j in usable if j.verdict is Judgement.DIFFERENT
        ]
        for j in usable:
            if j.verdict is not Judgement.SAME:
                continue
            a, b = node(j.a), node(j.b)
            ra, rb = union.find(a), union.find(b)
            if ra == rb:
                overlay.applied.append(j.judgement_id)
                continue
            if union.anchor[ra] and union.anchor[rb]:
                overlay.blocked[j.judgement_id] = "would join two valid ID numbers"
                continue
            roots = {ra, rb}
            if any({union.find(x), union.find(y)} == roots for x, y in different):
                overlay.blocked[j.judgement_id] = (
                    "would join identities judged different"
                )
                continue
            union.union(a, b)
            overlay.applied.append(j.judgement_id)
        for j in usable:
            if j.verdict is Judgement.DIFFERENT:
                a, b = node(j.a), node(j.b)
                if union.find(a) == union.find(b):  # pragma: no cover - guarded above
                    overlay.blocked[j.judgement_id] = "endpoints are one record"
                else:
                    overlay.applied.append(j.judgement_id)
        components: dict[str, set[str]] = {}
        for n in union.parent:
            components.setdefault(union.find(n), set()).add(n)
        for root, nodes in components.items():
            anchor = union.anchor[root]
            keys = self._keys_of_nodes(nodes, overlay.detached)
            if anchor is not None:
                person: str | None = anchor
            elif len(keys) > 1 or (keys & overlay.detached):
                person = surrogate_key(keys) if keys else None
            else:
                person = None
            for n in nodes:
                overlay.node_person[n] = person
            if person is not None:
                overlay.members[person] = nodes
        for j in usable:
            if j.judgement_id in overlay.blocked:
                continue
            for side in (j.a, j.b):
                target = overlay.node_person.get(node(side))
                if target is not None:
                    overlay.notes.setdefault(target, []).append(_describe(j))
                    overlay.rules.setdefault(target, set()).add(
                        "judgement" if j.verdict is Judgement.SAME else "split"
                    )
        overlay.applied.sort()
        return overlay

    def _keys_of_nodes(self, nodes: Iterable[str], detached: set[str]) -> set[str]:
        keys: set[str] = set()
        for n in nodes:
            if n.startswith("ID:"):
                keys.update(set(self._groups.get(n[3:], ())) - detached)
            else:
                keys.add(n)
        return keys

    # -- identities ---------------------------------------------------------------
    def _identity_state(self, person: str, keys: set[str]) -> _IdentityState:
        if person not in self._overlay.rules:
            if len(keys) == 1:
                (key,) = keys
                record = self._records[key]
                if record.id_value == person:
                    return self._lone_state(person, record)
            else:
                records = [self._records[k] for k in sorted(keys)]
                first = records[0]
                if (
                    all(
                        r.id_value == person and r.name_key == first.name_key
                        for r in records
                    )
                    and first.name_key
                ):
                    return self._plain_state(person, records)
        records = [self._records[k] for k in sorted(keys)]
        valid = person in self._groups
        if valid:
            birth = encoded_birth_date(self._scheme, person)
            sex = encoded_sex(self._scheme, person)
        else:
            birth = _most_common([r.birth_date for r in records if r.birth_date])
            sex = _most_common([r.sex for r in records if r.sex])
        named = [r for r in records if r.name_key]
        reference = _most_common([r.name_key for r in named]) or ""
        conflicts: list[Conflict] = []
        if any(r.name_key != reference for r in named):
            for r in named:
                if r.name_key != reference and not names_compatible(
                    r.name_key, reference
                ):
                    conflicts.append(
                        Conflict(
                            person,
                            r.key,
                            ConflictKind.NAME,
                            f"name {r.name} is not compatible with {reference} "
                            f"(similarity {_similarity(r.name_key, reference)})",
                        )
                    )
        for r in records:
            conflicts.extend(_stated_conflicts(person, r, birth, sex, valid))
        name = next((r.name for r in named if r.name_key == reference), "")
        if not name and records:
            name = records[0].name
        if len(records) == 1:
            aliases: tuple[str, ...] = ()
        else:
            aliases = tuple(
                sorted({r.name for r in records if r.name and r.name != name})
            )
        overlay_rules = self._overlay.rules.get(person)
        rules = set(overlay_rules) if overlay_rules else set()
        evidence: list[str] = []
        with_number = [r for r in records if r.id_value == person]
        if with_number:
            rules.add("id")
            written = ", ".join(f"{r.key} {r.id_raw!r}" for r in with_number)
            evidence.append(f"rule id: number {person} normalised from {written}")
        evidence.extend(dict.fromkeys(self._overlay.notes.get(person, ())))
        identity = Identity(
            person_id=person,
            record_keys=tuple(r.key for r in records),
            name=name,
            aliases=aliases,
            birth_date=birth,
            sex=sex,
            rules=tuple(sorted(rules)),
            evidence=tuple(evidence),
        )
        return _IdentityState(identity, tuple(conflicts))

    def _lone_state(self, person: str, record: LinkRecord) -> _IdentityState:
        """The identity of one record keyed by its own number (the common case)."""
        birth = encoded_birth_date(self._scheme, person)
        sex = encoded_sex(self._scheme, person)
        conflicts: tuple[Conflict, ...] = ()
        if (record.birth_date is not None and record.birth_date != birth) or (
            record.sex is not None and record.sex != sex
        ):
            conflicts = tuple(_stated_conflicts(person, record, birth, sex, True))
        identity = Identity(
            person_id=person,
            record_keys=(record.key,),
            name=record.name,
            aliases=(),
            birth_date=birth,
            sex=sex,
            rules=("id",),
            evidence=(
                f"rule id: number {person} normalised from "
                f"{record.key} {record.id_raw!r}",
            ),
        )
        return _IdentityState(identity, conflicts)

    def _plain_state(self, person: str, records: list[LinkRecord]) -> _IdentityState:
        """Records of one number, all of one normalised name (the common merge)."""
        birth = encoded_birth_date(self._scheme, person)
        sex = encoded_sex(self._scheme, person)
        conflicts: list[Conflict] = []
        for r in records:
            if (r.birth_date is not None and r.birth_date != birth) or (
                r.sex is not None and r.sex != sex
            ):
                conflicts.extend(_stated_conflicts(person, r, birth, sex, True))
        name = records[0].name
        written = ", ".join(f"{r.key} {r.id_raw!r}" for r in records)
        identity = Identity(
            person_id=person,
            record_keys=tuple(r.key for r in records),
            name=name,
            aliases=tuple(sorted({r.name for r in records if r.name != name})),
            birth_date=birth,
            sex=sex,
            rules=("id",),
            evidence=(f"rule id: number {person} normalised from {written}",),
        )
        return _IdentityState(identity, tuple(conflicts))

    def _target_of(self, identity: Identity) -> Target:
        records = [self._records[k] for k in identity.record_keys]
        return Target(
            key=identity.person_id,
            names={r.name_key: r.name for r in records if r.name_key},
            birth_date=identity.birth_date,
            sex=identity.sex,
            enterprises=_frozen(r.enterprise for r in records if r.enterprise),
            addresses=_frozen(r.address for r in records if r.address),
        )

    @staticmethod
    def _record_target(record: LinkRecord) -> Target:
        return Target(
            key=record.key,
            names={record.name_key: record.name} if record.name_key else {},
            birth_date=record.birth_date,
            sex=record.sex,
            enterprises=frozenset((record.enterprise,)) if record.enterprise else _NONE,
            addresses=frozenset((record.address,)) if record.address else _NONE,
        )

    def _query(self, record: LinkRecord) -> None:
        tokens = query_tokens(record)
        self._queried[record.key] = tokens
        for token in tokens:
            self._queries.setdefault(token, set()).add(record.key)

    def _unquery(self, key: str) -> None:
        for token in self._queried.pop(key, ()):
            keys = self._queries.get(token)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._queries[token]

    # -- candidates ---------------------------------------------------------------
    def _refresh_candidates(
        self,
        changed_tokens: set[tuple[str, object]] | None,
        changed_people: set[str],
        new_unresolved: set[str],
        touched: set[str],
    ) -> None:
        """Recompute the candidates of every record the changes can reach.

        ``changed_tokens`` None means every block changed (a bulk run).
        ``touched`` are the persons whose records may have changed (a superset
        of ``changed_people``): the records of each and of the identities one
        typo from its number may gain or lose a number-typo candidate.
        """
        dirty: set[str] = set(new_unresolved)
        if changed_tokens is None:
            dirty.update(self._queried)
        else:
            for token in changed_tokens:
                dirty |= self._queries.get(token, set())
        # records whose bad number is one typo from a changed person's number
        bad_keys = {k for keys in self._bad.values() for k in keys}
        valid_changed = [p for p in changed_people if not is_surrogate(p)]
        if len(valid_changed) > len(bad_keys):
            dirty |= bad_keys
        else:
            for person in valid_changed:
                for text in self._texts_of(person):
                    for neighbour in typo_lookups(self._scheme, text):
                        dirty |= self._bad.get(neighbour, set())
        # lone legacy records, as proposers and as the persons proposed
        self._refresh_legacy_index(changed_people)
        legacy_dirty = self._legacy_dirty(changed_people)
        dirty |= legacy_dirty
        dirty |= self._sibling_dirty(touched)
        judged = self._judged_records()
        # records judged now or before: a judgement may have been dropped
        dirty |= {k for k in judged | self._judged_before if k in self._records}
        self._judged_before = judged
        # so are the records of persons judged now or before, and of their siblings
        judged_people = self._judged_endpoints() - judged
        dirty |= self._sibling_dirty(
            judged_people | self._judged_people_before, always=True
        )
        self._judged_people_before = judged_people
        for key in list(self._candidates):
            if key not in self._records:
                del self._candidates[key]
        active = _active_judgements(self._judgements.values())
        for key in dirty:
            record = self._records.get(key)
            if record is None:
                continue
            excluded = _excluded(active, key) if key in judged else frozenset()
            own = self._assignment.get(key)
            if own is not None and own in judged_people:
                excluded |= _excluded(active, own)
            found = self._candidates_of(record, excluded)
            if found:
                self._candidates[key] = found
            else:
                self._candidates.pop(key, None)

    def _texts_of(self, person: str) -> list[str]:
        texts = [person]
        if self._scheme.legacy is not None:
            legacy = self._scheme.legacy(person)
            if legacy is not None:
                texts.append(legacy)
        return texts

    def _refresh_legacy_index(self, changed_people: set[str]) -> None:
        if self._scheme.legacy is None:
            return
        for person in changed_people:
            legacy = None if is_surrogate(person) else self._scheme.legacy(person)
            if legacy is None:
                continue
            if person in self._identities:
                self._legacy_index[legacy] = person
            else:
                self._legacy_index.pop(legacy, None)

    def _lone_legacy(self, person: str) -> str | None:
        """The record key when ``person`` is known through one 15-digit record only."""
        state = self._identities.get(person)
        if state is None or len(state.identity.record_keys) != 1:
            return None
        key = state.identity.record_keys[0]
        return key if key in self._legacy_records else None

    def _legacy_dirty(self, changed_people: set[str]) -> set[str]:
        if self._scheme.legacy is None or not self._legacy_records:
            return set()
        lone = {k for k in self._legacy_records if self._assignment.get(k) is not None}
        if len(changed_people) > len(lone):
            return lone
        dirty: set[str] = set()
        for person in changed_people:
            key = self._lone_legacy(person)
            if key is not None:
                dirty.add(key)
            legacy = None if is_surrogate(person) else self._scheme.legacy(person)
            if legacy is None:
                continue
            for neighbour in one_typo_neighbours(self._scheme, legacy):
                other = self._legacy_index.get(neighbour)
                if other is not None and self._lone_legacy(other) is not None:
                    dirty.add(self._identities[other].identity.record_keys[0])
        return dirty

    def _candidates_of(
        self, record: LinkRecord, excluded: frozenset[str]
    ) -> tuple[Candidate, ...]:
        own = self._assignment.get(record.key)
        found: list[Candidate] = []
        if own is None and record.id_text and self._scheme.check:
            found.extend(
                self._typo_candidates(
                    record, record.id_text, CandidateRule.ID_TYPO, excluded
                )
            )
        if (
            own is not None
            and record.key in self._legacy_records
            and self._lone_legacy(own) == record.key
        ):
            legacy = self._scheme.legacy(own) if self._scheme.legacy else None
            if legacy is not None:
                found.extend(
                    self._typo_candidates(
                        record, legacy, CandidateRule.LEGACY_TYPO, excluded | {own}
                    )
                )
        if own is not None and not self._scheme.check and not is_surrogate(own):
            found.extend(self._sibling_candidates(record, own, excluded))
        if own is None:
            limit = MAX_CANDIDATES + len(found)
            found.extend(fuzzy_candidates(record, self._index, excluded, limit))
        return rank_candidates(found)

    def _typo_candidates(
        self,
        record: LinkRecord,
        text: str,
        rule: CandidateRule,
        excluded: frozenset[str],
    ) -> list[Candidate]:
        found = []
        legacy_length = self._scheme.legacy_length
        legacy = bool(legacy_length) and len(text) == legacy_length
        pool: Mapping[str, object] = self._legacy_index if legacy else self._identities
        for neighbour in [
            n for n in one_typo_neighbours(self._scheme, text) if n in pool
        ]:
            person = self._legacy_index[neighbour] if legacy else neighbour
            if person in excluded or person == record.key:
                continue
            target = self._index.targets.get(person)
            if target is None:
                continue
            written = "15-digit number" if len(text) == legacy_length else "number"
            how = describe_typo(text, neighbour)
            evidence = f"{written} {text} is one typo ({how}) from {neighbour}" + (
                " and fails its check character"
                if rule is CandidateRule.ID_TYPO
                else ""
            )
            candidate = score_candidate(record, target, rule, id_evidence=evidence)
            if candidate is not None:
                found.append(candidate)
        return found

    # -- possible duplicate identities ---------------------------------------------
    def _siblings(self, person: str) -> list[str]:
        """Identities whose valid numbers are one typo from ``person``'s number.

        Empty under a scheme with a check character: the check fails on every
        single substitution and adjacent transposition (GB 11643's MOD 11-2 does),
        so no two valid numbers are one typo apart.
        """
        if self._scheme.check or is_surrogate(person):
            return []
        identities = self._identities
        return [
            n
            for n in one_typo_neighbours(self._scheme, person)
            if n in identities and not is_surrogate(n)
        ]

    def _sibling_dirty(
        self, persons: Iterable[str], *, always: bool = False
    ) -> set[str]:
        """Records of ``persons`` and of their siblings, where they have siblings
        (with ``always``, those of ``persons`` in any case)."""
        if self._scheme.check:
            return set()
        dirty: set[str] = set()
        for person in persons:
            siblings = self._siblings(person)
            if not siblings and not always:
                continue
            for other in (person, *siblings):
                state = self._identities.get(other)
                if state is not None:
                    dirty.update(state.identity.record_keys)
        return dirty

    def _sibling_candidates(
        self, record: LinkRecord, own: str, excluded: frozenset[str]
    ) -> list[Candidate]:
        """``number_typo`` candidates of a record of identity ``own``.

        Between two identities one typo apart, the records of the smaller one (by
        record count; of equal ones, that of the smaller number) are proposed
        for the other. The target carries the birth date and sex its records
        state, not what its number encodes (one of the numbers is wrong); a
        stated birth date of the record that none of the target's records states
        rules the pair out.
        """
        state = self._identities.get(own)
        if state is None:
            return []
        rank = (len(state.identity.record_keys), own)
        found = []
        for other in self._siblings(own):
            if other in excluded:
                continue
            identity = self._identities[other].identity
            if (len(identity.record_keys), other) < rank:
                continue  # the other side is the smaller: it proposes
            target = self._stated_target(identity, record)
            if target is None:
                continue
            evidence = (
                f"numbers one typo apart (both valid): {own} is one typo "
                f"({describe_typo(own, other)}) from {other}"
            )
            candidate = score_candidate(
                record, target, CandidateRule.NUMBER_TYPO, id_evidence=evidence
            )
            if candidate is not None:
                found.append(candidate)
        return found

    def _stated_target(self, identity: Identity, record: LinkRecord) -> Target | None:
        """``identity`` as a target with the birth date and sex its records state;
        None when the record states a birth date none of them does."""
        records = [self._records[k] for k in identity.record_keys]
        dates = [r.birth_date for r in records if r.birth_date is not None]
        if record.birth_date is not None and dates and record.birth_date not in dates:
            return None
        birth = record.birth_date if record.birth_date in dates else _most_common(dates)
        sex = _most_common([r.sex for r in records if r.sex is not None])
        return dataclasses.replace(self._target_of(identity), birth_date=birth, sex=sex)

    # -- output -------------------------------------------------------------------
    def _snapshot(self) -> Resolution:
        conflicts = tuple(
            c for person in sorted(self._conflicts) for c in self._conflicts[person]
        )
        return Resolution(
            assignment=dict(self._assignment),
            identities={p: s.identity for p, s in self._identities.items()},
            conflicts=conflicts,
            candidates=dict(self._candidates),
            blocked=dict(self._overlay.blocked),
            applied=tuple(self._overlay.applied),
        )


_NONE: Final[frozenset[str]] = frozenset()
"""The one empty set of the targets that have none (most): an empty frozenset is no
singleton, and two per target cost 432 bytes."""


def _frozen(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values) or _NONE


def _stated_conflicts(
    person: str,
    record: LinkRecord,
    birth: date | None,
    sex: Sex | None,
    encoded: bool,
) -> list[Conflict]:
    """Conflicts of a record's stated birth date and sex with its identity's."""
    source = " encoded in the number" if encoded else ""
    found = []
    if (
        record.birth_date is not None
        and birth is not None
        and record.birth_date != birth
    ):
        found.append(
            Conflict(
                person,
                record.key,
                ConflictKind.BIRTH_DATE,
                f"stated birth date {record.birth_date.isoformat()} differs from "
                f"{birth.isoformat()}{source}",
            )
        )
    if record.sex is not None and sex is not None and record.sex != sex:
        found.append(
            Conflict(
                person,
                record.key,
                ConflictKind.SEX,
                f"stated sex {record.sex.value} differs from {sex.value}{source}",
            )
        )
    return found


def _similarity(a: str, b: str) -> str:
    return f"{name_similarity(a, b):.2f}"


def _most_common(values: list[_T]) -> _T | None:
    """The most frequent value, the earliest of equally frequent ones; None if none."""
    if not values:
        return None
    first = values[0]
    if len(values) == 1 or all(v == first for v in values):
        return first
    counts = Counter(values)
    return max(dict.fromkeys(values), key=lambda v: counts[v])


def _excluded(active: list[JudgementRecord], key: str) -> frozenset[str]:
    """Targets judged different from the record (never proposed again)."""
    return frozenset(
        j.b if j.a == key else j.a
        for j in active
        if j.verdict is Judgement.DIFFERENT and key in (j.a, j.b)
    )


def resolve(
    records: Iterable[LinkRecord],
    judgements: Iterable[JudgementRecord] = (),
    mapping: FieldMapping = PERSON_FIELDS,
) -> Resolution:
    """Resolve ``records`` under ``judgements`` at once, in a fresh resolver."""
    resolver = Resolver(mapping)
    resolver.add(records)
    resolver.set_judgements(judgements)
    return resolver.resolve()
