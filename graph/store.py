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

Propagation (restrictions derived from sanctions, see ``graph.enforcement``):

- Restrictions are stored as facts (``RestrictionFact``) and rebuilt on read by
  ``graph.propagation.build_restriction``; explanations are never stored.
- Incremental: every write that can change what a sanction reaches marks that
  sanction *pending* in the same transaction, and ``propagate`` derives pending
  sanctions only (all with ``full=True``). ``upsert_sanctions`` marks the sanctions
  written; ``upsert_roles`` marks the sanctions against the roles' enterprises;
  ``append_sanction_event`` marks the sanction for a correction. ANY NEW WRITE THAT
  ADDS, MOVES OR DELETES A ROLE OR A SANCTION (identity merges included) MUST DO THE
  SAME: embedded ``_mark_pending_for_enterprises(cur, codes)`` /
  ``_mark_pending(cur, sanction_ids)``; Neo4j ``queries.MARK_PENDING_FOR_ENTERPRISES``
  / ``queries.MARK_PENDING`` (``MERGE_SANCTIONS_ON`` marks by itself), run in the
  write's own transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import date, datetime, timedelta

    from graph.authorisation import Authorisation
    from graph.cases import Case
    from graph.delivery import Delivery, Webhook
    from graph.execution import Feedback
    from graph.model import (
        ApiKey,
        AuditCheckpoint,
        Candidate,
        Commendation,
        Conflict,
        Connection,
        Counts,
        Enterprise,
        EntityKind,
        JudgementRecord,
        LinkLease,
        Person,
        RecordLink,
        Role,
        Sanction,
        SearchCandidates,
        SearchLookup,
        SourceRecord,
    )
    from graph.outbox import OutboxEvent
    from graph.person_requests import PersonRequest
    from graph.policy.catalogue import Catalogue
    from graph.propagation import PropagationReport, RestrictionFact, SanctionEvent
    from graph.subscriptions import Subscription


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

    def upsert_commendations(self, commendations: Sequence[Commendation]) -> None:
        """Create or replace commendations (good records) by ``commendation_id``;
        the subject must exist (EntityNotFoundError, nothing of the batch written).
        A commendation derives no restriction: nothing turns pending."""
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

    def enterprises_by_legacy_id(
        self, identifiers: Sequence[str]
    ) -> dict[str, tuple[str, ...]]:
        """The credit codes of the enterprises that claim each legacy identifier.

        ``identifiers`` are canonical organisation codes (9 characters) and
        registration numbers (15 digits). An enterprise claims the organisation
        code embedded in its credit code and the organisation code and
        registration number it states (``linkage.enterprises.legacy_claims_of``).
        Each identifier some enterprise claims maps to their credit codes, sorted;
        the others are left out. One code is the enterprise the identifier names;
        two or more are a conflict, and it names none (``LegacyMatch``). Indexed.
        """
        ...

    def neighbours(
        self, kind: EntityKind, key: str, on: date | None = None
    ) -> list[Role]:
        """Roles touching the entity, held on ``on`` (all roles when None).

        Sorted by ``role_id``. An unknown key gives an empty list.
        """
        ...

    def commendations_of(self, kind: EntityKind, key: str) -> list[Commendation]:
        """Commendations whose subject is the entity, sorted by id."""
        ...

    def iter_commendations(self) -> Iterator[Commendation]:
        """Every commendation sorted by id, read in pages."""
        ...

    def sanctions_against(self, kind: EntityKind, key: str) -> list[Sanction]:
        """Sanctions whose subject is the entity, sorted by id."""
        ...

    def counts(self) -> Counts:
        """How many persons, enterprises, roles, sanctions and source records."""
        ...

    # -- exploration -------------------------------------------------------------
    def connections(
        self,
        a: tuple[EntityKind, str],
        b: tuple[EntityKind, str],
        *,
        on: date | None = None,
        max_hops: int = 6,
        limit: int = 20,
    ) -> list[Connection]:
        """Every shortest path from entity ``a`` to entity ``b`` through roles.

        Roles are followed either way (person-enterprise-person-...), only those
        held on ``on`` when given (half-open, as ``Role.held_on``); every role is a
        hop of its own, so parallel roles give parallel paths. Paths longer than
        ``max_hops`` (0..``CONNECTION_MAX_HOPS``) are not returned: no shortest path
        that short gives []. ``a == b`` gives the one path without hops. Sorted by
        ``Connection.sort_key``, the first ``limit`` (>= 1). An ``a`` or ``b`` the
        store does not hold raises ``EntityNotFoundError``.
        """
        ...

    # -- export ------------------------------------------------------------------
    # Everything the store holds, read in pages (keyset pagination on the key), so
    # an export of any size runs in constant memory.

    def iter_persons(self) -> Iterator[Person]:
        """Every person sorted by key, read in pages."""
        ...

    def iter_enterprises(self) -> Iterator[Enterprise]:
        """Every enterprise sorted by credit code, read in pages."""
        ...

    def iter_roles(self, on: date | None = None) -> Iterator[Role]:
        """Every role sorted by ``role_id`` (only those held on ``on`` when given,
        half-open as ``Role.held_on``), read in pages."""
        ...

    def iter_sanctions(self) -> Iterator[Sanction]:
        """Every sanction sorted by id, read in pages."""
        ...

    def iter_restriction_facts(
        self, on: date | None = None
    ) -> Iterator[RestrictionFact]:
        """Every stored restriction sorted by (person_id, restriction_id) (only
        those valid on ``on`` when given, as ``restriction_facts``), read in pages."""
        ...

    # -- propagation -------------------------------------------------------------
    def propagate(
        self, catalogue: Catalogue, *, full: bool = False
    ) -> PropagationReport:
        """Derive the restrictions of pending sanctions anew (of all with ``full``).

        Brings the facts of each sanction derived to what the catalogue gives now,
        writing only the difference (new facts and changed dates count as written,
        stale facts as removed), and clears their pending marks. Idempotent. A
        sanction whose type the catalogue lacks is left as it is (facts and mark)
        and named in ``skipped``. A sanction whose derivation fails (a date beyond
        what a date holds: ``derivation_problem``) is set aside: its facts stay,
        its mark is cleared, its error is kept (``set_aside_sanctions``), and
        every other sanction is derived.
        """
        ...

    def pending_sanctions(self) -> list[str]:
        """Ids of the sanctions whose restrictions wait to be derived, sorted."""
        ...

    def set_aside_sanctions(self) -> list[tuple[str, str]]:
        """Sanctions whose derivation failed, (id, error) sorted by id.

        A set-aside sanction keeps the facts it held; it is derived again once it
        is written again (a correction marks it pending).
        """
        ...

    def restriction_facts(
        self,
        *,
        person_id: str | None = None,
        sanction_id: str | None = None,
        on: date | None = None,
    ) -> list[RestrictionFact]:
        """Stored restrictions of a person and/or a sanction (all when both None).

        With ``on``, only those valid that day (``valid_from <= on < valid_until``);
        the sanction's status is not looked at. Sorted by ``restriction_id``.
        """
        ...

    def roles_by_id(self, role_ids: Sequence[str]) -> list[Role]:
        """The roles with these ids (unknown ids are left out), sorted by id."""
        ...

    def append_sanction_event(
        self,
        sanction: Sanction,
        event: SanctionEvent,
        *,
        outbox: Sequence[OutboxEvent] = (),
        catalogue: Catalogue | None = None,
    ) -> None:
        """Record ``event`` and write ``sanction`` (its state after it), atomically.

        ``event.seq`` must be new for the sanction (LifecycleError otherwise); the
        sanction must exist (EntityNotFoundError) and so must its subject. A
        correction marks the sanction pending; with ``catalogue`` it is derived in
        the same transaction (as ``propagate`` does, its restrictions' outbox
        events caused by the correction). The ``outbox`` events are written in the
        same transaction.
        """
        ...

    def sanction_events(self, sanction_id: str) -> list[SanctionEvent]:
        """The sanction's recorded events in (on, seq) order; [] when none."""
        ...

    # -- linkage -----------------------------------------------------------------
    # What identity resolution reads and writes (linkage.gather, linkage.writeback).
    # Candidates and conflicts are replaced per record / per person, so a run
    # rewrites only what changed; judgements are never deleted, only undone.

    def iter_source_records(
        self, kind: EntityKind, *, unresolved_only: bool = False
    ) -> Iterator[SourceRecord]:
        """Source records of ``kind`` (only those without an entity when
        ``unresolved_only``), sorted by (source, record_id), read in pages."""
        ...

    def set_entity_keys(
        self, assignments: Sequence[tuple[str, str, str | None]]
    ) -> None:
        """Set the entity of records: (source, record_id, entity_key or None).

        Unknown records are ignored.
        """
        ...

    def replace_persons(self, persons: Sequence[Person]) -> None:
        """Create persons or overwrite name, aliases, birth date and sex.

        For linkage, which recomputes a person from its records after a split;
        loaders use ``upsert_persons``.
        """
        ...

    def delete_roles(self, role_ids: Sequence[str]) -> None:
        """Delete roles by id (unknown ids ignored); marks their sanctions pending."""
        ...

    def delete_bare_persons(self, person_ids: Sequence[str]) -> list[str]:
        """Delete the persons among ``person_ids`` that no source record, role or
        sanction refers to; returns their ids, sorted."""
        ...

    def record_judgement(self, judgement: JudgementRecord) -> None:
        """Store a judgement; a judgement id already stored is left as it is."""
        ...

    def undo_judgement(
        self, judgement_id: str, by: str, at: datetime
    ) -> JudgementRecord:
        """Mark a judgement undone and return it; undoing twice keeps the first undo.

        Raises ``EntityNotFoundError`` for an unknown id.
        """
        ...

    def judgements(self) -> list[JudgementRecord]:
        """Every judgement, undone ones included, sorted by (at, judgement_id)."""
        ...

    def replace_candidates(
        self, record_keys: Sequence[str], candidates: Sequence[Candidate]
    ) -> None:
        """Drop the stored candidates of ``record_keys`` (and of the records the new
        candidates are of) and store ``candidates``."""
        ...

    def candidates(self, record_key: str | None = None) -> list[Candidate]:
        """Stored candidates, of one record or all, sorted by (record_key, rank)."""
        ...

    def replace_conflicts(
        self, person_ids: Sequence[str], conflicts: Sequence[Conflict]
    ) -> None:
        """Drop the stored conflicts of ``person_ids`` (and of the persons of the new
        conflicts) and store ``conflicts``."""
        ...

    def conflicts(self, person_id: str | None = None) -> list[Conflict]:
        """Stored conflicts, of one person or all, sorted by (person_id,
        record_key, kind)."""
        ...

    # Incremental linking. Every write of a person source record and every
    # delete_source_records marks the record's link state pending and raises its
    # revision (``rev``) in the same transaction; link reads the pending states, the
    # neighbourhood of their old and new keys, and saves the states it resolved,
    # clearing the marks of those whose revision is still the one it read.

    def delete_source_records(self, keys: Sequence[str]) -> None:
        """Delete source records by key (``source#record_id``, unknown ignored) and
        the roles they stated (same source and record id; their sanctions turn
        pending), then the persons they were filed under that nothing refers to any
        more (as ``delete_bare_persons``). The link states of person records stay,
        pending and naming the person each was filed under, until the next link
        forgets them."""
        ...

    def source_records_by_key(self, keys: Sequence[str]) -> list[SourceRecord]:
        """The source records with these keys (unknown keys left out), sorted."""
        ...

    def roles_of_records(self, keys: Sequence[str]) -> list[Role]:
        """Roles stated by these source records (by source and record id), sorted
        by ``role_id``."""
        ...

    def get_persons(self, person_ids: Sequence[str]) -> list[Person]:
        """The persons with these keys (unknown keys left out), sorted by key."""
        ...

    def candidates_of(self, record_keys: Sequence[str]) -> list[Candidate]:
        """Stored candidates of these records, sorted by (record_key, rank)."""
        ...

    def conflicts_of(self, person_ids: Sequence[str]) -> list[Conflict]:
        """Stored conflicts of these persons, sorted by (person_id, record_key,
        kind)."""
        ...

    def record_links(self, *, pending_only: bool = False) -> list[RecordLink]:
        """Link states (only the pending ones with ``pending_only``), by key."""
        ...

    def find_record_links(
        self,
        *,
        keys: Sequence[str] = (),
        numbers: Sequence[str] = (),
        texts: Sequence[str] = (),
        sounds: Sequence[str] = (),
        births: Sequence[date] = (),
        entities: Sequence[str] = (),
    ) -> list[RecordLink]:
        """Link states matching any of the values given (``births`` matches
        ``birth`` or ``born``), by key; each field is indexed."""
        ...

    def save_record_links(
        self,
        links: Sequence[RecordLink],
        forget: Sequence[RecordLink] = (),
        *,
        complete: bool = False,
    ) -> list[str]:
        """Store the link states a link resolved and drop those of ``forget``,
        atomically; returns the keys left pending, sorted.

        Each state carries in ``rev`` the revision the link read (0: none stored).
        Where the stored revision (0 when none) still equals it, the state is stored
        not pending and without ``filed``, or, for ``forget``, dropped. Where it
        moved on (the record was written or deleted after the link read it), the
        state of ``links`` gets the new keys (where that link filed the record) but
        keeps its pending mark, revision and ``filed``; that of ``forget`` is left
        as it is. The next link then resolves the record again. ``pending`` and
        ``filed`` of the states given are ignored.

        ``complete`` says every person record now has a state (a full link ran):
        from then on ``links_complete`` is True, until ``wipe``.
        """
        ...

    def links_complete(self) -> bool:
        """Whether a full link stored the state of every person record, so a link
        may read only the neighbourhood of pending records."""
        ...

    # The link lease: one link at a time per store. A link takes it before reading
    # and releases it when done; a crashed link's lease expires and is taken over.

    def acquire_link_lease(self, holder: str, ttl: timedelta) -> LinkLease:
        """Take the link lease for ``holder`` until now + ``ttl``, atomically, and
        return the lease in force.

        Taken when no lease is held, when the lease held has expired, or when
        ``holder`` holds it (renewed: ``since`` stays, ``expires`` moves on); the
        lease returned is then ``holder``'s. Otherwise nothing changes and the
        other holder's lease is returned. "Now" is the store's clock (Neo4j's
        server, the embedded store's host).
        """
        ...

    def release_link_lease(self, holder: str) -> None:
        """Drop the link lease if ``holder`` holds it; otherwise do nothing."""
        ...

    def link_lease(self) -> LinkLease | None:
        """The link lease as stored (expired or not); None when none is held."""
        ...

    # -- search (graph.search) ------------------------------------------------------
    # Persons and enterprises are filed under their search keys
    # (linkage.search_keys: person_keys of every name, enterprise_keys of the name)
    # by every write of them, in the write's own transaction: upsert_persons adds the
    # keys of new names, replace_persons and upsert_enterprises (with a name) replace
    # them, deleting an entity drops them.

    def get_enterprises(self, credit_codes: Sequence[str]) -> list[Enterprise]:
        """The enterprises with these codes (unknown left out), sorted by code."""
        ...

    def search_candidates(self, lookup: SearchLookup) -> SearchCandidates:
        """Everything one search needs, in one read (one round trip on Neo4j).

        The holders of ``lookup``'s keys: each exact key gives its first
        ``lookup.limit`` holders by key, each gram every holder, or none when it
        has more than ``lookup.limit`` (a key in both counts as exact); and the
        entities its identifiers name, as ``get_persons``, ``get_enterprises`` and
        ``enterprises_by_legacy_id`` find them; each as its key, name and aliases
        only (what the ranking reads). Indexed (Neo4j full-text indexes, an SQLite
        table).
        """
        ...

    # -- pages of neighbours (graph.exploration) -----------------------------------
    def roles_page(
        self,
        kind: EntityKind,
        key: str,
        on: date | None,
        *,
        skip: int,
        limit: int,
    ) -> list[Role]:
        """One page of ``neighbours``: the roles touching the entity held on ``on``
        sorted by ``role_id``, ``limit`` of them after the first ``skip``. Paged in
        the store's query (ORDER BY role_id, SKIP, LIMIT over an index on (end,
        role_id) where the store has one), so the first page of an enterprise with
        50,000 holders costs far less than all of them. (Offsets, not role ids:
        a role id embeds an ID number, which must not travel in a cursor.)"""
        ...

    def co_holders(
        self,
        credit_codes: Sequence[str],
        on: date | None,
        *,
        exclude: str,
        skip: int,
        limit: int,
    ) -> list[tuple[str, tuple[str, ...]]]:
        """One page of the persons other than ``exclude`` who hold a role held on
        ``on`` in any of the enterprises: (person_id, their codes among those,
        sorted), by person_id, ``limit`` after the first ``skip``; paged in the
        store's query."""
        ...

    # -- access: API keys and audit anchors (api.access, api.audit) -------------
    def save_api_key(self, key: ApiKey) -> None:
        """Insert or replace the key with this ``key_id``."""
        ...

    def get_api_key(self, key_id: str) -> ApiKey | None:
        """The key with this id (revoked and expired ones too), or None."""
        ...

    def api_keys(self) -> list[ApiKey]:
        """Every key ever created, by creation time then id."""
        ...

    def save_audit_checkpoint(self, checkpoint: AuditCheckpoint) -> None:
        """Keep the head of an audit log at one entry (idempotent per log and seq)."""
        ...

    def audit_checkpoints(self, log_id: str) -> list[AuditCheckpoint]:
        """The checkpoints kept for one audit log, by sequence number."""
        ...

    # -- explorer cases (api.explorer) ---------------------------------------------
    def save_case(self, case: Case) -> None:
        """Insert or replace the case with this owner and name."""
        ...

    def get_case(self, owner: str, name: str) -> Case | None:
        """The owner's case of this name, or None."""
        ...

    def cases(self, owner: str) -> list[Case]:
        """The owner's cases, by name."""
        ...

    def delete_case(self, owner: str, name: str) -> bool:
        """Delete the owner's case of this name; whether there was one."""
        ...

    # -- outbox (graph.outbox, docs/execution.md) -------------------------------
    # ``propagate`` writes the outbox events of the difference it writes, in the
    # same transaction; ``append_sanction_event`` those it is given. Events are
    # numbered by ``seq``, monotonic per store in commit order.

    def outbox_events(self, after: int = 0, limit: int = 100) -> list[OutboxEvent]:
        """Outbox events with ``seq > after``, the first ``limit``, by seq."""
        ...

    def restrictions_to_expire(self, on: date) -> list[RestrictionFact]:
        """Stored facts whose validity ended by ``on`` (``valid_until <= on``) and
        whose last outbox event is not an end, sorted by restriction id."""
        ...

    def append_ends(self, events: Sequence[OutboxEvent]) -> int:
        """Append ``restriction.ended`` events, each only when its restriction's
        last event is not already an end (checked in the writing transaction);
        returns how many were written."""
        ...

    def append_new(self, events: Sequence[OutboxEvent]) -> int:
        """Append the events whose ``event_id`` the outbox does not hold yet
        (checked in the writing transaction); returns how many were written."""
        ...

    def save_subscription(self, subscription: Subscription) -> None:
        """Insert or replace the subscription of ``subscription.key_id``."""
        ...

    def get_subscription(self, key_id: str) -> Subscription | None:
        """The subscription of a key, or None when it has none."""
        ...

    def get_outbox_event(self, event_id: str) -> OutboxEvent | None:
        """The outbox event with this id, or None."""
        ...

    def save_feedback(self, reports: Sequence[Feedback]) -> None:
        """Store departments' reports, one per (event, key): a later report of a
        key on an event replaces its earlier one. Atomic."""
        ...

    def feedback(self) -> list[Feedback]:
        """Every stored report, by (event_id, key_id)."""
        ...

    # -- webhook deliveries (graph.delivery) -----------------------------------
    def save_webhook(self, webhook: Webhook) -> None:
        """Insert or replace a key's webhook (url, secret); a stored cursor stays
        unless the one given is higher."""
        ...

    def webhooks(self) -> list[Webhook]:
        """Every webhook, by key id."""
        ...

    def enqueue_deliveries(
        self, key_id: str, deliveries: Sequence[Delivery], cursor: int
    ) -> None:
        """Add deliveries (an existing (key, seq) is left as it is) and move the
        webhook's cursor to ``cursor``, atomically."""
        ...

    def pending_deliveries(self, key_id: str, limit: int) -> list[Delivery]:
        """The key's pending deliveries, by seq, the first ``limit``."""
        ...

    def save_delivery(self, delivery: Delivery) -> None:
        """Write a delivery's state, tries, next time and error."""
        ...

    def redeliver(self, key_id: str, event_ids: Sequence[str] | None) -> int:
        """Make deliveries pending again, due now, with no tries: those of
        ``event_ids``, or every dead one when None. Returns how many."""
        ...

    def deliveries(self, key_id: str) -> list[Delivery]:
        """Every delivery of a key, by seq."""
        ...

    # -- authorisations of third parties by the person (graph.authorisation) -----
    def save_authorisation(self, authorisation: Authorisation) -> None:
        """Insert or replace the authorisation with this ``authorisation_id``."""
        ...

    def get_authorisation(self, authorisation_id: str) -> Authorisation | None:
        """The authorisation with this id (revoked and expired ones too), or None."""
        ...

    def authorisations_of(self, person_id: str) -> list[Authorisation]:
        """Every authorisation the person gave, by grant date then id."""
        ...

    # -- the person's own objections and statements (graph.person_requests) -----
    def save_person_request(self, request: PersonRequest) -> None:
        """Insert or replace the request with this ``request_id``."""
        ...

    def get_person_request(self, request_id: str) -> PersonRequest | None:
        """The request with this id, or None."""
        ...

    def person_requests(self, person_id: str | None = None) -> list[PersonRequest]:
        """The requests one person filed (every person's when None), by filing
        time then id."""
        ...
