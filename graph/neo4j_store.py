"""Neo4jStore: the GraphStore on a Neo4j 5 server, the system of record.

This is the only module that imports the Neo4j driver. The driver is created once by
the caller (CLI or API lifespan) and passed in; writes run in managed transactions,
which the driver retries on transient failures. Driver errors become credlink errors
here, with ``raise ... from exc``.
"""

from __future__ import annotations

import dataclasses
import json
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, LiteralString, TypeVar

import neo4j
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph import queries
from graph.access_records import api_key_from_row, api_key_row, checkpoint_from_row
from graph.authorisation import authorisation_from_row, authorisation_row
from graph.cases import Case
from graph.delivery import Delivery, DeliveryState, Webhook
from graph.errors import EntityNotFoundError, GraphUnavailableError, LifecycleError
from graph.execution import Feedback
from graph.execution import Outcome as FeedbackOutcome
from graph.model import (
    CONNECTION_MAX_HOPS,
    ApiKey,
    AuditCheckpoint,
    Candidate,
    CandidateRule,
    Commendation,
    Conflict,
    ConflictKind,
    Connection,
    Counts,
    Enterprise,
    EntityKind,
    Judgement,
    JudgementRecord,
    LinkLease,
    Named,
    Person,
    RecordLink,
    Role,
    RoleType,
    Sanction,
    SanctionStatus,
    SearchCandidates,
    SearchLookup,
    Sex,
    SourceRecord,
)
from graph.outbox import (
    Cause,
    ChangeKind,
    OutboxEvent,
    Rules,
    diff_events,
    encode_body,
    event_from_body,
)
from graph.person_requests import person_request_from_row, person_request_row
from graph.propagation import (
    DATES_OUT_OF_RANGE,
    EventKind,
    PropagationReport,
    RestrictionFact,
    SanctionEvent,
    build_restriction,
    needs_rederive,
)
from graph.subscriptions import subscription_from_text, subscription_text
from graph.timeouts import store_timeout
from linkage.search_keys import enterprise_keys, person_keys

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from datetime import timedelta

    from neo4j import ManagedTransaction

    from graph.authorisation import Authorisation
    from graph.person_requests import PersonRequest
    from graph.policy.catalogue import Catalogue
    from graph.subscriptions import Subscription

T = TypeVar("T")
_QUIET = [neo4j.NotificationDisabledClassification.UNRECOGNIZED]
_PAGE = 5000  # rows per page of the iter_* reads (export)
_FACT_PAGE = 2000  # persons per page of iter_restriction_facts
_FILL_BATCH = 10_000  # persons or enterprises per transaction of the search backfill


@dataclasses.dataclass(frozen=True, slots=True)
class DriverBounds:
    """Driver settings that make a call to an absent server fail within a bound.

    A call may try to connect (``connection_timeout``), wait for a pooled
    connection (``connection_acquisition_timeout``) and retry a failed transaction
    (``max_transaction_retry_time``); each is a share of the bound, so that
    together they stay within it. The driver sleeps about a second (0.8-1.2 s)
    before its first retry whatever the retry time, so a quarter of a 3 s bound
    allows exactly one retry: two attempts and the pause between them.
    """

    connection_timeout: float
    connection_acquisition_timeout: float
    max_transaction_retry_time: float

    @classmethod
    def within(cls, timeout: float | None = None) -> DriverBounds:
        """The shares of ``timeout`` (default ``CREDLINK_STORE_TIMEOUT``, 3 s)."""
        bound = store_timeout() if timeout is None else timeout
        return cls(bound / 4, bound / 2, bound / 4)


class Neo4jStore:
    """GraphStore on a Neo4j server reached through a driver created by the caller."""

    def __init__(
        self,
        driver: neo4j.Driver,
        *,
        database: str | None = None,
        owns_driver: bool = False,
    ) -> None:
        self._driver = driver
        self._database = database
        self._owns_driver = owns_driver
        # propagation writes outbox events; off only to measure what they cost
        self.outbox = True
        self.apply_schema()

    @classmethod
    def connect(
        cls,
        uri: str,
        user: str | None,
        password: str | None,
        *,
        database: str | None,
        timeout: float | None = None,
    ) -> Neo4jStore:
        """Open a driver for ``uri`` and wrap it; the store then owns the driver.

        Every call fails within about ``timeout`` seconds (default
        ``graph.timeouts.store_timeout``) when the server is away, with a retryable
        GraphUnavailableError, instead of the driver's defaults (a minute of
        acquisition, half a minute of retries); once the server answers again
        the same driver reconnects.
        """
        auth = (user, password) if user and password is not None else None
        bounds = DriverBounds.within(timeout)
        driver = neo4j.GraphDatabase.driver(
            uri,
            auth=auth,
            connection_timeout=bounds.connection_timeout,
            connection_acquisition_timeout=bounds.connection_acquisition_timeout,
            max_transaction_retry_time=bounds.max_transaction_retry_time,
        )
        try:
            driver.verify_connectivity()
        except (DriverError, Neo4jError) as exc:
            driver.close()
            raise _translate(exc, f"cannot reach Neo4j at {uri}") from exc
        return cls(driver, database=database, owns_driver=True)

    @property
    def location(self) -> str:
        """The server's address."""
        address = self._driver.get_server_info().address
        return f"neo4j://{address[0]}:{address[1]}"

    @property
    def driver(self) -> neo4j.Driver:
        """The driver, for callers that run their own named queries."""
        return self._driver

    def close(self) -> None:
        """Close the driver if this store opened it; a lent driver stays open."""
        if self._owns_driver:
            self._driver.close()

    def apply_schema(self) -> None:
        """Create constraints and indexes (idempotent: ``IF NOT EXISTS``)."""
        for statement in queries.SCHEMA:
            self._run_auto(statement)
        self._run_auto("CALL db.awaitIndexes(300)")
        self._fill_search_keys()

    def _fill_search_keys(self) -> None:
        """File the persons and enterprises of a store written before search
        existed under their search keys, once (a marker node remembers it)."""
        if self._read(queries.SEARCH_INDEX_MARKED):
            return

        def person(row: dict[str, Any]) -> tuple[str, ...]:
            return person_keys(row["key"], [row["name"] or "", *row["aliases"]])

        def enterprise(row: dict[str, Any]) -> tuple[str, ...]:
            return enterprise_keys(row["name"] or "")

        for read, write, keys_of in (
            (queries.PERSONS_WITHOUT_SEARCH_KEYS, queries.SET_PERSON_SEARCH_KEYS,
             person),
            (queries.ENTERPRISES_WITHOUT_SEARCH_KEYS,
             queries.SET_ENTERPRISE_SEARCH_KEYS, enterprise),
        ):  # fmt: skip
            while found := self._read(read, limit=_FILL_BATCH):
                rows = [
                    {"key": r["key"], "search_keys": list(keys_of(r))} for r in found
                ]
                self._run_rows(write, rows)
        self._run_rows(queries.MARK_SEARCH_INDEX, [])

    def _run_rows(self, query: LiteralString, rows: list[dict[str, Any]]) -> None:
        def work(tx: ManagedTransaction) -> None:
            tx.run(query, rows=rows).consume()

        self._write(work)

    # -- plumbing ----------------------------------------------------------------
    @contextmanager
    def _session(self, *, read: bool = False) -> Iterator[neo4j.Session]:
        # A read session is routed to a reader under a neo4j:// address (a
        # cluster's followers); transaction functions choose by execute_read. The
        # driver's shared bookmarks make a read wait for every write this driver
        # made (read your writes, on a cluster too).
        try:
            with self._driver.session(
                database=self._database,
                default_access_mode=neo4j.READ_ACCESS if read else neo4j.WRITE_ACCESS,
                bookmark_manager=self._driver.execute_query_bookmark_manager,
                # Optional properties (registration_no, ...) are absent from many
                # nodes by design; "property key does not exist" is no news here.
                notifications_disabled_classifications=_QUIET,
            ) as session:
                yield session
        except (DriverError, Neo4jError) as exc:
            raise _translate(exc, "Neo4j failed") from exc

    def _write(self, work: Callable[[ManagedTransaction], T]) -> T:
        with self._session() as session:
            return session.execute_write(work)

    def _read(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(query, params)]

        with self._session() as session:
            return session.execute_read(work)

    def _run_auto(self, query: LiteralString, **params: Any) -> None:
        with self._session() as session:
            session.run(query, params).consume()

    # -- writes ------------------------------------------------------------------
    def upsert_persons(self, persons: Sequence[Person]) -> None:
        """Create or update persons (first name wins, others become aliases)."""
        rows = [_person_row(p) for p in persons]
        if rows:
            self._write(lambda tx: tx.run(queries.MERGE_PERSONS, rows=rows).consume())

    def upsert_enterprises(self, enterprises: Sequence[Enterprise]) -> None:
        """Create or update enterprises by credit code."""
        rows = [
            {**dataclasses.asdict(e), "search_keys": list(enterprise_keys(e.name))}
            for e in enterprises
        ]
        if rows:
            self._write(
                lambda tx: tx.run(queries.MERGE_ENTERPRISES, rows=rows).consume()
            )

    def upsert_roles(self, roles: Sequence[Role]) -> None:
        """Create or update roles by ``role_id``; both endpoints must exist."""
        rows = list({r.role_id: _role_row(r) for r in roles}.values())
        if not rows:
            return
        person_keys = sorted({r.person_id for r in roles})
        enterprise_keys = sorted({r.credit_code for r in roles})

        def work(tx: ManagedTransaction) -> None:
            _require_all(tx, queries.MISSING_PERSONS, person_keys, "person")
            _require_all(tx, queries.MISSING_ENTERPRISES, enterprise_keys, "enterprise")
            tx.run(queries.MERGE_ROLES, rows=rows).consume()
            # propagation: what these enterprises' sanctions reach may have changed
            tx.run(
                queries.MARK_PENDING_FOR_ENTERPRISES, codes=enterprise_keys
            ).consume()

        self._write(work)

    def upsert_sanctions(self, sanctions: Sequence[Sanction]) -> None:
        """Create or update sanctions by ``sanction_id``; the subject must exist."""
        if not sanctions:
            return
        # Within one batch the last write of an id wins, as in a sequence of writes.
        latest = list({s.sanction_id: s for s in sanctions}.values())

        def work(tx: ManagedTransaction) -> None:
            for kind in (EntityKind.PERSON, EntityKind.ENTERPRISE):
                # every write of the batch must be valid, not only the last one
                keys = sorted(
                    {s.subject_id for s in sanctions if s.subject_kind is kind}
                )
                rows = [_sanction_row(s) for s in latest if s.subject_kind is kind]
                if keys:
                    # also marks them pending (propagation); an exception rolls
                    # back what the other kind wrote
                    _merge_sanctions(tx, kind, keys, rows)

        self._write(work)

    def upsert_commendations(self, commendations: Sequence[Commendation]) -> None:
        """Create or replace commendations by id; the subject must exist."""
        if not commendations:
            return
        latest = list({c.commendation_id: c for c in commendations}.values())

        def work(tx: ManagedTransaction) -> None:
            for kind in (EntityKind.PERSON, EntityKind.ENTERPRISE):
                keys = sorted(
                    {c.subject_id for c in commendations if c.subject_kind is kind}
                )
                if not keys:
                    continue
                rows = [_commendation_row(c) for c in latest if c.subject_kind is kind]
                found = tx.run(
                    queries.MERGE_COMMENDATIONS_ON[kind], keys=keys, rows=rows
                )
                missing = found.single(strict=True)["missing"]
                if missing:
                    raise EntityNotFoundError(kind.value, sorted(missing)[0])

        self._write(work)

    def upsert_source_records(self, records: Sequence[SourceRecord]) -> None:
        """Create or replace source records by (source, record_id)."""
        rows = list({r.key: _source_record_row(r) for r in records}.values())
        if rows:
            self._write(
                lambda tx: tx.run(queries.MERGE_SOURCE_RECORDS, rows=rows).consume()
            )

    def wipe(self) -> None:
        """Delete every node and relationship (schema stays)."""
        self._run_auto(queries.WIPE)

    # -- reads -------------------------------------------------------------------
    def get_person(self, person_id: str) -> Person | None:
        """The person with this key, or None."""
        rows = self._read(queries.GET_PERSON, person_id=person_id)
        return _to_person(rows[0]) if rows else None

    def get_enterprise(self, credit_code: str) -> Enterprise | None:
        """The enterprise with this credit code, or None."""
        rows = self._read(queries.GET_ENTERPRISE, credit_code=credit_code)
        return _to_enterprise(rows[0]) if rows else None

    def get_sanction(self, sanction_id: str) -> Sanction | None:
        """The sanction with this id, or None."""
        rows = self._read(queries.GET_SANCTION, sanction_id=sanction_id)
        return _to_sanction(rows[0]) if rows else None

    def get_source_record(self, source: str, record_id: str) -> SourceRecord | None:
        """The source record with this key, or None."""
        key = f"{source}#{record_id}"
        rows = self._read(queries.GET_SOURCE_RECORD, key=key)
        return _to_source_record(rows[0]) if rows else None

    def source_records_of(self, kind: EntityKind, key: str) -> list[SourceRecord]:
        """Source records resolved to the entity, sorted by key."""
        rows = self._read(queries.SOURCE_RECORDS_OF, kind=kind.value, entity_key=key)
        return [_to_source_record(r) for r in rows]

    def existing_keys(self, kind: EntityKind, keys: Sequence[str]) -> set[str]:
        """The subset of ``keys`` that name an entity of ``kind`` in the store."""
        if not keys:
            return set()
        rows = self._read(queries.EXISTING_KEYS_OF[kind], keys=sorted(set(keys)))
        return {row["key"] for row in rows}

    def enterprises_by_legacy_id(
        self, identifiers: Sequence[str]
    ) -> dict[str, tuple[str, ...]]:
        """The credit codes of the enterprises that claim each legacy identifier
        (embedded or stated organisation code, stated registration number)."""
        if not identifiers:
            return {}
        rows = self._read(
            queries.ENTERPRISES_BY_LEGACY_ID, ids=sorted(set(identifiers))
        )
        claims: dict[str, set[str]] = {}
        for row in rows:
            claims.setdefault(row["id"], set()).add(row["credit_code"])
        return {value: tuple(sorted(codes)) for value, codes in claims.items()}

    def neighbours(
        self, kind: EntityKind, key: str, on: date | None = None
    ) -> list[Role]:
        """Roles touching the entity, held on ``on`` (all roles when None)."""
        rows = self._read(queries.NEIGHBOURS_OF[kind], key=key, on=on)
        return [_to_role(r) for r in rows]

    def connections(
        self,
        a: tuple[EntityKind, str],
        b: tuple[EntityKind, str],
        *,
        on: date | None = None,
        max_hops: int = 6,
        limit: int = 20,
    ) -> list[Connection]:
        """Every shortest path from ``a`` to ``b`` through roles (one statement)."""
        _check_connection_bounds(max_hops, limit)
        (a_kind, a_key), (b_kind, b_key) = a, b
        query = queries.CONNECTIONS[a_kind, b_kind]
        row = self._read(
            query, a=a_key, b=b_key, on=on, max_hops=max_hops, limit=limit
        )[0]
        if not row["a_found"]:
            raise EntityNotFoundError(a_kind.value, a_key)
        if not row["b_found"]:
            raise EntityNotFoundError(b_kind.value, b_key)
        found = [
            Connection(
                kinds=tuple(EntityKind(k) for k in path["kinds"]),
                keys=tuple(path["keys"]),
                roles=tuple(_to_role(r) for r in path["roles"]),
            )
            for path in row["paths"]
        ]
        return sorted(found, key=lambda c: c.sort_key)  # collect() keeps no promise

    def commendations_of(self, kind: EntityKind, key: str) -> list[Commendation]:
        """Commendations whose subject is the entity, sorted by id."""
        rows = self._read(
            queries.COMMENDATIONS_OF, subject_kind=kind.value, subject_id=key
        )
        return [_to_commendation(r) for r in rows]

    def iter_commendations(self) -> Iterator[Commendation]:
        """Every commendation sorted by id, read in pages."""
        for page in self._pages(queries.PAGE_COMMENDATIONS, "commendation_id"):
            yield from (_to_commendation(row) for row in page)

    def sanctions_against(self, kind: EntityKind, key: str) -> list[Sanction]:
        """Sanctions whose subject is the entity, sorted by id."""
        rows = self._read(
            queries.SANCTIONS_AGAINST, subject_kind=kind.value, subject_id=key
        )
        return [_to_sanction(r) for r in rows]

    def counts(self) -> Counts:
        """How many persons, enterprises, roles, sanctions, commendations and
        source records."""

        def one(query: LiteralString) -> int:
            return int(self._read(query)[0]["n"])

        return Counts(
            persons=one(queries.COUNT_PERSONS),
            enterprises=one(queries.COUNT_ENTERPRISES),
            roles=one(queries.COUNT_ROLES),
            sanctions=one(queries.COUNT_SANCTIONS),
            commendations=one(queries.COUNT_COMMENDATIONS),
            source_records=one(queries.COUNT_SOURCE_RECORDS),
        )

    # -- propagation -------------------------------------------------------------
    def propagate(
        self, catalogue: Catalogue, *, full: bool = False
    ) -> PropagationReport:
        """Derive pending sanctions (all with ``full``) on the server, set-based.

        The catalogue goes in as a parameter. Pending sanctions: one managed (retried)
        transaction per ``PROPAGATION_BATCH`` of them; all: one statement in batches
        of ``PROPAGATION_BATCH`` run by ``PROPAGATION_THREADS`` concurrent
        transactions, then the sanctions of any batch that lost a deadlock, serially.
        Each sanction's facts change atomically.
        """
        started = time.perf_counter()
        params = {
            "types": _catalogue_param(catalogue),
            "known": list(catalogue.types()),
            "batch": PROPAGATION_BATCH,
            "threads": PROPAGATION_THREADS,
            "first_day": date.min,
            "last_day": date.max,
            "dates_error": DATES_OUT_OF_RANGE,
        }
        cause = Cause.CATALOGUE if full else Cause.DERIVED
        if full and not self.outbox:
            with self._session() as session:
                found = session.run(queries.PROPAGATE_ALL, params).single(strict=True)
                record = found.data()
            if record["failed"]:
                # rolled back whole: derive them again, serially, as pending ones
                failed = sorted(record["failed"])
                self._write(lambda tx: _mark_pending(tx, failed))
                again = self._drain_pending(params, catalogue, cause)
                record["written"] += again["written"]
                record["removed"] += again["removed"]
                record["set_aside"] = again["set_aside"]
        elif full:
            # each batch's outbox events are written in the batch's transaction,
            # so a full run marks what it visits and drains it batch by batch
            self._run_auto(queries.MARK_ALL_PENDING, **params)
            record = self._drain_pending(params, catalogue, cause)
            rows = self._read(queries.COUNT_KNOWN_SANCTIONS, known=params["known"])
            record["sanctions"] = rows[0]["n"]
        else:
            record = self._drain_pending(params, catalogue, cause)
        return PropagationReport(
            sanctions=int(record["sanctions"]),
            restrictions_written=int(record["written"]),
            restrictions_removed=int(record["removed"]),
            seconds=time.perf_counter() - started,
            skipped=tuple(record["skipped"]),
            set_aside=tuple((str(i), str(e)) for i, e in record["set_aside"]),
        )

    def _drain_pending(
        self, params: dict[str, Any], catalogue: Catalogue, cause: Cause
    ) -> dict[str, Any]:
        """Derive pending sanctions, ``PROPAGATION_BATCH`` per managed transaction,
        until none is left; totals, and the skipped ones of the last batch."""
        # Few pending sanctions is the common case: one retried transaction.
        # After a bulk write, batch after batch until none is left.
        totals = {"sanctions": 0, "written": 0, "removed": 0}
        outbox = self.outbox
        while True:
            found = self._write(
                lambda tx: _derive_pending(tx, params, catalogue, cause, outbox=outbox)
            )
            for key in totals:
                totals[key] += found[key]
            if found["sanctions"] < PROPAGATION_BATCH:
                return {
                    **totals,
                    "skipped": found["skipped"],
                    "set_aside": found["set_aside"],
                }

    def pending_sanctions(self) -> list[str]:
        """Ids of the sanctions whose restrictions wait to be derived, sorted."""
        return [row["sanction_id"] for row in self._read(queries.PENDING_SANCTIONS)]

    # -- export: everything, page by page ------------------------------------------
    def iter_persons(self) -> Iterator[Person]:
        """Every person sorted by key, read in pages."""
        for page in self._pages(queries.PAGE_PERSONS, "person_id"):
            yield from (_to_person(row) for row in page)

    def iter_enterprises(self) -> Iterator[Enterprise]:
        """Every enterprise sorted by credit code, read in pages."""
        for page in self._pages(queries.PAGE_ENTERPRISES, "credit_code"):
            yield from (_to_enterprise(row) for row in page)

    def iter_roles(self, on: date | None = None) -> Iterator[Role]:
        """Every role (held on ``on`` when given) sorted by id, read in pages."""
        for page in self._pages(queries.PAGE_ROLES, "role_id", on=on):
            yield from (_to_role(row) for row in page if row["held"])

    def iter_sanctions(self) -> Iterator[Sanction]:
        """Every sanction sorted by id, read in pages."""
        for page in self._pages(queries.PAGE_SANCTIONS, "sanction_id"):
            yield from (_to_sanction(row) for row in page)

    def iter_restriction_facts(
        self, on: date | None = None
    ) -> Iterator[RestrictionFact]:
        """Every stored restriction (valid on ``on`` when given) sorted by
        (person_id, restriction_id), read in pages of persons."""
        for page in self._pages(
            queries.PAGE_RESTRICTION_FACTS, "person_id", limit=_FACT_PAGE, on=on
        ):
            facts = [
                _to_fact({**row["fact"], "person_id": row["person_id"]})
                for row in page
                if row["fact"] is not None
            ]
            yield from sorted(facts, key=lambda f: (f.person_id, f.restriction_id))

    def _pages(
        self,
        query: LiteralString,
        key: str,
        *,
        limit: int | None = None,
        **params: Any,
    ) -> Iterator[list[dict[str, Any]]]:
        """The rows of ``query`` page by page: each page starts after the last
        ``key`` of the one before (``$after``) and holds at most ``$limit`` keys."""
        limit = limit or _PAGE  # read at call time: tests make pages small
        after = ""
        while True:
            page = self._read(query, after=after, limit=limit, **params)
            if not page:
                return
            yield page
            keys = {row[key] for row in page}
            if len(keys) < limit:
                return
            after = page[-1][key]

    def set_aside_sanctions(self) -> list[tuple[str, str]]:
        """Sanctions whose derivation failed, (id, error) sorted by id."""
        rows = self._read(queries.SET_ASIDE_SANCTIONS)
        return [(row["sanction_id"], row["error"]) for row in rows]

    def restriction_facts(
        self,
        *,
        person_id: str | None = None,
        sanction_id: str | None = None,
        on: date | None = None,
    ) -> list[RestrictionFact]:
        """Stored restrictions of a person and/or a sanction, valid on ``on``."""
        if person_id is not None:
            rows = self._read(
                queries.RESTRICTION_FACTS_OF_PERSON, person_id=person_id, on=on
            )
            if sanction_id is not None:
                rows = [row for row in rows if row["sanction_id"] == sanction_id]
        elif sanction_id is not None:
            rows = self._read(
                queries.RESTRICTION_FACTS_OF_SANCTION, sanction_id=sanction_id, on=on
            )
        else:
            rows = self._read(queries.ALL_RESTRICTION_FACTS, on=on)
        return [_to_fact(row) for row in rows]

    def roles_by_id(self, role_ids: Sequence[str]) -> list[Role]:
        """The roles with these ids (unknown ids are left out), sorted by id."""
        if not role_ids:
            return []
        rows = self._read(queries.ROLES_BY_ID, ids=sorted(set(role_ids)))
        return [_to_role(row) for row in rows]

    def append_sanction_event(
        self,
        sanction: Sanction,
        event: SanctionEvent,
        *,
        outbox: Sequence[OutboxEvent] = (),
        catalogue: Catalogue | None = None,
    ) -> None:
        """Record ``event``, write ``sanction`` and the ``outbox`` events in one
        transaction; with ``catalogue``, a correction is derived in it too."""
        row = _sanction_row(sanction)
        kind = sanction.subject_kind
        params = {} if catalogue is None else _propagation_params(catalogue)

        def work(tx: ManagedTransaction) -> None:
            found = tx.run(queries.GET_SANCTION, sanction_id=sanction.sanction_id)
            if found.peek() is None:
                raise EntityNotFoundError("sanction", sanction.sanction_id)
            found.consume()
            if needs_rederive(event):  # fields changed; this also marks it pending
                _merge_sanctions(tx, kind, [sanction.subject_id], [row])
            else:
                _require_all(tx, _MISSING[kind], [sanction.subject_id], kind.value)
                tx.run(
                    queries.SET_SANCTION_STATUS,
                    sanction_id=sanction.sanction_id,
                    status=sanction.status.value,
                ).consume()
            created = tx.run(queries.CREATE_SANCTION_EVENT, **_event_row(event))
            if created.single(strict=True)["created"] == 0:
                msg = (
                    f"event {event.seq} of sanction {event.sanction_id} is already "
                    "recorded (another writer was first); read its history and retry"
                )
                raise LifecycleError(msg)
            _write_outbox(tx, outbox)
            if catalogue is not None and needs_rederive(event):
                _derive_pending(
                    tx,
                    params,
                    catalogue,
                    Cause.DERIVED,
                    touched=[sanction.sanction_id],
                    outbox=self.outbox,
                )

        self._write(work)

    def sanction_events(self, sanction_id: str) -> list[SanctionEvent]:
        """The sanction's recorded events in (on, seq) order; [] when none."""
        rows = self._read(queries.SANCTION_EVENTS, sanction_id=sanction_id)
        return [_to_event(sanction_id, row) for row in rows]

    # -- outbox (graph.outbox) ---------------------------------------------------
    def outbox_events(self, after: int = 0, limit: int = 100) -> list[OutboxEvent]:
        """Outbox events with ``seq > after``, the first ``limit``, by seq."""
        rows = self._read(queries.OUTBOX_EVENTS, after=after, limit=limit)
        return [event_from_body(json.loads(row["body"]), row["seq"]) for row in rows]

    def restrictions_to_expire(self, on: date) -> list[RestrictionFact]:
        """Stored facts whose validity ended by ``on`` and whose last outbox event
        is not an end, sorted by restriction id."""
        rows = self._read(
            queries.RESTRICTIONS_TO_EXPIRE, on=on, ended=ChangeKind.ENDED.value
        )
        return [_to_fact(row) for row in rows]

    def append_ends(self, events: Sequence[OutboxEvent]) -> int:
        """Append ``restriction.ended`` events, each only when its restriction's
        last event is not already an end (checked under the outbox lock)."""
        ids = [event.restriction_id for event in events]

        def work(tx: ManagedTransaction) -> int:
            tx.run(queries.LOCK_OUTBOX).consume()
            found = tx.run(queries.LAST_OUTBOX_KINDS, ids=ids)
            last = {row["restriction_id"]: row["kind"] for row in found}
            fresh = [
                event
                for event in events
                if last.get(event.restriction_id) != ChangeKind.ENDED.value
            ]
            _write_outbox(tx, fresh)
            return len(fresh)

        return self._write(work)

    def append_new(self, events: Sequence[OutboxEvent]) -> int:
        """Append the events whose id the outbox does not hold yet (checked under
        the outbox lock)."""
        ids = [event.event_id for event in events]

        def work(tx: ManagedTransaction) -> int:
            tx.run(queries.LOCK_OUTBOX).consume()
            held = {row["event_id"] for row in tx.run(queries.HELD_EVENT_IDS, ids=ids)}
            fresh = [event for event in events if event.event_id not in held]
            _write_outbox(tx, fresh)
            return len(fresh)

        return self._write(work)

    def save_subscription(self, subscription: Subscription) -> None:
        """Insert or replace the subscription of ``subscription.key_id``."""
        self._write(
            lambda tx: tx.run(
                queries.SAVE_SUBSCRIPTION,
                key_id=subscription.key_id,
                body=subscription_text(subscription),
            ).consume()
        )

    def get_subscription(self, key_id: str) -> Subscription | None:
        """The subscription of a key, or None when it has none."""
        rows = self._read(queries.GET_SUBSCRIPTION, key_id=key_id)
        return subscription_from_text(key_id, rows[0]["body"]) if rows else None

    def get_outbox_event(self, event_id: str) -> OutboxEvent | None:
        """The outbox event with this id, or None."""
        rows = self._read(queries.GET_OUTBOX_EVENT, event_id=event_id)
        if not rows:
            return None
        return event_from_body(json.loads(rows[0]["body"]), rows[0]["seq"])

    def save_feedback(self, reports: Sequence[Feedback]) -> None:
        """Store reports, one per (event, key), atomically."""
        rows = [
            {
                "event_id": f.event_id,
                "key_id": f.key_id,
                "outcome": f.outcome.value,
                "reason": f.reason,
                "at": f.at.isoformat(),
            }
            for f in reports
        ]
        self._write(lambda tx: tx.run(queries.SAVE_FEEDBACK, rows=rows).consume())

    def feedback(self) -> list[Feedback]:
        """Every stored report, by (event_id, key_id)."""
        return [
            Feedback(
                event_id=row["event_id"],
                key_id=row["key_id"],
                outcome=FeedbackOutcome(row["outcome"]),
                reason=row["reason"],
                at=datetime.fromisoformat(row["at"]),
            )
            for row in self._read(queries.FEEDBACK)
        ]

    # -- webhook deliveries (graph.delivery) -----------------------------------
    def save_webhook(self, webhook: Webhook) -> None:
        """Insert or replace a key's webhook; a higher stored cursor stays."""
        self._write(
            lambda tx: tx.run(
                queries.SAVE_WEBHOOK,
                key_id=webhook.key_id,
                url=webhook.url,
                secret=webhook.secret,
                cursor=webhook.cursor,
            ).consume()
        )

    def webhooks(self) -> list[Webhook]:
        """Every webhook, by key id."""
        return [
            Webhook(r["key_id"], r["url"], r["secret"], r["cursor"])
            for r in self._read(queries.WEBHOOKS)
        ]

    def enqueue_deliveries(
        self, key_id: str, deliveries: Sequence[Delivery], cursor: int
    ) -> None:
        """Add deliveries and move the webhook's cursor, atomically."""
        rows = [_delivery_params(d) for d in deliveries]

        def work(tx: ManagedTransaction) -> None:
            tx.run(queries.ENQUEUE_DELIVERIES, rows=rows).consume()
            tx.run(queries.MOVE_WEBHOOK_CURSOR, key_id=key_id, cursor=cursor).consume()

        self._write(work)

    def pending_deliveries(self, key_id: str, limit: int) -> list[Delivery]:
        """The key's pending deliveries, by seq, the first ``limit``."""
        rows = self._read(
            queries.DELIVERIES_OF,
            key_id=key_id,
            state=DeliveryState.PENDING.value,
            limit=limit,
        )
        return [_to_delivery(row) for row in rows]

    def save_delivery(self, delivery: Delivery) -> None:
        """Write a delivery's state, tries, next time and error."""
        row = _delivery_params(delivery)
        self._write(lambda tx: tx.run(queries.SAVE_DELIVERY, row=row).consume())

    def redeliver(self, key_id: str, event_ids: Sequence[str] | None) -> int:
        """Make deliveries pending again, due now, with no tries."""
        params = {
            "key_id": key_id,
            "ids": None if event_ids is None else list(event_ids),
            "now": datetime.now(UTC).isoformat(),
            "pending": DeliveryState.PENDING.value,
            "dead": DeliveryState.DEAD.value,
        }

        def work(tx: ManagedTransaction) -> int:
            found = tx.run(queries.REDELIVER, params).single(strict=True)
            return int(found["n"])

        return self._write(work)

    def deliveries(self, key_id: str) -> list[Delivery]:
        """Every delivery of a key, by seq."""
        rows = self._read(queries.DELIVERIES_OF, key_id=key_id, state=None, limit=None)
        return [_to_delivery(row) for row in rows]

    # -- linkage -----------------------------------------------------------------
    def iter_source_records(
        self, kind: EntityKind, *, unresolved_only: bool = False
    ) -> Iterator[SourceRecord]:
        """Source records of ``kind`` sorted by (source, record_id), streamed."""
        with self._session(read=True) as session:
            try:
                result = session.run(
                    queries.SOURCE_RECORDS_OF_KIND,
                    kind=kind.value,
                    unresolved_only=unresolved_only,
                )
                for record in result:
                    yield _to_source_record(record.data())
            except (DriverError, Neo4jError) as exc:
                raise _translate(exc, "Neo4j failed") from exc

    def set_entity_keys(
        self, assignments: Sequence[tuple[str, str, str | None]]
    ) -> None:
        """Set the resolved entity of records: (source, record_id, entity_key)."""
        rows = [
            {"key": f"{source}#{record_id}", "entity_key": key}
            for source, record_id, key in assignments
        ]
        for chunk in _batches(rows):

            def work(
                tx: ManagedTransaction, chunk: list[dict[str, Any]] = chunk
            ) -> None:
                tx.run(queries.SET_ENTITY_KEYS, rows=chunk).consume()

            self._write(work)

    def replace_persons(self, persons: Sequence[Person]) -> None:
        """Create persons or overwrite every field (linkage recomputed them)."""
        rows = [
            {
                "person_id": p.person_id,
                "name": p.name,
                "aliases": sorted(set(p.aliases)),
                "birth_date": p.birth_date,
                "sex": p.sex.value if p.sex else None,
                "search_keys": list(person_keys(p.person_id, [p.name, *p.aliases])),
            }
            for p in persons
        ]
        if rows:
            self._write(lambda tx: tx.run(queries.REPLACE_PERSONS, rows=rows).consume())

    def delete_roles(self, role_ids: Sequence[str]) -> None:
        """Delete roles by id (unknown ids ignored); their sanctions turn pending."""
        ids = sorted(set(role_ids))
        if not ids:
            return

        def work(tx: ManagedTransaction) -> None:
            codes = [r["code"] for r in tx.run(queries.DELETE_ROLES, ids=ids)]
            if codes:
                tx.run(queries.MARK_PENDING_FOR_ENTERPRISES, codes=codes).consume()

        self._write(work)

    def delete_bare_persons(self, person_ids: Sequence[str]) -> list[str]:
        """Delete those persons with no record, role or sanction; returns them."""
        ids = sorted(set(person_ids))
        if not ids:
            return []

        def work(tx: ManagedTransaction) -> list[str]:
            return [
                r["person_id"] for r in tx.run(queries.DELETE_BARE_PERSONS, ids=ids)
            ]

        return sorted(self._write(work))

    def record_judgement(self, judgement: JudgementRecord) -> None:
        """Store a judgement; writing the same judgement id again changes nothing."""
        row = _judgement_row(judgement)
        self._write(lambda tx: tx.run(queries.CREATE_JUDGEMENT, row=row).consume())

    def undo_judgement(
        self, judgement_id: str, by: str, at: datetime
    ) -> JudgementRecord:
        """Mark a judgement undone (the first undo stays); raises if unknown."""

        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            result = tx.run(
                queries.UNDO_JUDGEMENT,
                judgement_id=judgement_id,
                by=by,
                at=at.isoformat(),
            )
            return [record.data() for record in result]

        rows = self._write(work)
        if not rows:
            raise EntityNotFoundError("judgement", judgement_id)
        return _to_judgement(rows[0])

    def judgements(self) -> list[JudgementRecord]:
        """Every judgement, undone ones included, in (at, judgement_id) order."""
        return [_to_judgement(row) for row in self._read(queries.JUDGEMENTS)]

    def replace_candidates(
        self, record_keys: Sequence[str], candidates: Sequence[Candidate]
    ) -> None:
        """Replace the candidates of ``record_keys`` by ``candidates`` (theirs)."""
        keys = sorted(set(record_keys) | {c.record_key for c in candidates})
        if not keys:
            return
        rows = [
            {
                "record_key": c.record_key,
                "rank": c.rank,
                "target": c.target,
                "score": c.score,
                "rule": c.rule.value,
                "reasons": list(c.reasons),
            }
            for c in candidates
        ]

        def work(tx: ManagedTransaction) -> None:
            tx.run(queries.DELETE_CANDIDATES_OF, keys=keys).consume()
            tx.run(queries.CREATE_CANDIDATES, rows=rows).consume()

        self._write(work)

    def candidates(self, record_key: str | None = None) -> list[Candidate]:
        """Stored candidates (of one record), by record key then rank."""
        rows = self._read(queries.CANDIDATES, record_key=record_key)
        return [_to_candidate(row) for row in rows]

    def replace_conflicts(
        self, person_ids: Sequence[str], conflicts: Sequence[Conflict]
    ) -> None:
        """Replace the conflicts of ``person_ids`` by ``conflicts`` (theirs)."""
        ids = sorted(set(person_ids) | {c.person_id for c in conflicts})
        if not ids:
            return
        rows = [
            {
                "person_id": c.person_id,
                "record_key": c.record_key,
                "kind": c.kind.value,
                "detail": c.detail,
            }
            for c in conflicts
        ]

        def work(tx: ManagedTransaction) -> None:
            tx.run(queries.DELETE_CONFLICTS_OF, ids=ids).consume()
            tx.run(queries.CREATE_CONFLICTS, rows=rows).consume()

        self._write(work)

    def conflicts(self, person_id: str | None = None) -> list[Conflict]:
        """Stored conflicts (of one person), by person, record key and kind."""
        rows = self._read(queries.CONFLICTS, person_id=person_id)
        return [_to_conflict(row) for row in rows]

    def delete_source_records(self, keys: Sequence[str]) -> None:
        """Delete records and the roles they stated; their link states turn pending."""
        rows = [_provenance(key) for key in sorted(set(keys))]
        if not rows:
            return

        def work(tx: ManagedTransaction) -> None:
            found = list(tx.run(queries.DELETE_SOURCE_RECORDS, rows=rows))
            codes = sorted({code for r in found for code in r["codes"]})
            if codes:
                tx.run(queries.MARK_PENDING_FOR_ENTERPRISES, codes=codes).consume()
            ids = sorted({r["entity"] for r in found if r["entity"]})
            if ids:
                tx.run(queries.DELETE_BARE_PERSONS, ids=ids).consume()

        self._write(work)

    def source_records_by_key(self, keys: Sequence[str]) -> list[SourceRecord]:
        """The source records with these keys, sorted by key."""
        rows = self._read(queries.SOURCE_RECORDS_BY_KEY, keys=sorted(set(keys)))
        return [_to_source_record(row) for row in rows]

    def roles_of_records(self, keys: Sequence[str]) -> list[Role]:
        """Roles stated by these records (same source and record id), by role id."""
        rows = [_provenance(key) for key in sorted(set(keys))]
        found = self._read(queries.ROLES_OF_RECORDS, rows=rows)
        return [_to_role(row) for row in found]

    def get_persons(self, person_ids: Sequence[str]) -> list[Person]:
        """The persons with these keys, sorted by key."""
        rows = self._read(queries.GET_PERSONS, ids=sorted(set(person_ids)))
        return [_to_person(row) for row in rows]

    def get_enterprises(self, credit_codes: Sequence[str]) -> list[Enterprise]:
        """The enterprises with these codes, sorted by code."""
        rows = self._read(queries.GET_ENTERPRISES, codes=sorted(set(credit_codes)))
        return [_to_enterprise(row) for row in rows]

    def roles_page(
        self,
        kind: EntityKind,
        key: str,
        on: date | None,
        *,
        skip: int,
        limit: int,
    ) -> list[Role]:
        """A page of neighbours (ORDER BY role_id SKIP LIMIT in the query)."""
        rows = self._read(
            queries.ROLES_PAGE_OF[kind], key=key, on=on, skip=skip, limit=limit
        )
        return [_to_role(r) for r in rows]

    def co_holders(
        self,
        credit_codes: Sequence[str],
        on: date | None,
        *,
        exclude: str,
        skip: int,
        limit: int,
    ) -> list[tuple[str, tuple[str, ...]]]:
        """A page of the other holders, grouped and ordered in Cypher."""
        rows = self._read(
            queries.CO_HOLDERS, codes=sorted(set(credit_codes)), on=on,
            exclude=exclude, skip=skip, limit=limit,
        )  # fmt: skip
        return [(r["person_id"], tuple(sorted(r["via"]))) for r in rows]

    def search_candidates(self, lookup: SearchLookup) -> SearchCandidates:
        """The candidates of one search in one query (``SEARCH_CANDIDATES``)."""

        def terms(exact: Sequence[str], grams: Sequence[str]) -> list[dict[str, Any]]:
            exact = list(dict.fromkeys(exact))
            grams = [g for g in dict.fromkeys(grams) if g not in exact]
            return [
                {"term": _term(t), "exact": True, "options": {}} for t in exact
            ] + [
                {"term": _term(t), "exact": False,
                 "options": {"limit": lookup.limit + 1}}
                for t in grams
            ]  # fmt: skip

        (row,) = self._read(
            queries.SEARCH_CANDIDATES,
            person_terms=terms(lookup.person_exact, lookup.person_grams),
            enterprise_terms=terms(lookup.enterprise_exact, lookup.enterprise_grams),
            limit=lookup.limit,
            person_id=lookup.person_id,
            credit_code=lookup.credit_code,
            legacy_id=lookup.legacy_id,
        )

        def persons(field: str) -> tuple[Named, ...]:
            found = (
                Named(p["key"], p["name"], tuple(sorted(p["aliases"] or ())))
                for p in row[field]
            )
            return tuple(sorted(found, key=lambda n: n.key))

        def firms(field: str) -> tuple[Named, ...]:
            found = (Named(e["key"], e["name"]) for e in row[field])
            return tuple(sorted(found, key=lambda n: n.key))

        return SearchCandidates(
            persons_by_id=persons("persons_by_id"),
            persons=persons("persons"),
            enterprises_by_code=firms("enterprises_by_code"),
            enterprises_by_legacy_id=firms("enterprises_by_legacy_id"),
            enterprises=firms("enterprises"),
        )

    def candidates_of(self, record_keys: Sequence[str]) -> list[Candidate]:
        """Stored candidates of these records, by record key then rank."""
        rows = self._read(queries.CANDIDATES_OF, keys=sorted(set(record_keys)))
        return [_to_candidate(row) for row in rows]

    def conflicts_of(self, person_ids: Sequence[str]) -> list[Conflict]:
        """Stored conflicts of these persons, by person, record key and kind."""
        rows = self._read(queries.CONFLICTS_OF, ids=sorted(set(person_ids)))
        return [_to_conflict(row) for row in rows]

    def record_links(self, *, pending_only: bool = False) -> list[RecordLink]:
        """Link states (the pending ones only), by record key."""
        rows = self._read(queries.RECORD_LINKS, pending_only=pending_only)
        return [_to_record_link(row) for row in rows]

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
        """Link states matching any value given (births: birth or born), by key."""
        rows = self._read(
            queries.FIND_RECORD_LINKS,
            keys=sorted(set(keys)),
            numbers=sorted(set(numbers)),
            texts=sorted(set(texts)),
            sounds=sorted(set(sounds)),
            births=sorted(set(births)),
            entities=sorted(set(entities)),
        )
        return [_to_record_link(row) for row in rows]

    def save_record_links(
        self,
        links: Sequence[RecordLink],
        forget: Sequence[RecordLink] = (),
        *,
        complete: bool = False,
    ) -> list[str]:
        """Store link states and drop those of ``forget``, atomically; clear the
        pending mark only where the revision is still the one read. Returns the
        keys left pending."""
        rows = [
            {
                "key": k.key,
                "entity": k.entity,
                "number": k.number,
                "text": k.text,
                "sound": k.sound,
                "birth": k.birth,
                "born": k.born,
                "rev": k.rev,
            }
            for k in links
        ]
        gone = [{"key": k.key, "rev": k.rev} for k in forget]

        def work(tx: ManagedTransaction) -> list[str]:
            moved: set[str] = set()
            for chunk in _batches(rows):
                found = tx.run(queries.SAVE_RECORD_LINKS, rows=chunk)
                moved.update(r["moved"] for r in found)
            for chunk in _batches(gone):
                found = tx.run(queries.FORGET_RECORD_LINKS, rows=chunk)
                moved.update(r["moved"] for r in found)
            if complete:
                tx.run(queries.MARK_LINKS_COMPLETE).consume()
            return sorted(moved)

        return self._write(work)

    def links_complete(self) -> bool:
        """Whether a full link stored the state of every person record."""
        return bool(self._read(queries.LINKS_COMPLETE)[0]["n"])

    def acquire_link_lease(self, holder: str, ttl: timedelta) -> LinkLease:
        """Take (or renew) the link lease unless another holds it unexpired (server
        clock); the lease in force. One write transaction."""

        def work(tx: ManagedTransaction) -> LinkLease:
            row = tx.run(queries.ACQUIRE_LINK_LEASE, holder=holder, ttl=ttl).single(
                strict=True
            )
            return _to_lease(row.data())

        return self._write(work)

    def release_link_lease(self, holder: str) -> None:
        """Drop the link lease if ``holder`` holds it."""
        self._write(
            lambda tx: tx.run(queries.RELEASE_LINK_LEASE, holder=holder).consume()
        )

    def link_lease(self) -> LinkLease | None:
        """The link lease as stored, or None."""
        rows = self._read(queries.LINK_LEASE)
        return _to_lease(rows[0]) if rows else None

    # -- access: API keys and audit anchors ---------------------------------------
    def save_api_key(self, key: ApiKey) -> None:
        """Insert or replace the key with this ``key_id``."""
        row = api_key_row(key)
        self._write(lambda tx: tx.run(queries.MERGE_API_KEY, key=row).consume())

    def get_api_key(self, key_id: str) -> ApiKey | None:
        """The key with this id (revoked and expired ones too), or None."""
        rows = self._read(queries.API_KEY, key_id=key_id)
        return api_key_from_row(rows[0]) if rows else None

    def api_keys(self) -> list[ApiKey]:
        """Every key ever created, by creation time then id."""
        return [api_key_from_row(row) for row in self._read(queries.API_KEYS)]

    # -- authorisations ----------------------------------------------------------
    def save_authorisation(self, authorisation: Authorisation) -> None:
        """Insert or replace the authorisation with this ``authorisation_id``."""
        row = authorisation_row(authorisation)
        self._write(lambda tx: tx.run(queries.MERGE_AUTHORISATION, row=row).consume())

    def get_authorisation(self, authorisation_id: str) -> Authorisation | None:
        """The authorisation with this id (revoked and expired ones too), or None."""
        rows = self._read(queries.AUTHORISATION, authorisation_id=authorisation_id)
        return authorisation_from_row(rows[0]) if rows else None

    def authorisations_of(self, person_id: str) -> list[Authorisation]:
        """Every authorisation the person gave, by grant date then id."""
        rows = self._read(queries.AUTHORISATIONS_OF, person_id=person_id)
        return [authorisation_from_row(row) for row in rows]

    # -- the person's own objections and statements ------------------------------
    def save_person_request(self, request: PersonRequest) -> None:
        """Insert or replace the request with this ``request_id``."""
        row = person_request_row(request)
        self._write(lambda tx: tx.run(queries.MERGE_PERSON_REQUEST, row=row).consume())

    def get_person_request(self, request_id: str) -> PersonRequest | None:
        """The request with this id, or None."""
        rows = self._read(queries.PERSON_REQUEST, request_id=request_id)
        return person_request_from_row(rows[0]) if rows else None

    def person_requests(self, person_id: str | None = None) -> list[PersonRequest]:
        """The requests one person filed (every person's when None), by filing
        time then id."""
        rows = self._read(queries.PERSON_REQUESTS, person_id=person_id)
        return [person_request_from_row(row) for row in rows]

    def save_audit_checkpoint(self, checkpoint: AuditCheckpoint) -> None:
        """Keep the head of an audit log at one entry (the first head stays)."""
        params: dict[str, Any] = {
            "log_id": checkpoint.log_id,
            "seq": checkpoint.seq,
            "head": checkpoint.head,
            "at": checkpoint.at.isoformat(),
        }
        self._write(
            lambda tx: tx.run(queries.MERGE_AUDIT_CHECKPOINT, **params).consume()
        )

    def audit_checkpoints(self, log_id: str) -> list[AuditCheckpoint]:
        """The checkpoints kept for one audit log, by sequence number."""
        return [
            checkpoint_from_row(row)
            for row in self._read(queries.AUDIT_CHECKPOINTS, log_id=log_id)
        ]

    # -- explorer cases --------------------------------------------------------------
    def save_case(self, case: Case) -> None:
        """Insert or replace the case with this owner and name."""
        row = {
            "owner": case.owner,
            "name": case.name,
            "saved_at": case.saved_at.isoformat(),
            "persons": list(case.persons),
            "content": case.content,
        }
        self._write(lambda tx: tx.run(queries.MERGE_CASE, case=row).consume())

    def get_case(self, owner: str, name: str) -> Case | None:
        """The owner's case of this name, or None."""
        rows = self._read(queries.CASE, owner=owner, name=name)
        return _to_case(rows[0]) if rows else None

    def cases(self, owner: str) -> list[Case]:
        """The owner's cases, by name."""
        return [_to_case(row) for row in self._read(queries.CASES, owner=owner)]

    def delete_case(self, owner: str, name: str) -> bool:
        """Delete the owner's case of this name; whether there was one."""
        rows = self._write(
            lambda tx: tx.run(queries.DELETE_CASE, owner=owner, name=name).data()
        )
        return bool(rows and rows[0]["deleted"])


# -- translation between records and domain types ---------------------------------


def _translate(exc: Exception, what: str) -> GraphUnavailableError:
    retryable = isinstance(exc, ServiceUnavailable | SessionExpired | TransientError)
    if isinstance(exc, AuthError):
        return GraphUnavailableError(f"{what}: authentication failed", retryable=False)
    if isinstance(exc, ClientError):
        return GraphUnavailableError(f"{what}: {exc.message}", retryable=False)
    return GraphUnavailableError(f"{what}: {exc}", retryable=retryable)


_MISSING: dict[EntityKind, LiteralString] = {
    EntityKind.PERSON: queries.MISSING_PERSONS,
    EntityKind.ENTERPRISE: queries.MISSING_ENTERPRISES,
}


def _require_all(
    tx: ManagedTransaction, query: LiteralString, keys: list[str], kind: str
) -> None:
    missing = [record["key"] for record in tx.run(query, keys=keys)]
    if missing:
        raise EntityNotFoundError(kind, sorted(missing)[0])


def _merge_sanctions(
    tx: ManagedTransaction,
    kind: EntityKind,
    keys: list[str],
    rows: list[dict[str, Any]],
) -> None:
    """Write ``rows`` (sanctions against ``kind``) unless a key of ``keys`` names
    no subject: then raise EntityNotFoundError (the caller's transaction rolls
    back)."""
    found = tx.run(queries.MERGE_SANCTIONS_ON[kind], keys=keys, rows=rows)
    missing = found.single(strict=True)["missing"]
    if missing:
        raise EntityNotFoundError(kind.value, sorted(missing)[0])


def _native(value: Any) -> date | None:
    return None if value is None else value.to_native()


def _person_row(p: Person) -> dict[str, Any]:
    names = [name for name in dict.fromkeys((p.name, *p.aliases)) if name]
    return {
        "person_id": p.person_id,
        "name": names[0] if names else "",
        "names": names,
        "birth_date": p.birth_date,
        "sex": p.sex.value if p.sex else None,
        "search_keys": list(person_keys(p.person_id, names)),
    }


def _term(key: str) -> str:
    """A search key as one Lucene term (keys hold only letters, digits and _)."""
    if not all(ch.isalnum() or ch == "_" for ch in key):
        raise ValueError(f"not a search key: {key!r}")
    return f'"{key}"'


def _role_row(r: Role) -> dict[str, Any]:
    return {
        "role_id": r.role_id,
        "person_id": r.person_id,
        "credit_code": r.credit_code,
        "type": r.role.value,
        "since": r.since,
        "until": r.until,
        "source": r.source,
        "record_id": r.record_id,
    }


def _sanction_row(s: Sanction) -> dict[str, Any]:
    return {
        "sanction_id": s.sanction_id,
        "subject_kind": s.subject_kind.value,
        "subject_id": s.subject_id,
        "type": s.type,
        "authority": s.authority,
        "decision_no": s.decision_no,
        "decided_on": s.decided_on,
        "violation_date": s.violation_date,
        "display_until": s.display_until,
        "status": s.status.value,
    }


def _commendation_row(c: Commendation) -> dict[str, Any]:
    return {
        "commendation_id": c.commendation_id,
        "subject_kind": c.subject_kind.value,
        "subject_id": c.subject_id,
        "kind": c.kind,
        "authority": c.authority,
        "decided_on": c.decided_on,
        "valid_until": c.valid_until,
        "source": c.source,
        "record_id": c.record_id,
    }


def _source_record_row(r: SourceRecord) -> dict[str, Any]:
    return {
        "key": r.key,
        "source": r.source,
        "record_id": r.record_id,
        "kind": r.kind.value,
        "raw": json.dumps(dict(r.raw), ensure_ascii=False, sort_keys=True),
        "entity_key": r.entity_key,
    }


def _to_person(row: dict[str, Any]) -> Person:
    return Person(
        person_id=row["person_id"],
        name=row["name"],
        birth_date=_native(row["birth_date"]),
        sex=Sex(row["sex"]) if row["sex"] else None,
        aliases=tuple(sorted(row["aliases"] or ())),
    )


def _to_enterprise(row: dict[str, Any]) -> Enterprise:
    return Enterprise(
        credit_code=row["credit_code"],
        name=row["name"],
        status=row["status"],
        founded_on=_native(row["founded_on"]),
        conforming=bool(row["conforming"]),
        org_code=row["org_code"],
        registration_no=row["registration_no"],
    )


def _check_connection_bounds(max_hops: int, limit: int) -> None:
    if not 0 <= max_hops <= CONNECTION_MAX_HOPS:
        raise ValueError(f"max_hops must be 0..{CONNECTION_MAX_HOPS}, not {max_hops}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")


def _to_role(row: dict[str, Any]) -> Role:
    return Role(
        person_id=row["person_id"],
        credit_code=row["credit_code"],
        role=RoleType(row["type"]),
        since=_native(row["since"]),
        until=_native(row["until"]),
        source=row["source"],
        record_id=row["record_id"],
    )


def _to_commendation(row: dict[str, Any]) -> Commendation:
    decided_on = _native(row["decided_on"])
    assert decided_on is not None  # always written
    return Commendation(
        commendation_id=row["commendation_id"],
        subject_kind=EntityKind(row["subject_kind"]),
        subject_id=row["subject_id"],
        kind=row["kind"],
        authority=row["authority"],
        decided_on=decided_on,
        valid_until=_native(row["valid_until"]),
        source=row["source"],
        record_id=row["record_id"],
    )


def _to_sanction(row: dict[str, Any]) -> Sanction:
    return Sanction(
        sanction_id=row["sanction_id"],
        subject_kind=EntityKind(row["subject_kind"]),
        subject_id=row["subject_id"],
        type=row["type"],
        authority=row["authority"],
        decision_no=row["decision_no"],
        decided_on=row["decided_on"].to_native(),
        violation_date=_native(row["violation_date"]),
        display_until=_native(row["display_until"]),
        status=SanctionStatus(row["status"]),
    )


def _to_source_record(row: dict[str, Any]) -> SourceRecord:
    raw = json.loads(row["raw"])
    return SourceRecord(
        source=row["source"],
        record_id=row["record_id"],
        kind=EntityKind(row["kind"]),
        raw=tuple(sorted(raw.items())),
        entity_key=row["entity_key"],
    )


# -- propagation -------------------------------------------------------------------

# Sanctions per inner transaction of a propagation run, and concurrent inner
# transactions of a full run (bench/propagate.py tunes both; the server's cores
# bound the second).
PROPAGATION_BATCH = 2000
PROPAGATION_THREADS = 2


def _catalogue_param(catalogue: Catalogue) -> dict[str, Any]:
    """The catalogue as the $types parameter of queries.PROPAGATE, keyed by type."""
    types: dict[str, Any] = {}
    for rule in catalogue.rules:
        # display months by rule version, in order of start (None: the first);
        # the query takes the last one starting on or before the decision date
        displays = [
            {
                "from": version.valid_from,
                "months": catalogue.rule(
                    rule.sanction_type, version.valid_from or date.min
                ).display.total_months,
            }
            for version in catalogue.versions
        ] or [{"from": None, "months": rule.display.total_months}]
        types[rule.sanction_type] = {
            "time_rule": rule.time_rule.value,
            "window_months": 12 * (rule.years or 0),
            "displays": displays,
            "roles": [role.value for role in rule.liable_roles()],
            "measures": [
                {
                    "measure": m.measure.key,
                    "roles": [role.value for role in m.roles],
                    "lasts_months": m.lasts.total_months if m.lasts else None,
                }
                for m in rule.role_measures
            ],
            "direct": [
                {
                    "measure": m.measure.key,
                    "lasts_months": m.lasts.total_months if m.lasts else None,
                }
                for m in rule.direct_measures
            ],
        }
    return types


def _propagation_params(catalogue: Catalogue) -> dict[str, Any]:
    return {
        "types": _catalogue_param(catalogue),
        "known": list(catalogue.types()),
        "batch": PROPAGATION_BATCH,
        "first_day": date.min,
        "last_day": date.max,
        "dates_error": DATES_OUT_OF_RANGE,
    }


def _derive_pending(
    tx: ManagedTransaction,
    params: dict[str, Any],
    catalogue: Catalogue,
    cause: Cause,
    *,
    touched: Sequence[str] = (),
    outbox: bool = True,
) -> dict[str, Any]:
    """One batch of pending sanctions derived, and (with ``outbox``) the outbox
    events of its difference written, in ``tx``."""
    record = tx.run(queries.PROPAGATE_PENDING, params).single(strict=True).data()
    if outbox:
        events = _diff_events(tx, record["diffs"], catalogue, cause, touched)
        _write_outbox(tx, events)
    return record


def _diff_events(
    tx: ManagedTransaction,
    diffs: list[dict[str, Any]],
    catalogue: Catalogue,
    cause: Cause,
    touched: Sequence[str],
) -> list[OutboxEvent]:
    """The outbox events of the differences PROPAGATE_PENDING returned (and, for
    the ``touched`` sanctions, of their facts that kept their dates)."""
    ids = sorted({d["sanction_id"] for d in diffs} | set(touched))
    if not ids:
        return []
    sanctions = {
        row["sanction_id"]: _to_sanction(row.data())
        for row in tx.run(queries.SANCTIONS_BY_ID, ids=ids)
    }
    held: dict[str, RestrictionFact] = {}
    fresh_keys: set[str] = set()
    created: set[str] = set()
    for diff in diffs:
        sanction_id = diff["sanction_id"]
        valid_from = diff["valid_from"].to_native()
        for key in diff["created"]:
            fresh_keys.add(f"{sanction_id}|{key}")
            created.add(f"{sanction_id}|{key}")
        for changed in diff["changed"]:
            restriction_id = f"{sanction_id}|{changed['key']}"
            fresh_keys.add(restriction_id)
            person_id, measure, role = changed["key"].split("|", 2)
            held[restriction_id] = RestrictionFact(
                restriction_id=restriction_id,
                sanction_id=sanction_id,
                person_id=person_id,
                measure=measure,
                role_id=None if role == "direct" else role,
                valid_from=valid_from,
                valid_until=changed["was"].to_native(),
            )
        for stale in diff["stale"]:
            restriction_id = f"{sanction_id}|{stale['key']}"
            held[restriction_id] = RestrictionFact(
                restriction_id=restriction_id,
                sanction_id=sanction_id,
                person_id=stale["person_id"],
                measure=stale["measure"],
                role_id=stale["role_id"],
                valid_from=valid_from,
                valid_until=stale["valid_until"].to_native(),
            )
    wanted = sorted({d["sanction_id"] for d in diffs if d["created"] or d["changed"]})
    current = [
        _to_fact(row.data())
        for row in tx.run(
            queries.RESTRICTION_FACTS_OF_SANCTIONS, ids=sorted({*wanted, *touched})
        )
    ]
    touched_ids = set(touched)
    for fact in current:
        # a corrected sanction's facts that kept their dates change too (their
        # explanation quotes the record); those it created start
        if fact.sanction_id in touched_ids and fact.restriction_id not in created:
            fresh_keys.add(fact.restriction_id)
            held.setdefault(fact.restriction_id, fact)
    facts = [fact for fact in current if fact.restriction_id in fresh_keys]
    role_ids = sorted({f.role_id for f in facts if f.role_id is not None})
    found_roles = tx.run(queries.ROLES_BY_ID, ids=role_ids)
    roles = {role.role_id: role for role in (_to_role(r.data()) for r in found_roles)}
    fresh = {}
    rules = Rules(catalogue)
    for fact in facts:
        sanction = sanctions[fact.sanction_id]
        role = roles[fact.role_id] if fact.role_id is not None else None
        rule, _ = rules(sanction.type, sanction.decided_on)
        fresh[fact.restriction_id] = build_restriction(
            sanction, rule, fact.measure, role
        )
    return diff_events(held, fresh, sanctions, catalogue, cause, touched=touched)


def _write_outbox(tx: ManagedTransaction, events: Sequence[OutboxEvent]) -> None:
    """Number ``events`` from the counter and create them, in ``tx``."""
    if not events:
        return
    tx.run(queries.LOCK_OUTBOX).consume()
    rows = [
        {
            "event_id": e.event_id,
            "restriction_id": e.restriction_id,
            "person_id": e.person_id,
            "kind": e.kind.value,
            "body": encode_body(e),
        }
        for e in events
    ]
    tx.run(queries.CREATE_OUTBOX_EVENTS, rows=rows).consume()


def _mark_pending(tx: ManagedTransaction, ids: list[str]) -> None:
    tx.run(queries.MARK_PENDING, ids=ids).consume()


def _to_fact(row: dict[str, Any]) -> RestrictionFact:
    return RestrictionFact(
        restriction_id=row["restriction_id"],
        sanction_id=row["sanction_id"],
        person_id=row["person_id"],
        measure=row["measure"],
        role_id=row["role_id"],
        valid_from=row["valid_from"].to_native(),
        valid_until=row["valid_until"].to_native(),
    )


def _event_row(event: SanctionEvent) -> dict[str, Any]:
    return {
        "sanction_id": event.sanction_id,
        "seq": event.seq,
        "kind": event.kind.value,
        "on": event.on,
        "by": event.by,
        "reason": event.reason,
        "changes": json.dumps(event.changes, ensure_ascii=False),
    }


def _to_event(sanction_id: str, row: dict[str, Any]) -> SanctionEvent:
    return SanctionEvent(
        sanction_id=sanction_id,
        kind=EventKind(row["kind"]),
        on=row["on"].to_native(),
        by=row["by"],
        reason=row["reason"],
        changes=tuple((name, value) for name, value in json.loads(row["changes"])),
        seq=int(row["seq"]),
    )


# -- linkage -----------------------------------------------------------------------

_BATCH = 10_000  # rows per transaction of bulk linkage writes


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), _BATCH):
        yield rows[start : start + _BATCH]


def _provenance(key: str) -> dict[str, str]:
    source, _, record_id = key.rpartition("#")
    return {"key": key, "source": source, "record_id": record_id}


def _to_candidate(row: dict[str, Any]) -> Candidate:
    return Candidate(
        record_key=row["record_key"],
        target=row["target"],
        score=row["score"],
        rule=CandidateRule(row["rule"]),
        reasons=tuple(row["reasons"]),
        rank=row["rank"],
    )


def _to_conflict(row: dict[str, Any]) -> Conflict:
    return Conflict(
        row["person_id"], row["record_key"], ConflictKind(row["kind"]), row["detail"]
    )


def _to_record_link(row: dict[str, Any]) -> RecordLink:
    return RecordLink(
        key=row["key"],
        entity=row["entity"],
        number=row["number"],
        text=row["text"],
        sound=row["sound"],
        birth=_native(row["birth"]),
        born=_native(row["born"]),
        pending=bool(row["pending"]),
        filed=row["filed"],
        rev=row["rev"],
    )


def _to_lease(row: dict[str, Any]) -> LinkLease:
    return LinkLease(
        row["holder"], row["since"].to_native(), row["expires"].to_native()
    )


def _judgement_row(j: JudgementRecord) -> dict[str, Any]:
    return {
        "judgement_id": j.judgement_id,
        "a": j.a,
        "b": j.b,
        "verdict": j.verdict.value,
        "by": j.by,
        "at": j.at.isoformat(),
        "reason": j.reason,
        "undone_at": j.undone_at.isoformat() if j.undone_at else None,
        "undone_by": j.undone_by,
    }


def _to_judgement(row: dict[str, Any]) -> JudgementRecord:
    undone = row["undone_at"]
    return JudgementRecord(
        judgement_id=row["judgement_id"],
        a=row["a"],
        b=row["b"],
        verdict=Judgement(row["verdict"]),
        by=row["by"],
        at=datetime.fromisoformat(row["at"]),
        reason=row["reason"],
        undone_at=datetime.fromisoformat(undone) if undone else None,
        undone_by=row["undone_by"],
    )


def _to_case(row: dict[str, Any]) -> Case:
    return Case(
        owner=row["owner"],
        name=row["name"],
        saved_at=datetime.fromisoformat(row["saved_at"]),
        persons=tuple(row["persons"] or ()),
        content=row["content"],
    )


def _delivery_params(d: Delivery) -> dict[str, Any]:
    return {
        "key_id": d.key_id,
        "seq": d.seq,
        "event_id": d.event_id,
        "state": d.state.value,
        "attempts": d.attempts,
        "next_at": d.next_at.isoformat(),
        "error": d.error,
    }


def _to_delivery(row: dict[str, Any]) -> Delivery:
    return Delivery(
        key_id=row["key_id"],
        seq=row["seq"],
        event_id=row["event_id"],
        state=DeliveryState(row["state"]),
        attempts=row["attempts"],
        next_at=datetime.fromisoformat(row["next_at"]),
        error=row["error"],
    )
