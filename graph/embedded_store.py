"""EmbeddedStore: the GraphStore in one local SQLite file, traversals via networkx.

The default store: a new user needs no server. SQLite holds every fact durably (WAL
journal, ``synchronous=FULL``: a crash loses no committed batch). Graph questions are
answered through a networkx projection of persons, enterprises and roles, built from
the file on first use and kept in step with every committed write.

Its answers are those of ``Neo4jStore``, fact for fact; the differential tests hold
both to that.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from graph import embedded_search
from graph.access_records import api_key_from_row, api_key_row, checkpoint_from_row
from graph.authorisation import authorisation_from_row, authorisation_row
from graph.cases import Case
from graph.delivery import Delivery, DeliveryState, Webhook
from graph.errors import (
    EntityNotFoundError,
    GraphUnavailableError,
    LifecycleError,
    LinkageError,
    StoreMissingError,
)
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
    diff_events,
    encode_body,
    event_from_body,
)
from graph.person_requests import person_request_from_row, person_request_row
from graph.propagation import (
    EventKind,
    PropagationReport,
    RestrictionFact,
    SanctionEvent,
    derivation_problem,
    derive_restrictions,
    needs_rederive,
    restriction_fact,
)
from graph.subscriptions import subscription_from_text, subscription_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from datetime import timedelta

    # networkx loads on the first graph question, not with the store (fast start)
    import networkx as nx

    from graph.authorisation import Authorisation
    from graph.person_requests import PersonRequest
    from graph.policy.catalogue import Catalogue, SanctionRule
    from graph.propagation import Restriction
    from graph.subscriptions import Subscription

SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS persons (
    person_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    birth_date TEXT,
    sex TEXT,
    aliases TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS enterprises (
    credit_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT,
    founded_on TEXT,
    conforming INTEGER NOT NULL,
    org_code TEXT,
    registration_no TEXT
);
-- enterprises by legacy identifier (enterprises_by_legacy_id); the embedded
-- organisation code is characters 9-17 of the credit code
CREATE INDEX IF NOT EXISTS enterprises_org_code ON enterprises(org_code);
CREATE INDEX IF NOT EXISTS enterprises_registration_no ON enterprises(registration_no);
CREATE INDEX IF NOT EXISTS enterprises_embedded_org_code
    ON enterprises(substr(credit_code, 9, 9));
CREATE TABLE IF NOT EXISTS roles (
    role_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(person_id),
    credit_code TEXT NOT NULL REFERENCES enterprises(credit_code),
    type TEXT NOT NULL,
    since TEXT,
    until TEXT,
    source TEXT NOT NULL,
    record_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS roles_person ON roles(person_id);
CREATE INDEX IF NOT EXISTS roles_enterprise ON roles(credit_code);
-- pages of neighbours (roles_page): role_id order within one end
CREATE INDEX IF NOT EXISTS roles_enterprise_page ON roles(credit_code, role_id);
CREATE INDEX IF NOT EXISTS roles_person_page ON roles(person_id, role_id);
CREATE TABLE IF NOT EXISTS sanctions (
    sanction_id TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    type TEXT NOT NULL,
    authority TEXT NOT NULL,
    decision_no TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    violation_date TEXT,
    display_until TEXT,
    status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sanctions_subject ON sanctions(subject_kind, subject_id);
CREATE TABLE IF NOT EXISTS commendations (
    commendation_id TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    authority TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    valid_until TEXT,
    source TEXT NOT NULL,
    record_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS commendations_subject
    ON commendations(subject_kind, subject_id);
CREATE TABLE IF NOT EXISTS source_records (
    source TEXT NOT NULL,
    record_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    raw TEXT NOT NULL,
    entity_key TEXT,
    PRIMARY KEY (source, record_id)
);
CREATE INDEX IF NOT EXISTS source_records_entity ON source_records(entity_key);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    person_id TEXT
);
CREATE TABLE IF NOT EXISTS authorisations (
    authorisation_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    grantee_key_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    granted_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    revoked_on TEXT
);
CREATE INDEX IF NOT EXISTS authorisations_person ON authorisations(person_id);
CREATE TABLE IF NOT EXISTS person_requests (
    request_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    sanction_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    objection_on TEXT,
    objection_seq INTEGER,
    reviewed_on TEXT,
    reviewed_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS person_requests_person ON person_requests(person_id);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    log_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    head TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (log_id, seq)
);
CREATE TABLE IF NOT EXISTS cases (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    persons TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
"""

# ?1: JSON list of canonical legacy identifiers; one indexed lookup per column
# (enterprises_org_code, enterprises_registration_no, enterprises_embedded_org_code).
_ENTERPRISES_BY_LEGACY_ID = """
SELECT credit_code, org_code, registration_no, substr(credit_code, 9, 9)
FROM enterprises WHERE org_code IN (SELECT value FROM json_each(?1))
UNION
SELECT credit_code, org_code, registration_no, substr(credit_code, 9, 9)
FROM enterprises WHERE registration_no IN (SELECT value FROM json_each(?1))
UNION
SELECT credit_code, org_code, registration_no, substr(credit_code, 9, 9)
FROM enterprises WHERE substr(credit_code, 9, 9) IN (SELECT value FROM json_each(?1))
"""

# SQLite limits the number of host parameters in one statement.
_CHUNK = 500

_Node = tuple[EntityKind, str]
_TABLE_OF: dict[EntityKind, tuple[str, str]] = {
    EntityKind.PERSON: ("persons", "person_id"),
    EntityKind.ENTERPRISE: ("enterprises", "credit_code"),
}


def _prepare(conn: sqlite3.Connection) -> None:
    """WAL, durable commits, foreign keys, and the schema (idempotent)."""
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(_DDL)
    conn.executescript(_PROPAGATION_DDL)
    conn.executescript(_LINKAGE_DDL)
    _add_missing_link_columns(conn)
    _add_missing_key_columns(conn)
    conn.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )
    embedded_search.prepare_search(conn)


def _unopenable(path: Path, exc: Exception) -> GraphUnavailableError:
    """One line naming the store file, what is wrong with it and the fix."""
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in text:
        msg = (
            f"{path} is not a credlink store (not an SQLite file): give the path of "
            "a store file with --store, or a new path with `credlink init`"
        )
    elif "readonly" in text or "unable to open" in text or isinstance(exc, OSError):
        msg = (
            f"cannot open or write the store {path} ({text}): give a writable "
            "location with --store"
        )
    else:
        msg = f"cannot open the store {path}: {text}"
    return GraphUnavailableError(msg, retryable=False)


class EmbeddedStore:
    """GraphStore in one SQLite file, with a networkx projection for traversals."""

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        """Open the store file at ``path``; with ``create`` make it (and its folder).

        Without ``create`` a path that holds no file raises StoreMissingError, so a
        mistyped path is never answered from a new, empty store. A folder, a file
        that is not a credlink store or a location that cannot be written raises
        GraphUnavailableError naming the path.
        """
        self._path = Path(path)
        self._lock = threading.RLock()
        self._graph: nx.MultiDiGraph | None = None
        self._graph_version: int | None = None
        # propagation writes outbox events; off only to measure what they cost
        self.outbox = True
        if self._path.is_dir():
            msg = (
                f"the store {self._path} is a folder: give the path of a store file, "
                f"for example {self._path / 'credlink.db'}"
            )
            raise GraphUnavailableError(msg, retryable=False)
        if not self._path.exists():
            if not create:
                raise StoreMissingError(str(self._path))
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _unopenable(self._path, exc) from exc
        try:
            self._conn = self._connect()
        except sqlite3.Error as exc:
            raise _unopenable(self._path, exc) from exc

    def _connect(self) -> sqlite3.Connection:
        # One connection guarded by a lock: the API may call from worker threads.
        conn = sqlite3.connect(
            self._path, isolation_level=None, check_same_thread=False
        )
        try:
            _prepare(conn)
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    @property
    def location(self) -> str:
        """The SQLite file."""
        return str(self._path)

    def close(self) -> None:
        """Close the SQLite connection."""
        with self._lock:
            self._conn.close()

    # -- plumbing ----------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cur = self._conn.cursor()
            cur.row_factory = sqlite3.Row
            return list(cur.execute(sql, params))

    def _projection(self) -> nx.MultiDiGraph:
        """The networkx graph of persons -> enterprises by role, built on first use
        and built again once another process (or connection) committed a write.

        SQLite's ``data_version`` changes exactly when another connection commits;
        this store's own writes keep the projection in step themselves.
        """
        with self._lock:
            version = self._data_version()
            if self._graph is None or version != self._graph_version:
                import networkx as nx

                graph = nx.MultiDiGraph()
                for row in self._query("SELECT * FROM roles"):
                    _add_role_edge(graph, _row_to_role(row))
                self._graph, self._graph_version = graph, version
            return self._graph

    def _data_version(self) -> int:
        row = self._conn.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    # -- writes ------------------------------------------------------------------
    def upsert_persons(self, persons: Sequence[Person]) -> None:
        """Create or update persons (first name wins, others become aliases)."""
        if not persons:
            return
        with self._transaction() as cur:
            known = _fetch_by_keys(
                cur,
                "SELECT * FROM persons WHERE person_id IN ({})",
                [p.person_id for p in persons],
            )
            current: dict[str, dict[str, Any]] = {
                row[0]: {
                    "name": row[1],
                    "birth_date": row[2],
                    "sex": row[3],
                    "aliases": json.loads(row[4]),
                }
                for row in known
            }
            for p in persons:
                state = current.get(p.person_id)
                if state is None:
                    state = {
                        "name": "",
                        "birth_date": None,
                        "sex": None,
                        "aliases": [],
                    }
                    current[p.person_id] = state
                # An empty name is "unknown": it never displaces a real one.
                if not state["name"]:
                    state["name"] = next((n for n in (p.name, *p.aliases) if n), "")
                state["birth_date"] = state["birth_date"] or _iso(p.birth_date)
                state["sex"] = state["sex"] or (p.sex.value if p.sex else None)
                for name in dict.fromkeys((p.name, *p.aliases)):
                    if name and name != state["name"] and name not in state["aliases"]:
                        state["aliases"].append(name)
            for state in current.values():
                state["aliases"] = [a for a in state["aliases"] if a != state["name"]]
            cur.executemany(
                "INSERT OR REPLACE INTO persons VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        key,
                        s["name"],
                        s["birth_date"],
                        s["sex"],
                        json.dumps(s["aliases"], ensure_ascii=False),
                    )
                    for key, s in current.items()
                ],
            )
            embedded_search.index_persons(
                cur, [(k, [s["name"], *s["aliases"]]) for k, s in current.items()]
            )

    def upsert_enterprises(self, enterprises: Sequence[Enterprise]) -> None:
        """Create or update enterprises by credit code; empty values keep known ones."""
        if not enterprises:
            return
        with self._transaction() as cur:
            cur.executemany(
                """
                INSERT INTO enterprises VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(credit_code) DO UPDATE SET
                    name = CASE WHEN excluded.name <> '' THEN excluded.name
                                ELSE enterprises.name END,
                    status = coalesce(excluded.status, enterprises.status),
                    founded_on = coalesce(excluded.founded_on, enterprises.founded_on),
                    conforming = excluded.conforming,
                    org_code = coalesce(excluded.org_code, enterprises.org_code),
                    registration_no = coalesce(excluded.registration_no,
                                               enterprises.registration_no)
                """,
                [
                    (
                        e.credit_code,
                        e.name,
                        e.status,
                        _iso(e.founded_on),
                        int(e.conforming),
                        e.org_code,
                        e.registration_no,
                    )
                    for e in enterprises
                ],
            )
            # an empty name keeps the stored one, and so its keys
            embedded_search.index_enterprises(
                cur, [(e.credit_code, e.name) for e in enterprises if e.name]
            )

    def upsert_roles(self, roles: Sequence[Role]) -> None:
        """Create or update roles by ``role_id``; both endpoints must exist."""
        if not roles:
            return
        with self._transaction() as cur:
            _require_all(
                cur, "persons", "person_id", {r.person_id for r in roles}, "person"
            )
            _require_all(
                cur,
                "enterprises",
                "credit_code",
                {r.credit_code for r in roles},
                "enterprise",
            )
            cur.executemany(
                "INSERT OR REPLACE INTO roles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.role_id,
                        r.person_id,
                        r.credit_code,
                        r.role.value,
                        _iso(r.since),
                        _iso(r.until),
                        r.source,
                        r.record_id,
                    )
                    for r in roles
                ],
            )
            _mark_pending_for_enterprises(cur, {r.credit_code for r in roles})
        if self._graph is not None:
            for role in roles:
                _add_role_edge(self._graph, role)

    def upsert_sanctions(self, sanctions: Sequence[Sanction]) -> None:
        """Create or update sanctions by ``sanction_id``; the subject must exist."""
        if not sanctions:
            return
        with self._transaction() as cur:
            for kind, table, column in (
                (EntityKind.PERSON, "persons", "person_id"),
                (EntityKind.ENTERPRISE, "enterprises", "credit_code"),
            ):
                keys = {s.subject_id for s in sanctions if s.subject_kind is kind}
                _require_all(cur, table, column, keys, kind.value)
            cur.executemany(
                "INSERT OR REPLACE INTO sanctions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: E501
                [
                    (
                        s.sanction_id,
                        s.subject_kind.value,
                        s.subject_id,
                        s.type,
                        s.authority,
                        s.decision_no,
                        _iso(s.decided_on),
                        _iso(s.violation_date),
                        _iso(s.display_until),
                        s.status.value,
                    )
                    for s in sanctions
                ],
            )
            _mark_pending(cur, [s.sanction_id for s in sanctions])

    def upsert_commendations(self, commendations: Sequence[Commendation]) -> None:
        """Create or replace commendations by id; the subject must exist."""
        if not commendations:
            return
        with self._transaction() as cur:
            for kind, table, column in (
                (EntityKind.PERSON, "persons", "person_id"),
                (EntityKind.ENTERPRISE, "enterprises", "credit_code"),
            ):
                keys = {c.subject_id for c in commendations if c.subject_kind is kind}
                _require_all(cur, table, column, keys, kind.value)
            cur.executemany(
                "INSERT OR REPLACE INTO commendations"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.commendation_id,
                        c.subject_kind.value,
                        c.subject_id,
                        c.kind,
                        c.authority,
                        _iso(c.decided_on),
                        _iso(c.valid_until),
                        c.source,
                        c.record_id,
                    )
                    for c in commendations
                ],
            )

    def upsert_source_records(self, records: Sequence[SourceRecord]) -> None:
        """Create or replace source records by (source, record_id)."""
        if not records:
            return
        with self._transaction() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO source_records VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        r.source,
                        r.record_id,
                        r.kind.value,
                        json.dumps(dict(r.raw), ensure_ascii=False, sort_keys=True),
                        r.entity_key,
                    )
                    for r in records
                ],
            )
            _mark_link_pending(
                cur, [r.key for r in records if r.kind is EntityKind.PERSON]
            )

    def wipe(self) -> None:
        """Delete everything the store holds."""
        with self._transaction() as cur:
            for table in (
                "roles",
                "sanctions",
                "commendations",
                "source_records",
                "persons",
                "enterprises",
                "api_keys",
                "authorisations",
                "person_requests",
                "audit_checkpoints",
                "cases",
                "search_keys",
                *_PROPAGATION_TABLES,
                *_LINKAGE_TABLES,
            ):
                cur.execute(f"DELETE FROM {table}")
        with self._lock:
            self._graph = None

    # -- reads -------------------------------------------------------------------
    def get_person(self, person_id: str) -> Person | None:
        """The person with this key, or None."""
        rows = self._query("SELECT * FROM persons WHERE person_id = ?", (person_id,))
        return _row_to_person(rows[0]) if rows else None

    def get_enterprise(self, credit_code: str) -> Enterprise | None:
        """The enterprise with this credit code, or None."""
        rows = self._query(
            "SELECT * FROM enterprises WHERE credit_code = ?", (credit_code,)
        )
        return _row_to_enterprise(rows[0]) if rows else None

    def get_sanction(self, sanction_id: str) -> Sanction | None:
        """The sanction with this id, or None."""
        rows = self._query(
            "SELECT * FROM sanctions WHERE sanction_id = ?", (sanction_id,)
        )
        return _row_to_sanction(rows[0]) if rows else None

    def get_source_record(self, source: str, record_id: str) -> SourceRecord | None:
        """The source record with this key, or None."""
        rows = self._query(
            "SELECT * FROM source_records WHERE source = ? AND record_id = ?",
            (source, record_id),
        )
        return _row_to_source_record(rows[0]) if rows else None

    def source_records_of(self, kind: EntityKind, key: str) -> list[SourceRecord]:
        """Source records resolved to the entity, sorted by key."""
        rows = self._query(
            "SELECT * FROM source_records WHERE entity_key = ? AND kind = ?",
            (key, kind.value),
        )
        return sorted((_row_to_source_record(r) for r in rows), key=lambda r: r.key)

    def existing_keys(self, kind: EntityKind, keys: Sequence[str]) -> set[str]:
        """The subset of ``keys`` that name an entity of ``kind`` in the store."""
        table, column = _TABLE_OF[kind]
        with self._lock:
            cur = self._conn.cursor()
            found = _fetch_by_keys(
                cur, f"SELECT {column} FROM {table} WHERE {column} IN ({{}})", keys
            )
        return {row[0] for row in found}

    def enterprises_by_legacy_id(
        self, identifiers: Sequence[str]
    ) -> dict[str, tuple[str, ...]]:
        """The credit codes of the enterprises that claim each legacy identifier
        (embedded or stated organisation code, stated registration number)."""
        wanted = set(identifiers)
        claims: dict[str, set[str]] = {}
        with self._lock:
            found = (
                self._conn.cursor()
                .execute(_ENTERPRISES_BY_LEGACY_ID, (json.dumps(sorted(wanted)),))
                .fetchall()
            )
        for code, *values in found:
            for value in set(values) & wanted:
                claims.setdefault(value, set()).add(code)
        return {value: tuple(sorted(codes)) for value, codes in claims.items()}

    def neighbours(
        self, kind: EntityKind, key: str, on: date | None = None
    ) -> list[Role]:
        """Roles touching the entity, held on ``on`` (all roles when None)."""
        graph = self._projection()
        node: _Node = (kind, key)
        if node not in graph:
            return []
        edges = (
            graph.out_edges(node, data="role")
            if kind is EntityKind.PERSON
            else graph.in_edges(node, data="role")
        )
        roles: Iterable[Role] = (role for _, _, role in edges)
        if on is not None:
            roles = (r for r in roles if r.held_on(on))
        return sorted(roles, key=lambda r: r.role_id)

    def connections(
        self,
        a: tuple[EntityKind, str],
        b: tuple[EntityKind, str],
        *,
        on: date | None = None,
        max_hops: int = 6,
        limit: int = 20,
    ) -> list[Connection]:
        """Every shortest path from ``a`` to ``b`` through roles (networkx BFS)."""
        import networkx as nx

        _check_connection_bounds(max_hops, limit)
        for kind, key in (a, b):
            if not self.existing_keys(kind, [key]):
                raise EntityNotFoundError(kind.value, key)
        graph = self._projection()
        if a == b:
            return [Connection(kinds=(a[0],), keys=(a[1],), roles=())]
        if max_hops == 0 or a not in graph or b not in graph:
            return []  # (nx.predecessor takes a cutoff of 0 for none)
        view: nx.MultiDiGraph = graph
        if on is not None:

            def held(u: _Node, v: _Node, k: str) -> bool:
                return cast("Role", graph.edges[u, v, k]["role"]).held_on(on)

            view = nx.subgraph_view(graph, filter_edge=held)
        # Breadth-first from a, no deeper than max_hops; pred lists every node's
        # predecessors on shortest paths (once each, parallel roles or not).
        pred = nx.predecessor(view.to_undirected(as_view=True), a, cutoff=max_hops)
        if b not in pred:
            return []
        found = [
            connection
            for nodes in _shortest_node_paths(pred, a, b)
            for connection in _connections_along(view, nodes)
        ]
        return sorted(found, key=lambda c: c.sort_key)[:limit]

    def commendations_of(self, kind: EntityKind, key: str) -> list[Commendation]:
        """Commendations whose subject is the entity, sorted by id."""
        rows = self._query(
            "SELECT * FROM commendations WHERE subject_kind = ? AND subject_id = ? "
            "ORDER BY commendation_id",
            (kind.value, key),
        )
        return [_row_to_commendation(r) for r in rows]

    def iter_commendations(self) -> Iterator[Commendation]:
        """Every commendation sorted by id, read in pages."""
        for page in self._pages("commendations", "commendation_id"):
            yield from (_row_to_commendation(row) for row in page)

    def sanctions_against(self, kind: EntityKind, key: str) -> list[Sanction]:
        """Sanctions whose subject is the entity, sorted by id."""
        rows = self._query(
            "SELECT * FROM sanctions WHERE subject_kind = ? AND subject_id = ? "
            "ORDER BY sanction_id",
            (kind.value, key),
        )
        return [_row_to_sanction(r) for r in rows]

    def counts(self) -> Counts:
        """How many persons, enterprises, roles, sanctions, commendations and
        source records."""
        row = self._query(
            "SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM enterprises),"
            " (SELECT count(*) FROM roles), (SELECT count(*) FROM sanctions),"
            " (SELECT count(*) FROM commendations),"
            " (SELECT count(*) FROM source_records)"
        )[0]
        return Counts(*(int(v) for v in row))

    # -- propagation -------------------------------------------------------------
    def propagate(
        self, catalogue: Catalogue, *, full: bool = False
    ) -> PropagationReport:
        """Derive pending sanctions (all with ``full``) with derive_restrictions.

        Sanctions, roles and pending marks are read in the writing transaction, so
        a role written meanwhile either is seen or leaves its sanction pending. The
        outbox events of the difference are written in the same transaction.
        """
        started = time.perf_counter()
        cause = Cause.CATALOGUE if full else Cause.DERIVED
        with self._transaction() as cur:
            counts = _propagate_in(
                cur, catalogue, full=full, cause=cause, outbox=self.outbox
            )
        return PropagationReport(
            sanctions=counts.sanctions,
            restrictions_written=counts.written,
            restrictions_removed=counts.removed,
            seconds=time.perf_counter() - started,
            skipped=counts.skipped,
            set_aside=counts.set_aside,
        )

    def set_aside_sanctions(self) -> list[tuple[str, str]]:
        """Sanctions whose derivation failed: (id, error), sorted by id."""
        rows = self._query(
            "SELECT a.sanction_id, a.error FROM set_aside_sanctions a"
            " JOIN sanctions USING (sanction_id) ORDER BY a.sanction_id"
        )
        return [(str(row[0]), str(row[1])) for row in rows]

    def pending_sanctions(self) -> list[str]:
        """Ids of the sanctions whose restrictions wait to be derived, sorted."""
        rows = self._query(
            "SELECT sanction_id FROM pending_sanctions ORDER BY sanction_id"
        )
        return [row["sanction_id"] for row in rows]

    # -- export: everything, page by page ------------------------------------------
    def iter_persons(self) -> Iterator[Person]:
        """Every person sorted by key, read in pages."""
        for page in self._pages("persons", "person_id"):
            yield from (_row_to_person(row) for row in page)

    def iter_enterprises(self) -> Iterator[Enterprise]:
        """Every enterprise sorted by credit code, read in pages."""
        for page in self._pages("enterprises", "credit_code"):
            yield from (_row_to_enterprise(row) for row in page)

    def iter_roles(self, on: date | None = None) -> Iterator[Role]:
        """Every role (held on ``on`` when given) sorted by id, read in pages."""
        for page in self._pages("roles", "role_id"):
            roles = (_row_to_role(row) for row in page)
            yield from (r for r in roles if on is None or r.held_on(on))

    def iter_sanctions(self) -> Iterator[Sanction]:
        """Every sanction sorted by id, read in pages."""
        for page in self._pages("sanctions", "sanction_id"):
            yield from (_row_to_sanction(row) for row in page)

    def iter_restriction_facts(
        self, on: date | None = None
    ) -> Iterator[RestrictionFact]:
        """Every stored restriction (valid on ``on`` when given) sorted by
        (person_id, restriction_id), read in pages."""
        day = _iso(on)
        after = ("", "")
        while True:
            rows = self._query(
                "SELECT * FROM restrictions WHERE (person_id, restriction_id) > (?, ?)"
                " ORDER BY person_id, restriction_id LIMIT ?",
                (*after, _PAGE),
            )
            for row in rows:
                if day is None or row["valid_from"] <= day < row["valid_until"]:
                    yield _row_to_fact(row)
            if len(rows) < _PAGE:
                return
            after = (rows[-1]["person_id"], rows[-1]["restriction_id"])

    def _pages(self, table: str, key: str) -> Iterator[list[sqlite3.Row]]:
        """The rows of ``table`` by ``key`` (its primary key), page by page."""
        after = ""
        while True:
            rows = self._query(_PAGE_QUERIES[table], (after, _PAGE))
            if rows:
                yield rows
            if len(rows) < _PAGE:
                return
            after = rows[-1][key]

    def restriction_facts(
        self,
        *,
        person_id: str | None = None,
        sanction_id: str | None = None,
        on: date | None = None,
    ) -> list[RestrictionFact]:
        """Stored restrictions of a person and/or a sanction, valid on ``on``.

        The conditions are fixed text joined for the keys given (values stay
        parameters): a ``? IS NULL OR person_id = ?`` form keeps SQLite from the
        person and sanction indexes and scans every restriction."""
        where: list[str] = []
        params: list[str] = []
        if person_id is not None:
            where.append("person_id = ?")
            params.append(person_id)
        if sanction_id is not None:
            where.append("sanction_id = ?")
            params.append(sanction_id)
        if on is not None:
            where.append("valid_from <= ? AND ? < valid_until")
            params += [on.isoformat(), on.isoformat()]
        rows = self._query(
            "SELECT * FROM restrictions"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY restriction_id",
            tuple(params),
        )
        return [_row_to_fact(row) for row in rows]

    def roles_by_id(self, role_ids: Sequence[str]) -> list[Role]:
        """The roles with these ids (unknown ids are left out), sorted by id."""
        rows: list[sqlite3.Row] = []
        for chunk in _chunks(sorted(set(role_ids))):
            marks = ", ".join("?" * len(chunk))
            rows += self._query(
                f"SELECT * FROM roles WHERE role_id IN ({marks})", chunk
            )
        return sorted((_row_to_role(row) for row in rows), key=lambda r: r.role_id)

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
        kind = sanction.subject_kind
        table, column = _TABLE_OF[kind]
        with self._transaction() as cur:
            _require_all(
                cur, "sanctions", "sanction_id", {sanction.sanction_id}, "sanction"
            )
            _require_all(cur, table, column, {sanction.subject_id}, kind.value)
            taken = cur.execute(
                "SELECT 1 FROM sanction_events WHERE sanction_id = ? AND seq = ?",
                (event.sanction_id, event.seq),
            ).fetchone()
            if taken is not None:
                msg = (
                    f"event {event.seq} of sanction {event.sanction_id} is already "
                    "recorded (another writer was first); read its history and retry"
                )
                raise LifecycleError(msg)
            cur.execute(
                "INSERT INTO sanction_events VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    event.sanction_id,
                    event.seq,
                    event.kind.value,
                    event.on.isoformat(),
                    event.by,
                    event.reason,
                    json.dumps(event.changes, ensure_ascii=False),
                ),
            )
            cur.execute(
                "UPDATE sanctions SET subject_kind = ?, subject_id = ?, type = ?,"
                " authority = ?, decision_no = ?, decided_on = ?, violation_date = ?,"
                " display_until = ?, status = ? WHERE sanction_id = ?",
                (
                    kind.value,
                    sanction.subject_id,
                    sanction.type,
                    sanction.authority,
                    sanction.decision_no,
                    _iso(sanction.decided_on),
                    _iso(sanction.violation_date),
                    _iso(sanction.display_until),
                    sanction.status.value,
                    sanction.sanction_id,
                ),
            )
            _write_outbox(cur, outbox)
            if needs_rederive(event):
                _mark_pending(cur, [sanction.sanction_id])
                if catalogue is not None:
                    _propagate_in(
                        cur,
                        catalogue,
                        full=False,
                        cause=Cause.DERIVED,
                        touched=[sanction.sanction_id],
                        outbox=self.outbox,
                    )

    def sanction_events(self, sanction_id: str) -> list[SanctionEvent]:
        """The sanction's recorded events in (on, seq) order; [] when none."""
        rows = self._query(
            "SELECT * FROM sanction_events WHERE sanction_id = ? ORDER BY on_date, seq",
            (sanction_id,),
        )
        return [_row_to_event(row) for row in rows]

    # -- outbox (graph.outbox) ---------------------------------------------------
    def outbox_events(self, after: int = 0, limit: int = 100) -> list[OutboxEvent]:
        """Outbox events with ``seq > after``, the first ``limit``, by seq."""
        rows = self._query(
            "SELECT seq, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, limit),
        )
        return [event_from_body(json.loads(row["body"]), row["seq"]) for row in rows]

    def restrictions_to_expire(self, on: date) -> list[RestrictionFact]:
        """Stored facts whose validity ended by ``on`` (``valid_until <= on``) and
        whose last outbox event is not an end, sorted by restriction id."""
        rows = self._query(
            "SELECT r.* FROM restrictions r JOIN outbox o"
            " ON o.seq = (SELECT max(seq) FROM outbox"
            " WHERE restriction_id = r.restriction_id)"
            " WHERE r.valid_until <= ? AND o.kind != ? ORDER BY r.restriction_id",
            (on.isoformat(), ChangeKind.ENDED.value),
        )
        return [_row_to_fact(row) for row in rows]

    def append_ends(self, events: Sequence[OutboxEvent]) -> int:
        """Append ``restriction.ended`` events, each only when its restriction's
        last event is not already an end (checked in the writing transaction);
        returns how many were written."""
        with self._transaction() as cur:
            fresh = []
            for event in events:
                last = cur.execute(
                    "SELECT kind FROM outbox WHERE restriction_id = ?"
                    " ORDER BY seq DESC LIMIT 1",
                    (event.restriction_id,),
                ).fetchone()
                if last is None or last[0] != ChangeKind.ENDED.value:
                    fresh.append(event)
            _write_outbox(cur, fresh)
        return len(fresh)

    def append_new(self, events: Sequence[OutboxEvent]) -> int:
        """Append the events whose id the outbox does not hold yet."""
        with self._transaction() as cur:
            fresh = [
                event
                for event in events
                if cur.execute(
                    "SELECT 1 FROM outbox WHERE event_id = ?", (event.event_id,)
                ).fetchone()
                is None
            ]
            _write_outbox(cur, fresh)
        return len(fresh)

    def save_subscription(self, subscription: Subscription) -> None:
        """Insert or replace the subscription of ``subscription.key_id``."""
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO subscriptions VALUES (?, ?)",
                (subscription.key_id, subscription_text(subscription)),
            )

    def get_subscription(self, key_id: str) -> Subscription | None:
        """The subscription of a key, or None when it has none."""
        rows = self._query("SELECT body FROM subscriptions WHERE key_id = ?", (key_id,))
        return subscription_from_text(key_id, rows[0]["body"]) if rows else None

    def get_outbox_event(self, event_id: str) -> OutboxEvent | None:
        """The outbox event with this id, or None."""
        rows = self._query(
            "SELECT seq, body FROM outbox WHERE event_id = ?", (event_id,)
        )
        if not rows:
            return None
        return event_from_body(json.loads(rows[0]["body"]), rows[0]["seq"])

    def save_feedback(self, reports: Sequence[Feedback]) -> None:
        """Store reports, one per (event, key), atomically."""
        with self._transaction() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?)",
                [
                    (f.event_id, f.key_id, f.outcome.value, f.reason, f.at.isoformat())
                    for f in reports
                ],
            )

    def feedback(self) -> list[Feedback]:
        """Every stored report, by (event_id, key_id)."""
        rows = self._query("SELECT * FROM feedback ORDER BY event_id, key_id")
        return [
            Feedback(
                event_id=row["event_id"],
                key_id=row["key_id"],
                outcome=FeedbackOutcome(row["outcome"]),
                reason=row["reason"],
                at=datetime.fromisoformat(row["at"]),
            )
            for row in rows
        ]

    # -- webhook deliveries (graph.delivery) -----------------------------------
    def save_webhook(self, webhook: Webhook) -> None:
        """Insert or replace a key's webhook; a higher stored cursor stays."""
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO webhooks VALUES (?, ?, ?, ?) ON CONFLICT(key_id) DO UPDATE"
                " SET url = excluded.url, secret = excluded.secret,"
                " cursor = max(cursor, excluded.cursor)",
                (webhook.key_id, webhook.url, webhook.secret, webhook.cursor),
            )

    def webhooks(self) -> list[Webhook]:
        """Every webhook, by key id."""
        rows = self._query("SELECT * FROM webhooks ORDER BY key_id")
        return [Webhook(r["key_id"], r["url"], r["secret"], r["cursor"]) for r in rows]

    def enqueue_deliveries(
        self, key_id: str, deliveries: Sequence[Delivery], cursor: int
    ) -> None:
        """Add deliveries and move the webhook's cursor, atomically."""
        with self._transaction() as cur:
            cur.executemany(
                "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?)",
                [_delivery_row(d) for d in deliveries],
            )
            cur.execute(
                "UPDATE webhooks SET cursor = max(cursor, ?) WHERE key_id = ?",
                (cursor, key_id),
            )

    def pending_deliveries(self, key_id: str, limit: int) -> list[Delivery]:
        """The key's pending deliveries, by seq, the first ``limit``."""
        rows = self._query(
            "SELECT * FROM deliveries WHERE key_id = ? AND state = ?"
            " ORDER BY seq LIMIT ?",
            (key_id, DeliveryState.PENDING.value, limit),
        )
        return [_row_to_delivery(row) for row in rows]

    def save_delivery(self, delivery: Delivery) -> None:
        """Write a delivery's state, tries, next time and error."""
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?)",
                _delivery_row(delivery),
            )

    def redeliver(self, key_id: str, event_ids: Sequence[str] | None) -> int:
        """Make deliveries pending again, due now, with no tries."""
        now = datetime.now(UTC).isoformat()
        PENDING = DeliveryState.PENDING.value  # noqa: N806 - read as a constant
        with self._transaction() as cur:
            if event_ids is None:
                cur.execute(
                    "UPDATE deliveries SET state = ?, attempts = 0, next_at = ?"
                    " WHERE key_id = ? AND state = ?",
                    (
                        DeliveryState.PENDING.value,
                        now,
                        key_id,
                        DeliveryState.DEAD.value,
                    ),
                )
                return cur.rowcount
            count = 0
            for event_id in event_ids:
                cur.execute(
                    "UPDATE deliveries SET state = ?, attempts = 0, next_at = ?"
                    " WHERE key_id = ? AND event_id = ?",
                    (PENDING, now, key_id, event_id),
                )
                count += cur.rowcount
            return count

    def deliveries(self, key_id: str) -> list[Delivery]:
        """Every delivery of a key, by seq."""
        rows = self._query(
            "SELECT * FROM deliveries WHERE key_id = ? ORDER BY seq", (key_id,)
        )
        return [_row_to_delivery(row) for row in rows]

    # -- linkage -----------------------------------------------------------------
    def iter_source_records(
        self, kind: EntityKind, *, unresolved_only: bool = False
    ) -> Iterator[SourceRecord]:
        """Source records of ``kind`` sorted by (source, record_id), page by page."""
        after = ("", "")
        while True:
            rows = self._query(
                "SELECT * FROM source_records WHERE kind = ?"
                " AND (? = 0 OR entity_key IS NULL) AND (source, record_id) > (?, ?)"
                " ORDER BY source, record_id LIMIT ?",
                (kind.value, int(unresolved_only), *after, _PAGE),
            )
            yield from (_row_to_source_record(row) for row in rows)
            if len(rows) < _PAGE:
                return
            after = (rows[-1]["source"], rows[-1]["record_id"])

    def set_entity_keys(
        self, assignments: Sequence[tuple[str, str, str | None]]
    ) -> None:
        """Set the resolved entity of records: (source, record_id, entity_key)."""
        if not assignments:
            return
        with self._transaction() as cur:
            cur.executemany(
                "UPDATE source_records SET entity_key = ?"
                " WHERE source = ? AND record_id = ?",
                [(key, source, record_id) for source, record_id, key in assignments],
            )

    def replace_persons(self, persons: Sequence[Person]) -> None:
        """Create persons or overwrite every field (linkage recomputed them)."""
        if not persons:
            return
        with self._transaction() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO persons VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        p.person_id,
                        p.name,
                        _iso(p.birth_date),
                        p.sex.value if p.sex else None,
                        json.dumps(sorted(set(p.aliases)), ensure_ascii=False),
                    )
                    for p in persons
                ],
            )
            embedded_search.index_persons(
                cur, [(p.person_id, [p.name, *p.aliases]) for p in persons]
            )

    def delete_roles(self, role_ids: Sequence[str]) -> None:
        """Delete roles by id (unknown ids ignored); their sanctions turn pending."""
        if not role_ids:
            return
        with self._transaction() as cur:
            rows = _fetch_by_keys(
                cur,
                "SELECT role_id, credit_code FROM roles WHERE role_id IN ({})",
                list(role_ids),
            )
            _delete_by_keys(cur, "roles", "role_id", [row[0] for row in rows])
            _mark_pending_for_enterprises(cur, [row[1] for row in rows])
        with self._lock:
            self._graph = None

    def delete_bare_persons(self, person_ids: Sequence[str]) -> list[str]:
        """Delete those persons with no record, role or sanction; returns them."""
        if not person_ids:
            return []
        with self._transaction() as cur:
            bare = _delete_bare(cur, person_ids)
        return sorted(bare)

    def record_judgement(self, judgement: JudgementRecord) -> None:
        """Store a judgement; writing the same judgement id again changes nothing."""
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO judgements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _judgement_row(judgement),
            )

    def undo_judgement(
        self, judgement_id: str, by: str, at: datetime
    ) -> JudgementRecord:
        """Mark a judgement undone (the first undo stays); raises if unknown."""
        with self._transaction() as cur:
            cur.execute(
                "UPDATE judgements SET undone_at = coalesce(undone_at, ?),"
                " undone_by = coalesce(undone_by, ?) WHERE judgement_id = ?",
                (at.isoformat(), by, judgement_id),
            )
        rows = self._query(
            "SELECT * FROM judgements WHERE judgement_id = ?", (judgement_id,)
        )
        if not rows:
            raise EntityNotFoundError("judgement", judgement_id)
        return _row_to_judgement(rows[0])

    def judgements(self) -> list[JudgementRecord]:
        """Every judgement, undone ones included, in (at, judgement_id) order."""
        rows = self._query("SELECT * FROM judgements ORDER BY at, judgement_id")
        return [_row_to_judgement(row) for row in rows]

    def replace_candidates(
        self, record_keys: Sequence[str], candidates: Sequence[Candidate]
    ) -> None:
        """Replace the candidates of ``record_keys`` by ``candidates`` (theirs)."""
        keys = sorted(set(record_keys) | {c.record_key for c in candidates})
        if not keys:
            return
        with self._transaction() as cur:
            _delete_by_keys(cur, "candidates", "record_key", keys)
            cur.executemany(
                "INSERT OR REPLACE INTO candidates VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.record_key,
                        c.rank,
                        c.target,
                        c.score,
                        c.rule.value,
                        json.dumps(list(c.reasons), ensure_ascii=False),
                    )
                    for c in candidates
                ],
            )

    def candidates(self, record_key: str | None = None) -> list[Candidate]:
        """Stored candidates (of one record), by record key then rank."""
        rows = self._query(
            "SELECT * FROM candidates WHERE ? IS NULL OR record_key = ?"
            " ORDER BY record_key, rank",
            (record_key, record_key),
        )
        return [_row_to_candidate(row) for row in rows]

    def replace_conflicts(
        self, person_ids: Sequence[str], conflicts: Sequence[Conflict]
    ) -> None:
        """Replace the conflicts of ``person_ids`` by ``conflicts`` (theirs)."""
        keys = sorted(set(person_ids) | {c.person_id for c in conflicts})
        if not keys:
            return
        with self._transaction() as cur:
            _delete_by_keys(cur, "conflicts", "person_id", keys)
            cur.executemany(
                "INSERT OR REPLACE INTO conflicts VALUES (?, ?, ?, ?)",
                [
                    (c.person_id, c.record_key, c.kind.value, c.detail)
                    for c in conflicts
                ],
            )

    def conflicts(self, person_id: str | None = None) -> list[Conflict]:
        """Stored conflicts (of one person), by person, record key and kind."""
        rows = self._query(
            "SELECT * FROM conflicts WHERE ? IS NULL OR person_id = ?"
            " ORDER BY person_id, record_key, kind",
            (person_id, person_id),
        )
        return [_row_to_conflict(row) for row in rows]

    def _rows_by_keys(
        self, sql_template: str, keys: Sequence[str]
    ) -> list[sqlite3.Row]:
        """Rows of a ``... IN ({})`` query over ``keys``, chunked (fixed SQL only)."""
        with self._lock:
            cur = self._conn.cursor()
            cur.row_factory = sqlite3.Row
            return cast("list[sqlite3.Row]", _fetch_by_keys(cur, sql_template, keys))

    def delete_source_records(self, keys: Sequence[str]) -> None:
        """Delete records and the roles they stated; their link states turn pending."""
        pairs = sorted({_split_key(k) for k in keys})
        if not pairs:
            return
        with self._transaction() as cur:
            codes = [
                row[0]
                for pair in pairs
                for row in cur.execute(
                    "SELECT credit_code FROM roles WHERE source = ? AND record_id = ?",
                    pair,
                )
            ]
            cur.executemany(
                "DELETE FROM roles WHERE source = ? AND record_id = ?", pairs
            )
            _mark_pending_for_enterprises(cur, codes)
            deleted = [
                (f"{row[0]}#{row[1]}", row[2])
                for pair in pairs
                for row in cur.execute(
                    "SELECT source, record_id, entity_key FROM source_records"
                    " WHERE source = ? AND record_id = ? AND kind = 'person'",
                    pair,
                )
            ]
            _mark_link_pending(cur, [key for key, _ in deleted])
            cur.executemany(
                "UPDATE record_links SET filed = ? WHERE record_key = ?",
                [(entity, key) for key, entity in deleted],
            )
            cur.executemany(
                "DELETE FROM source_records WHERE source = ? AND record_id = ?", pairs
            )
            _delete_bare(cur, [entity for _, entity in deleted if entity])
        with self._lock:
            self._graph = None

    def source_records_by_key(self, keys: Sequence[str]) -> list[SourceRecord]:
        """The source records with these keys, sorted by key."""
        found: list[sqlite3.Row] = []
        with self._lock:
            cur = self._conn.cursor()
            cur.row_factory = sqlite3.Row
            for pair in sorted({_split_key(k) for k in keys}):
                found.extend(
                    cur.execute(
                        "SELECT * FROM source_records"
                        " WHERE source = ? AND record_id = ?",
                        pair,
                    )
                )
        return sorted((_row_to_source_record(r) for r in found), key=lambda r: r.key)

    def roles_of_records(self, keys: Sequence[str]) -> list[Role]:
        """Roles stated by these records (same source and record id), by role id."""
        found: list[sqlite3.Row] = []
        with self._lock:
            cur = self._conn.cursor()
            cur.row_factory = sqlite3.Row
            for pair in sorted({_split_key(k) for k in keys}):
                found.extend(
                    cur.execute(
                        "SELECT * FROM roles WHERE source = ? AND record_id = ?", pair
                    )
                )
        return sorted((_row_to_role(r) for r in found), key=lambda r: r.role_id)

    def get_persons(self, person_ids: Sequence[str]) -> list[Person]:
        """The persons with these keys, sorted by key."""
        rows = self._rows_by_keys(
            "SELECT * FROM persons WHERE person_id IN ({})", person_ids
        )
        return sorted((_row_to_person(r) for r in rows), key=lambda p: p.person_id)

    def get_enterprises(self, credit_codes: Sequence[str]) -> list[Enterprise]:
        """The enterprises with these codes, sorted by code."""
        rows = self._rows_by_keys(
            "SELECT * FROM enterprises WHERE credit_code IN ({})", credit_codes
        )
        return sorted(
            (_row_to_enterprise(r) for r in rows), key=lambda e: e.credit_code
        )

    def roles_page(
        self,
        kind: EntityKind,
        key: str,
        on: date | None,
        *,
        skip: int,
        limit: int,
    ) -> list[Role]:
        """A page of neighbours, from the roles table's (end, role_id) index."""
        sql = _ROLES_PAGE_SQL[kind]
        day = _iso(on)
        with self._lock:
            cur = self._conn.cursor()
            cur.row_factory = sqlite3.Row
            rows = cur.execute(sql, (key, day, day, day, limit, skip))
            return [_row_to_role(r) for r in rows.fetchall()]

    def co_holders(
        self,
        credit_codes: Sequence[str],
        on: date | None,
        *,
        exclude: str,
        skip: int,
        limit: int,
    ) -> list[tuple[str, tuple[str, ...]]]:
        """A page of the other holders, grouped and ordered in SQL."""
        codes = sorted(set(credit_codes))
        if not codes:
            return []
        day = _iso(on)
        sql = (
            "SELECT person_id, group_concat(DISTINCT credit_code) FROM roles"
            f" WHERE credit_code IN ({', '.join('?' * len(codes))})"
            " AND person_id <> ?" + _HELD_SQL + " GROUP BY person_id"
            " ORDER BY person_id LIMIT ? OFFSET ?"
        )
        with self._lock:
            rows = self._conn.execute(
                sql, (*codes, exclude, day, day, day, limit, skip)
            ).fetchall()
        return [(key, tuple(sorted(via.split(",")))) for key, via in rows]

    def search_candidates(self, lookup: SearchLookup) -> SearchCandidates:
        """The candidates of one search, read under one lock (one snapshot)."""

        def holders(
            kind: EntityKind, exact: Sequence[str], grams: Sequence[str]
        ) -> list[str]:
            if not exact and not grams:
                return []
            found = embedded_search.postings(
                self._conn, kind, exact, grams, lookup.limit
            )
            return sorted({key for keys in found.values() for key in keys})

        def persons(keys: Sequence[str]) -> tuple[Named, ...]:
            rows = self._rows_by_keys(
                "SELECT person_id, name, aliases FROM persons WHERE person_id IN ({})",
                keys,
            )
            found = (Named(r[0], r[1], tuple(sorted(json.loads(r[2])))) for r in rows)
            return tuple(sorted(found, key=lambda n: n.key))

        def firms(keys: Sequence[str]) -> tuple[Named, ...]:
            rows = self._rows_by_keys(
                "SELECT credit_code, name FROM enterprises WHERE credit_code IN ({})",
                keys,
            )
            return tuple(sorted((Named(r[0], r[1]) for r in rows), key=lambda n: n.key))

        with self._lock:
            claims: tuple[str, ...] = ()
            if lookup.legacy_id is not None:
                claims = self.enterprises_by_legacy_id([lookup.legacy_id]).get(
                    lookup.legacy_id, ()
                )
            by_id = [lookup.person_id] if lookup.person_id else []
            by_code = [lookup.credit_code] if lookup.credit_code else []
            return SearchCandidates(
                persons_by_id=persons(by_id),
                persons=persons(
                    holders(EntityKind.PERSON, lookup.person_exact, lookup.person_grams)
                ),
                enterprises_by_code=firms(by_code),
                enterprises_by_legacy_id=firms(claims),
                enterprises=firms(
                    holders(
                        EntityKind.ENTERPRISE,
                        lookup.enterprise_exact,
                        lookup.enterprise_grams,
                    )
                ),
            )

    def candidates_of(self, record_keys: Sequence[str]) -> list[Candidate]:
        """Stored candidates of these records, by record key then rank."""
        rows = self._rows_by_keys(
            "SELECT * FROM candidates WHERE record_key IN ({})", record_keys
        )
        found = [_row_to_candidate(r) for r in rows]
        return sorted(found, key=lambda c: (c.record_key, c.rank))

    def conflicts_of(self, person_ids: Sequence[str]) -> list[Conflict]:
        """Stored conflicts of these persons, by person, record key and kind."""
        rows = self._rows_by_keys(
            "SELECT * FROM conflicts WHERE person_id IN ({})", person_ids
        )
        found = [_row_to_conflict(r) for r in rows]
        return sorted(found, key=lambda c: (c.person_id, c.record_key, c.kind.value))

    def record_links(self, *, pending_only: bool = False) -> list[RecordLink]:
        """Link states (the pending ones only), by record key."""
        rows = self._query(
            "SELECT * FROM record_links WHERE ? = 0 OR pending = 1 ORDER BY record_key",
            (int(pending_only),),
        )
        return [_row_to_record_link(row) for row in rows]

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
        dates = [d.isoformat() for d in births]
        wanted = (keys, numbers, texts, sounds, dates, dates, entities)
        found: dict[str, RecordLink] = {}
        for column, values in zip(_LINK_LOOKUPS, wanted, strict=True):
            for row in self._rows_by_keys(
                f"SELECT * FROM record_links WHERE {column} IN ({{}})", values
            ):
                link = _row_to_record_link(row)
                found[link.key] = link
        return [found[k] for k in sorted(found)]

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
        with self._transaction() as cur:
            stored: dict[str, int] = {
                row[0]: row[1]
                for row in _fetch_by_keys(
                    cur,
                    "SELECT record_key, rev FROM record_links WHERE record_key IN ({})",
                    sorted({k.key for k in (*links, *forget)}),
                )
            }
            moved = {k.key for k in (*links, *forget) if stored.get(k.key, 0) != k.rev}
            cur.executemany(
                "INSERT INTO record_links(record_key, entity, number, text, sound,"
                " birth, born, pending, filed, rev)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, ?)"
                " ON CONFLICT(record_key) DO UPDATE SET entity = excluded.entity,"
                " number = excluded.number, text = excluded.text,"
                " sound = excluded.sound, birth = excluded.birth,"
                " born = excluded.born, pending = 0, filed = NULL",
                [(*_link_keys(k), k.rev) for k in links if k.key not in moved],
            )
            # written or deleted since the link read it: where that link filed the
            # record, still pending (revision and filed as the loader left them)
            cur.executemany(
                "UPDATE record_links SET entity = ?, number = ?, text = ?, sound = ?,"
                " birth = ?, born = ? WHERE record_key = ?",
                [(*_link_keys(k)[1:], k.key) for k in links if k.key in moved],
            )
            _delete_by_keys(
                cur,
                "record_links",
                "record_key",
                sorted({k.key for k in forget} - moved),
            )
            if complete:
                cur.execute(
                    "INSERT OR REPLACE INTO link_meta VALUES ('complete', 'true')"
                )
        return sorted(moved)

    def links_complete(self) -> bool:
        """Whether a full link stored the state of every person record."""
        return bool(self._query("SELECT 1 FROM link_meta WHERE key = 'complete'"))

    def acquire_link_lease(self, holder: str, ttl: timedelta) -> LinkLease:
        """Take (or renew) the link lease unless another holds it unexpired; the
        lease in force. One IMMEDIATE transaction: other processes wait."""
        with self._transaction() as cur:
            now = datetime.now(UTC)
            row = cur.execute(
                "SELECT holder, since, expires FROM link_lease WHERE name = 'link'"
            ).fetchone()
            held = None if row is None else _lease(row)
            if held is not None and held.holder != holder and held.expires > now:
                return held
            since = held.since if held is not None and held.holder == holder else now
            lease = LinkLease(holder, since, now + ttl)
            cur.execute(
                "INSERT OR REPLACE INTO link_lease VALUES ('link', ?, ?, ?)",
                (holder, since.isoformat(), lease.expires.isoformat()),
            )
            return lease

    def release_link_lease(self, holder: str) -> None:
        """Drop the link lease if ``holder`` holds it."""
        with self._transaction() as cur:
            cur.execute(
                "DELETE FROM link_lease WHERE name = 'link' AND holder = ?", (holder,)
            )

    def link_lease(self) -> LinkLease | None:
        """The link lease as stored, or None."""
        rows = self._query(
            "SELECT holder, since, expires FROM link_lease WHERE name = 'link'"
        )
        return _lease(tuple(rows[0])) if rows else None

    # -- access: API keys and audit anchors ---------------------------------------
    def save_api_key(self, key: ApiKey) -> None:
        """Insert or replace the key with this ``key_id``."""
        row = api_key_row(key)
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO api_keys (key_id, name, role, secret_hash,"
                " created_at, expires_at, revoked_at, person_id) VALUES (:key_id,"
                " :name, :role, :secret_hash, :created_at, :expires_at, :revoked_at,"
                " :person_id)",
                row,
            )

    def get_api_key(self, key_id: str) -> ApiKey | None:
        """The key with this id (revoked and expired ones too), or None."""
        rows = self._query("SELECT * FROM api_keys WHERE key_id = ?", (key_id,))
        return api_key_from_row(dict(rows[0])) if rows else None

    def api_keys(self) -> list[ApiKey]:
        """Every key ever created, by creation time then id."""
        rows = self._query("SELECT * FROM api_keys ORDER BY created_at, key_id")
        return [api_key_from_row(dict(row)) for row in rows]

    # -- authorisations ----------------------------------------------------------
    def save_authorisation(self, authorisation: Authorisation) -> None:
        """Insert or replace the authorisation with this ``authorisation_id``."""
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO authorisations VALUES (:authorisation_id,"
                " :person_id, :grantee_key_id, :purpose, :granted_on, :expires_on,"
                " :recorded_by, :revoked_on)",
                authorisation_row(authorisation),
            )

    def get_authorisation(self, authorisation_id: str) -> Authorisation | None:
        """The authorisation with this id (revoked and expired ones too), or None."""
        rows = self._query(
            "SELECT * FROM authorisations WHERE authorisation_id = ?",
            (authorisation_id,),
        )
        return authorisation_from_row(dict(rows[0])) if rows else None

    def authorisations_of(self, person_id: str) -> list[Authorisation]:
        """Every authorisation the person gave, by grant date then id."""
        rows = self._query(
            "SELECT * FROM authorisations WHERE person_id = ?"
            " ORDER BY granted_on, authorisation_id",
            (person_id,),
        )
        return [authorisation_from_row(dict(row)) for row in rows]

    # -- the person's own objections and statements ------------------------------
    def save_person_request(self, request: PersonRequest) -> None:
        """Insert or replace the request with this ``request_id``."""
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO person_requests (request_id, person_id,"
                " sanction_id, kind, text, filed_on, filed_at, filed_by,"
                " objection_on, objection_seq, reviewed_on, reviewed_by) VALUES"
                " (:request_id, :person_id, :sanction_id, :kind, :text, :filed_on,"
                " :filed_at, :filed_by, :objection_on, :objection_seq, :reviewed_on,"
                " :reviewed_by)",
                person_request_row(request),
            )

    def get_person_request(self, request_id: str) -> PersonRequest | None:
        """The request with this id, or None."""
        rows = self._query(
            "SELECT * FROM person_requests WHERE request_id = ?", (request_id,)
        )
        return person_request_from_row(dict(rows[0])) if rows else None

    def person_requests(self, person_id: str | None = None) -> list[PersonRequest]:
        """The requests one person filed (every person's when None), by filing
        time then id."""
        if person_id is None:
            rows = self._query(
                "SELECT * FROM person_requests ORDER BY filed_at, request_id"
            )
        else:
            rows = self._query(
                "SELECT * FROM person_requests WHERE person_id = ?"
                " ORDER BY filed_at, request_id",
                (person_id,),
            )
        return [person_request_from_row(dict(row)) for row in rows]

    def save_audit_checkpoint(self, checkpoint: AuditCheckpoint) -> None:
        """Keep the head of an audit log at one entry (the first head stays)."""
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO audit_checkpoints VALUES (?, ?, ?, ?)",
                (
                    checkpoint.log_id,
                    checkpoint.seq,
                    checkpoint.head,
                    checkpoint.at.isoformat(),
                ),
            )

    def audit_checkpoints(self, log_id: str) -> list[AuditCheckpoint]:
        """The checkpoints kept for one audit log, by sequence number."""
        rows = self._query(
            "SELECT * FROM audit_checkpoints WHERE log_id = ? ORDER BY seq", (log_id,)
        )
        return [checkpoint_from_row(dict(row)) for row in rows]

    # -- explorer cases --------------------------------------------------------------
    def save_case(self, case: Case) -> None:
        """Insert or replace the case with this owner and name."""
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO cases VALUES (?, ?, ?, ?, ?)",
                (
                    case.owner,
                    case.name,
                    case.saved_at.isoformat(),
                    json.dumps(list(case.persons)),
                    case.content,
                ),
            )

    def get_case(self, owner: str, name: str) -> Case | None:
        """The owner's case of this name, or None."""
        rows = self._query(
            "SELECT * FROM cases WHERE owner = ? AND name = ?", (owner, name)
        )
        return _case(dict(rows[0])) if rows else None

    def cases(self, owner: str) -> list[Case]:
        """The owner's cases, by name."""
        rows = self._query(
            "SELECT * FROM cases WHERE owner = ? ORDER BY name", (owner,)
        )
        return [_case(dict(row)) for row in rows]

    def delete_case(self, owner: str, name: str) -> bool:
        """Delete the owner's case of this name; whether there was one."""
        with self._transaction() as cur:
            cur.execute("DELETE FROM cases WHERE owner = ? AND name = ?", (owner, name))
            return cur.rowcount > 0


def _case(row: dict[str, Any]) -> Case:
    return Case(
        owner=row["owner"],
        name=row["name"],
        saved_at=datetime.fromisoformat(row["saved_at"]),
        persons=tuple(json.loads(row["persons"])),
        content=row["content"],
    )


# -- helpers ---------------------------------------------------------------------


def _add_role_edge(graph: nx.MultiDiGraph, role: Role) -> None:
    graph.add_edge(
        (EntityKind.PERSON, role.person_id),
        (EntityKind.ENTERPRISE, role.credit_code),
        key=role.role_id,
        role=role,
    )


def _check_connection_bounds(max_hops: int, limit: int) -> None:
    if not 0 <= max_hops <= CONNECTION_MAX_HOPS:
        raise ValueError(f"max_hops must be 0..{CONNECTION_MAX_HOPS}, not {max_hops}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")


def _shortest_node_paths(
    pred: dict[_Node, list[_Node]], a: _Node, node: _Node
) -> Iterator[list[_Node]]:
    """Every node sequence from ``a`` to ``node`` along the BFS predecessors."""
    if node == a:
        yield [a]
        return
    for before in pred[node]:
        for path in _shortest_node_paths(pred, a, before):
            yield [*path, node]


def _connections_along(
    view: nx.MultiDiGraph, nodes: Sequence[_Node]
) -> Iterator[Connection]:
    """One connection per choice of role at each hop (parallel roles: parallel
    paths); ``view`` holds only the roles that may be followed."""
    hops: list[list[Role]] = []
    for here, there in itertools.pairwise(nodes):
        person, enterprise = (
            (here, there) if here[0] is EntityKind.PERSON else (there, here)
        )
        edges = view.get_edge_data(person, enterprise) or {}
        hops.append([cast("Role", data["role"]) for data in edges.values()])
    for roles in itertools.product(*hops):
        yield Connection(
            kinds=tuple(kind for kind, _ in nodes),
            keys=tuple(key for _, key in nodes),
            roles=roles,
        )


def _chunks(keys: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]


def _delete_by_keys(
    cur: sqlite3.Cursor, table: str, column: str, keys: Sequence[str]
) -> None:
    """Delete the rows whose ``column`` is one of ``keys`` (fixed names only)."""
    for chunk in _chunks(keys):
        marks = ", ".join("?" * len(chunk))
        cur.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)


def _fetch_by_keys(
    cur: sqlite3.Cursor, sql_template: str, keys: Sequence[str]
) -> list[tuple[Any, ...]]:
    unique = sorted(set(keys))
    found: list[tuple[Any, ...]] = []
    for chunk in _chunks(unique):
        sql = sql_template.format(", ".join("?" * len(chunk)))
        found.extend(cur.execute(sql, chunk).fetchall())
    return found


def _require_all(
    cur: sqlite3.Cursor, table: str, column: str, keys: set[str], kind: str
) -> None:
    if not keys:
        return
    present = {
        row[0]
        for row in _fetch_by_keys(
            cur,
            f"SELECT {column} FROM {table} WHERE {column} IN ({{}})",
            sorted(keys),
        )
    }
    missing = sorted(keys - present)
    if missing:
        raise EntityNotFoundError(kind, missing[0])


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _row_to_person(row: sqlite3.Row) -> Person:
    return Person(
        person_id=row["person_id"],
        name=row["name"],
        birth_date=_date(row["birth_date"]),
        sex=Sex(row["sex"]) if row["sex"] else None,
        aliases=tuple(sorted(json.loads(row["aliases"]))),
    )


def _row_to_enterprise(row: sqlite3.Row) -> Enterprise:
    return Enterprise(
        credit_code=row["credit_code"],
        name=row["name"],
        status=row["status"],
        founded_on=_date(row["founded_on"]),
        conforming=bool(row["conforming"]),
        org_code=row["org_code"],
        registration_no=row["registration_no"],
    )


_HELD_SQL: Final = """
  AND (? IS NULL OR ((since IS NULL OR since <= ?) AND (until IS NULL OR ? < until)))
"""
_ROLES_PAGE_HELD: Final = _HELD_SQL + "ORDER BY role_id LIMIT ? OFFSET ?"
_ROLES_PAGE_SQL: Final = {
    EntityKind.PERSON: "SELECT * FROM roles WHERE person_id = ?" + _ROLES_PAGE_HELD,
    EntityKind.ENTERPRISE: "SELECT * FROM roles WHERE credit_code = ?"
    + _ROLES_PAGE_HELD,
}


def _row_to_role(row: sqlite3.Row) -> Role:
    return Role(
        person_id=row["person_id"],
        credit_code=row["credit_code"],
        role=RoleType(row["type"]),
        since=_date(row["since"]),
        until=_date(row["until"]),
        source=row["source"],
        record_id=row["record_id"],
    )


def _row_to_sanction(row: sqlite3.Row) -> Sanction:
    decided_on = _date(row["decided_on"])
    assert decided_on is not None  # NOT NULL column
    return Sanction(
        sanction_id=row["sanction_id"],
        subject_kind=EntityKind(row["subject_kind"]),
        subject_id=row["subject_id"],
        type=row["type"],
        authority=row["authority"],
        decision_no=row["decision_no"],
        decided_on=decided_on,
        violation_date=_date(row["violation_date"]),
        display_until=_date(row["display_until"]),
        status=SanctionStatus(row["status"]),
    )


def _row_to_commendation(row: sqlite3.Row) -> Commendation:
    decided_on = _date(row["decided_on"])
    assert decided_on is not None  # NOT NULL column
    return Commendation(
        commendation_id=row["commendation_id"],
        subject_kind=EntityKind(row["subject_kind"]),
        subject_id=row["subject_id"],
        kind=row["kind"],
        authority=row["authority"],
        decided_on=decided_on,
        valid_until=_date(row["valid_until"]),
        source=row["source"],
        record_id=row["record_id"],
    )


def _row_to_source_record(row: sqlite3.Row) -> SourceRecord:
    raw = json.loads(row["raw"])
    return SourceRecord(
        source=row["source"],
        record_id=row["record_id"],
        kind=EntityKind(row["kind"]),
        raw=tuple(sorted(raw.items())),
        entity_key=row["entity_key"],
    )


# -- propagation -------------------------------------------------------------------

_PROPAGATION_DDL = """
CREATE TABLE IF NOT EXISTS restrictions (
    restriction_id TEXT PRIMARY KEY,
    sanction_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    measure TEXT NOT NULL,
    role_id TEXT,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS restrictions_person ON restrictions(person_id);
-- iter_restriction_facts reads facts in (person_id, restriction_id) order
CREATE INDEX IF NOT EXISTS restrictions_person_fact
    ON restrictions(person_id, restriction_id);
CREATE INDEX IF NOT EXISTS restrictions_sanction ON restrictions(sanction_id);
CREATE TABLE IF NOT EXISTS sanction_events (
    sanction_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    by_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    changes TEXT NOT NULL,
    PRIMARY KEY (sanction_id, seq)
);
CREATE TABLE IF NOT EXISTS pending_sanctions (sanction_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS set_aside_sanctions (
    sanction_id TEXT PRIMARY KEY,
    error TEXT NOT NULL
);
-- the outbox (graph.outbox): seq numbers events in commit order, never reused
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    restriction_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_restriction ON outbox(restriction_id, seq);
-- departments' reports per event (graph.execution)
CREATE TABLE IF NOT EXISTS feedback (
    event_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (event_id, key_id)
);
-- webhooks and their deliveries (graph.delivery)
CREATE TABLE IF NOT EXISTS webhooks (
    key_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    cursor INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    key_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_at TEXT NOT NULL,
    error TEXT NOT NULL,
    PRIMARY KEY (key_id, seq)
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries(key_id, state, seq);
-- department subscriptions (graph.subscriptions), JSON per key
CREATE TABLE IF NOT EXISTS subscriptions (key_id TEXT PRIMARY KEY, body TEXT NOT NULL);
"""
_PROPAGATION_TABLES = (
    "restrictions",
    "sanction_events",
    "pending_sanctions",
    "set_aside_sanctions",
    "outbox",
    "subscriptions",
    "feedback",
    "webhooks",
    "deliveries",
)


@dataclass(frozen=True, slots=True)
class _Derived:
    sanctions: int
    written: int
    removed: int
    skipped: tuple[str, ...]
    set_aside: tuple[tuple[str, str], ...]


def _propagate_in(
    cur: sqlite3.Cursor,
    catalogue: Catalogue,
    *,
    full: bool,
    cause: Cause,
    touched: Sequence[str] = (),
    outbox: bool = True,
) -> _Derived:
    """Derive pending sanctions (all with ``full``) in the caller's transaction,
    write the difference and (with ``outbox``) its outbox events."""
    cur.row_factory = sqlite3.Row
    candidates = [
        _row_to_sanction(row)
        for row in cur.execute(_SANCTIONS_TO_DERIVE[full]).fetchall()
    ]
    # a type the catalogue lacks: left as it is, and reported
    skipped = [s.sanction_id for s in candidates if catalogue.get(s.type) is None]
    sanctions = [s for s in candidates if catalogue.get(s.type) is not None]
    rules = {s.sanction_id: catalogue.rule(s.type, s.decided_on) for s in sanctions}
    roles = _roles_of_enterprises(
        cur,
        {s.subject_id for s in sanctions if s.subject_kind is EntityKind.ENTERPRISE},
    )
    derived: list[Restriction] = []
    set_aside: dict[str, str] = {}
    for sanction in sanctions:
        derived.extend(
            _derive_or_set_aside(
                sanction, roles, rules[sanction.sanction_id], set_aside
            )
        )
    # a sanction set aside keeps the facts it held
    ids = [s.sanction_id for s in sanctions if s.sanction_id not in set_aside]
    # write only the difference, as the Neo4j store does
    held = {f.restriction_id: f for f in _facts_of_sanctions(cur, ids)}
    restrictions = {r.restriction_id: r for r in derived}
    fresh = {key: restriction_fact(r) for key, r in restrictions.items()}
    stale = [(key,) for key in held if key not in fresh]
    written = [f for key, f in fresh.items() if held.get(key) != f]
    cur.executemany("DELETE FROM restrictions WHERE restriction_id = ?", stale)
    cur.executemany(
        "INSERT OR REPLACE INTO restrictions VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                f.restriction_id,
                f.sanction_id,
                f.person_id,
                f.measure,
                f.role_id,
                f.valid_from.isoformat(),
                f.valid_until.isoformat(),
            )
            for f in written
        ],
    )
    if outbox:
        by_id = {s.sanction_id: s for s in sanctions}
        _write_outbox(
            cur,
            diff_events(held, restrictions, by_id, catalogue, cause, touched=touched),
        )
    cur.executemany(
        "DELETE FROM pending_sanctions WHERE sanction_id = ?",
        [(s.sanction_id,) for s in sanctions],
    )
    cur.executemany(
        "DELETE FROM set_aside_sanctions WHERE sanction_id = ?",
        [(key,) for key in ids],
    )
    cur.executemany(
        "INSERT OR REPLACE INTO set_aside_sanctions VALUES (?, ?)",
        sorted(set_aside.items()),
    )
    return _Derived(
        sanctions=len(sanctions),
        written=len(written),
        removed=len(stale),
        skipped=tuple(sorted(skipped)[:100]),
        set_aside=_set_aside_of(cur),
    )


def _write_outbox(cur: sqlite3.Cursor, events: Sequence[OutboxEvent]) -> None:
    """Append events to the outbox; AUTOINCREMENT numbers them in commit order
    (one writer at a time: BEGIN IMMEDIATE)."""
    cur.executemany(
        "INSERT INTO outbox (event_id, restriction_id, person_id, kind, body)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (e.event_id, e.restriction_id, e.person_id, e.kind.value, encode_body(e))
            for e in events
        ],
    )


def _derive_or_set_aside(
    sanction: Sanction,
    roles: dict[str, list[Role]],
    rule: SanctionRule,
    set_aside: dict[str, str],
) -> list[Restriction]:
    """The sanction's restrictions; on failure, none and its error in ``set_aside``."""
    problem = derivation_problem(sanction, rule)
    if problem is None:
        subject_roles = (
            roles.get(sanction.subject_id, [])
            if sanction.subject_kind is EntityKind.ENTERPRISE
            else []
        )
        try:
            return derive_restrictions(sanction, subject_roles, rule)
        except (ValueError, OverflowError, LinkageError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
    set_aside[sanction.sanction_id] = problem
    return []


def _set_aside_of(cur: sqlite3.Cursor, limit: int = 100) -> tuple[tuple[str, str], ...]:
    """Set-aside sanctions that still exist, (id, error) sorted; -1: no limit."""
    rows = cur.execute(
        "SELECT a.sanction_id, a.error FROM set_aside_sanctions a"
        " JOIN sanctions USING (sanction_id) ORDER BY a.sanction_id LIMIT ?",
        (limit,),
    ).fetchall()
    return tuple((str(row[0]), str(row[1])) for row in rows)


_SANCTIONS_TO_DERIVE: dict[bool, str] = {
    # keyed by `full`
    False: "SELECT s.* FROM sanctions s JOIN pending_sanctions USING (sanction_id)"
    " ORDER BY s.sanction_id",
    True: "SELECT * FROM sanctions ORDER BY sanction_id",
}


def _mark_pending(cur: sqlite3.Cursor, sanction_ids: Iterable[str]) -> None:
    """Mark sanctions pending: their restrictions must be derived anew."""
    cur.executemany(
        "INSERT OR IGNORE INTO pending_sanctions VALUES (?)",
        [(key,) for key in sorted(set(sanction_ids))],
    )


def _mark_pending_for_enterprises(cur: sqlite3.Cursor, codes: Iterable[str]) -> None:
    """Mark pending every sanction against these enterprises (their roles changed)."""
    for chunk in _chunks(sorted(set(codes))):
        marks = ", ".join("?" * len(chunk))
        cur.execute(
            "INSERT OR IGNORE INTO pending_sanctions SELECT sanction_id FROM sanctions"
            f" WHERE subject_kind = 'enterprise' AND subject_id IN ({marks})",
            chunk,
        )


def _roles_of_enterprises(
    cur: sqlite3.Cursor, codes: set[str]
) -> dict[str, list[Role]]:
    found: dict[str, list[Role]] = {}
    for chunk in _chunks(sorted(codes)):
        marks = ", ".join("?" * len(chunk))
        rows = cur.execute(
            f"SELECT * FROM roles WHERE credit_code IN ({marks})", chunk
        ).fetchall()
        for row in rows:
            role = _row_to_role(row)
            found.setdefault(role.credit_code, []).append(role)
    return found


def _facts_of_sanctions(
    cur: sqlite3.Cursor, sanction_ids: list[str]
) -> list[RestrictionFact]:
    found: list[RestrictionFact] = []
    for chunk in _chunks(sanction_ids):
        marks = ", ".join("?" * len(chunk))
        rows = cur.execute(
            f"SELECT * FROM restrictions WHERE sanction_id IN ({marks})", chunk
        ).fetchall()
        found.extend(_row_to_fact(row) for row in rows)
    return found


def _row_to_fact(row: sqlite3.Row) -> RestrictionFact:
    return RestrictionFact(
        restriction_id=row["restriction_id"],
        sanction_id=row["sanction_id"],
        person_id=row["person_id"],
        measure=row["measure"],
        role_id=row["role_id"],
        valid_from=date.fromisoformat(row["valid_from"]),
        valid_until=date.fromisoformat(row["valid_until"]),
    )


def _row_to_event(row: sqlite3.Row) -> SanctionEvent:
    return SanctionEvent(
        sanction_id=row["sanction_id"],
        kind=EventKind(row["kind"]),
        on=date.fromisoformat(row["on_date"]),
        by=row["by_name"],
        reason=row["reason"],
        changes=tuple((name, value) for name, value in json.loads(row["changes"])),
        seq=int(row["seq"]),
    )


# -- linkage -----------------------------------------------------------------------

_PAGE = 10_000  # rows read per query by iter_source_records and the export reads

# the export reads (EmbeddedStore._pages): one page of a table after a key
_PAGE_QUERIES: Final = {
    table: f"SELECT * FROM {table} WHERE {key} > ? ORDER BY {key} LIMIT ?"
    for table, key in (
        ("persons", "person_id"),
        ("enterprises", "credit_code"),
        ("roles", "role_id"),
        ("sanctions", "sanction_id"),
        ("commendations", "commendation_id"),
    )
}

_LINKAGE_DDL = """
CREATE TABLE IF NOT EXISTS judgements (
    judgement_id TEXT PRIMARY KEY,
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    verdict TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL,
    undone_at TEXT,
    undone_by TEXT
);
CREATE TABLE IF NOT EXISTS candidates (
    record_key TEXT NOT NULL,
    rank INTEGER NOT NULL,
    target TEXT NOT NULL,
    score REAL NOT NULL,
    rule TEXT NOT NULL,
    reasons TEXT NOT NULL,
    PRIMARY KEY (record_key, rank)
);
CREATE TABLE IF NOT EXISTS conflicts (
    person_id TEXT NOT NULL,
    record_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (person_id, record_key, kind)
);
CREATE TABLE IF NOT EXISTS record_links (
    record_key TEXT PRIMARY KEY,
    entity TEXT,
    number TEXT,
    text TEXT,
    sound TEXT,
    birth TEXT,
    born TEXT,
    pending INTEGER NOT NULL DEFAULT 0,
    filed TEXT,
    rev INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS record_links_entity ON record_links(entity);
CREATE INDEX IF NOT EXISTS record_links_number ON record_links(number);
CREATE INDEX IF NOT EXISTS record_links_text ON record_links(text);
CREATE INDEX IF NOT EXISTS record_links_sound ON record_links(sound);
CREATE INDEX IF NOT EXISTS record_links_birth ON record_links(birth);
CREATE INDEX IF NOT EXISTS record_links_born ON record_links(born);
CREATE INDEX IF NOT EXISTS record_links_pending ON record_links(pending)
    WHERE pending = 1;
CREATE INDEX IF NOT EXISTS roles_provenance ON roles(source, record_id);
CREATE TABLE IF NOT EXISTS link_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS link_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    since TEXT NOT NULL,
    expires TEXT NOT NULL
);
"""
_LINKAGE_TABLES = (
    "judgements",
    "candidates",
    "conflicts",
    "record_links",
    "link_meta",
    "link_lease",
)
# record_links columns added after the table was first shipped: (name, definition),
# added by ALTER TABLE to the files of older credlinks
_LATER_LINK_COLUMNS = (("filed", "TEXT"), ("rev", "INTEGER NOT NULL DEFAULT 0"))
# record_links columns that find_record_links looks up, by keyword
_LINK_LOOKUPS = ("record_key", "number", "text", "sound", "birth", "born", "entity")


def _delete_bare(cur: sqlite3.Cursor, person_ids: Sequence[str]) -> list[str]:
    """Delete the persons no role, person record or sanction refers to; them."""
    bare = [
        row[0]
        for row in _fetch_by_keys(
            cur,
            "SELECT person_id FROM persons p WHERE person_id IN ({})"
            " AND NOT EXISTS (SELECT 1 FROM roles r"
            "                 WHERE r.person_id = p.person_id)"
            " AND NOT EXISTS (SELECT 1 FROM source_records s"
            "                 WHERE s.entity_key = p.person_id"
            "                 AND s.kind = 'person')"
            " AND NOT EXISTS (SELECT 1 FROM sanctions x"
            "                 WHERE x.subject_kind = 'person'"
            "                 AND x.subject_id = p.person_id)"
            " AND NOT EXISTS (SELECT 1 FROM commendations c"
            "                 WHERE c.subject_kind = 'person'"
            "                 AND c.subject_id = p.person_id)",
            list(person_ids),
        )
    ]
    _delete_by_keys(cur, "persons", "person_id", bare)
    embedded_search.unindex(cur, EntityKind.PERSON, bare)
    return bare


def _add_missing_link_columns(conn: sqlite3.Connection) -> None:
    """Add the record_links columns a file written by an older credlink lacks."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(record_links)")}
    for name, definition in _LATER_LINK_COLUMNS:
        if name not in have:
            conn.execute(f"ALTER TABLE record_links ADD COLUMN {name} {definition}")


def _add_missing_key_columns(conn: sqlite3.Connection) -> None:
    """Add the api_keys columns a file written by an older credlink lacks (the
    key's person, for keys bound to one)."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(api_keys)")}
    if "person_id" not in have:
        conn.execute("ALTER TABLE api_keys ADD COLUMN person_id TEXT")


def _mark_link_pending(cur: sqlite3.Cursor, keys: Iterable[str]) -> None:
    """Mark the link state of person records pending and raise its revision
    (created when missing)."""
    cur.executemany(
        "INSERT INTO record_links(record_key, pending, rev) VALUES (?, 1, 1)"
        " ON CONFLICT(record_key) DO UPDATE SET pending = 1, rev = rev + 1",
        [(key,) for key in sorted(set(keys))],
    )


def _link_keys(k: RecordLink) -> tuple[str | None, ...]:
    """(key, entity, number, text, sound, birth, born) of a link state, as stored."""
    return (k.key, k.entity, k.number, k.text, k.sound, _iso(k.birth), _iso(k.born))


def _lease(row: tuple[str, str, str]) -> LinkLease:
    return LinkLease(
        row[0], datetime.fromisoformat(row[1]), datetime.fromisoformat(row[2])
    )


def _row_to_record_link(row: sqlite3.Row) -> RecordLink:
    return RecordLink(
        key=row["record_key"],
        entity=row["entity"],
        number=row["number"],
        text=row["text"],
        sound=row["sound"],
        birth=_date(row["birth"]),
        born=_date(row["born"]),
        pending=bool(row["pending"]),
        filed=row["filed"],
        rev=row["rev"],
    )


def _split_key(key: str) -> tuple[str, str]:
    source, _, record_id = key.rpartition("#")
    return source, record_id


def _judgement_row(j: JudgementRecord) -> tuple[str | None, ...]:
    return (
        j.judgement_id,
        j.a,
        j.b,
        j.verdict.value,
        j.by,
        j.at.isoformat(),
        j.reason,
        j.undone_at.isoformat() if j.undone_at else None,
        j.undone_by,
    )


def _row_to_candidate(row: sqlite3.Row) -> Candidate:
    return Candidate(
        record_key=row["record_key"],
        target=row["target"],
        score=row["score"],
        rule=CandidateRule(row["rule"]),
        reasons=tuple(json.loads(row["reasons"])),
        rank=row["rank"],
    )


def _row_to_conflict(row: sqlite3.Row) -> Conflict:
    return Conflict(
        row["person_id"], row["record_key"], ConflictKind(row["kind"]), row["detail"]
    )


def _row_to_judgement(row: sqlite3.Row) -> JudgementRecord:
    undone = row["undone_at"]
    return JudgementRecord(
        judgement_id=row["judgement_id"],
        a=row["a"],
        b=row["b"],
        verdict=Judgement(row["verdict"]),
        by=row["by_name"],
        at=datetime.fromisoformat(row["at"]),
        reason=row["reason"],
        undone_at=datetime.fromisoformat(undone) if undone else None,
        undone_by=row["undone_by"],
    )


def _delivery_row(d: Delivery) -> tuple[Any, ...]:
    return (d.key_id, d.seq, d.event_id, d.state.value, d.attempts,
            d.next_at.isoformat(), d.error)  # fmt: skip


def _row_to_delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        key_id=row["key_id"],
        seq=row["seq"],
        event_id=row["event_id"],
        state=DeliveryState(row["state"]),
        attempts=row["attempts"],
        next_at=datetime.fromisoformat(row["next_at"]),
        error=row["error"],
    )
