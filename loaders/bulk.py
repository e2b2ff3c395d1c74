"""Bulk path: a first load of a large registry into an empty Neo4j with neo4j-admin.

An online load (:func:`loaders.pipeline.load_folder`) sends every batch through
``MERGE``. For a first load into an empty database ``neo4j-admin database import
full`` is far faster: it writes the store files directly from CSV files. This module
writes those files and runs the tool from the same installation as the local
launcher (``docker/neo4j_launcher.py``).

The rows take exactly the online path: :func:`write_import_files` runs
``load_folder`` into an in-memory sink that applies the write semantics of
:mod:`graph.store` (first non-empty name wins and other names become aliases,
fields fill in when unknown, roles by ``role_id``, a later write of a sanction or a
source record replaces it, endpoints must exist). Readers, row interpretation,
stubs, batches and quarantine are the pipeline's own, so a bulk import reads back
identically to an online load of the same folder.

Memory: persons, enterprises and sanctions are merged in dicts; roles and source
records stream to their files as they come, and only their keys are kept (with the
position of the last write, so that a key written twice keeps its last version).

Dates are written as Neo4j ``date`` values, enterprise ``conforming`` as a boolean,
aliases as a ``string[]`` split on U+001F. Strings are always quoted, so an empty
string stays an empty string; an absent value is an empty unquoted field, which the
tool leaves unset, as ``SET x = null`` does online. Neo4j Community cannot create
constraints during the import: the schema is applied when a ``Neo4jStore`` first
opens the started server.

The module also computes :func:`content_checksum`, a digest of everything a store
answers about a registry through the ``GraphStore`` protocol: two stores with the
same checksum over the same :class:`RegistryKeys` hold the same graph.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import (
    IO,
    TYPE_CHECKING,
    Final,
    Generic,
    Protocol,
    TypeAlias,
    TypeVar,
    cast,
)

from graph.errors import EntityNotFoundError, GraphUnavailableError
from graph.model import (
    Counts,
    Enterprise,
    EntityKind,
    Person,
    Sanction,
    Sex,
)
from linkage.search_keys import enterprise_keys, person_keys
from loaders.pipeline import LoadReport, load_folder

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable, Sequence
    from datetime import date

    from neo4j_launcher import ServerInfo

    from graph.model import Commendation, Role, SourceRecord
    from graph.store import GraphStore

    # name, birth_date, sex, aliases
    _PersonState: TypeAlias = tuple[str, date | None, Sex | None, tuple[str, ...]]
    # name, status, founded_on, conforming, org_code, registration_no
    _EnterpriseState: TypeAlias = tuple[
        str, str | None, date | None, bool, str | None, str | None
    ]

_Key = TypeVar("_Key", str, tuple[str, str])

DATABASE: Final = "neo4j"
"""The database the bulk path fills (Neo4j Community has only this one)."""

ARRAY_DELIMITER: Final = "\x1f"
"""Separates the elements of ``aliases`` in the import files (no name holds it)."""


def search_keys_cell(keys: Sequence[str]) -> str:
    """The ``search_keys`` cell of a node (``linkage.search_keys``; keys hold only
    letters, digits and ``_``, so they need no quoting)."""
    return ARRAY_DELIMITER.join(keys)


PERSON_HEADER: Final = (
    "person_id:ID(Person)",
    "name",
    "birth_date:date",
    "sex",
    "aliases:string[]",
    "search_keys:string[]",
)
ENTERPRISE_HEADER: Final = (
    "credit_code:ID(Enterprise)",
    "name",
    "status",
    "founded_on:date",
    "conforming:boolean",
    "org_code",
    "registration_no",
    "search_keys:string[]",
)
SANCTION_HEADER: Final = (
    "sanction_id:ID(Sanction)",
    "subject_kind",
    "subject_id",
    "type",
    "authority",
    "decision_no",
    "decided_on:date",
    "violation_date:date",
    "display_until:date",
    "status",
)
COMMENDATION_HEADER: Final = (
    "commendation_id:ID(Commendation)",
    "subject_kind",
    "subject_id",
    "kind",
    "authority",
    "decided_on:date",
    "valid_until:date",
    "source",
    "record_id",
)
SOURCE_RECORD_HEADER: Final = (
    "key:ID(SourceRecord)",
    "source",
    "record_id",
    "kind",
    "raw",
    "entity_key",
)
ROLE_HEADER: Final = (
    ":START_ID(Person)",
    ":END_ID(Enterprise)",
    "role_id",
    "type",
    "since:date",
    "until:date",
    "source",
    "record_id",
)
AGAINST_HEADERS: Final[dict[EntityKind, tuple[str, str]]] = {
    EntityKind.PERSON: (":START_ID(Sanction)", ":END_ID(Person)"),
    EntityKind.ENTERPRISE: (":START_ID(Sanction)", ":END_ID(Enterprise)"),
}
"""Headers of the import files: ``name:type`` columns and the ID spaces."""


class AdminTool(Protocol):
    """Runs ``neo4j-admin ARGS`` against a server home (the launcher's ``admin``)."""

    def __call__(
        self, home: Path | None = None, *args: str, heap: str = ..., check: bool = ...
    ) -> subprocess.CompletedProcess[str]:
        """The finished process, output captured as text."""
        ...


class Launcher(Protocol):
    """What the bulk path needs of ``docker/neo4j_launcher.py`` (the module fits)."""

    def status(self, home: Path | None = None) -> ServerInfo | None:
        """The running server of ``home``, or None."""
        ...

    def start(
        self,
        home: Path | None = None,
        *,
        auth: bool = ...,
        heap: str = ...,
        pagecache: str = ...,
    ) -> ServerInfo:
        """Start the server of ``home`` and return once it answers."""
        ...

    def admin(
        self, home: Path | None = None, *args: str, heap: str = ..., check: bool = ...
    ) -> subprocess.CompletedProcess[str]:
        """Run ``neo4j-admin ARGS`` against ``home``."""
        ...


@dataclass(frozen=True, slots=True)
class ImportFiles:
    """The CSV files of one registry for ``neo4j-admin database import full``.

    ``nodes`` and ``relationships`` pair a label or type with a file whose first
    line is its header. ``counts`` is what the import creates; ``report`` is the
    load report of the rows read (quarantined rows included).
    """

    directory: Path
    nodes: tuple[tuple[str, Path], ...]
    relationships: tuple[tuple[str, Path], ...]
    multiline: bool
    counts: Counts
    report: LoadReport

    def arguments(
        self,
        *,
        database: str = DATABASE,
        overwrite: bool = False,
        threads: int | None = None,
        max_off_heap: str | None = None,
    ) -> list[str]:
        """The arguments of ``neo4j-admin`` that import these files.

        Any bad entry aborts the import (``--bad-tolerance=0``): the files are
        deduplicated and every relationship has both endpoints, so a bad entry is
        a bug, never data to skip.
        """
        args = ["database", "import", "full"]
        args += [f"--nodes={label}={path}" for label, path in self.nodes]
        args += [f"--relationships={kind}={path}" for kind, path in self.relationships]
        args += [
            f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}",
            "--bad-tolerance=0",
            "--skip-bad-relationships=false",
            "--skip-duplicate-nodes=false",
            f"--multiline-fields={str(self.multiline).lower()}",
            f"--report-file={self.directory / 'import.report'}",
            f"--overwrite-destination={str(overwrite).lower()}",
        ]
        if threads is not None:
            args.append(f"--threads={threads}")
        if max_off_heap is not None:
            args.append(f"--max-off-heap-memory={max_off_heap}")
        return [*args, database]


@dataclass(frozen=True, slots=True)
class BulkReport:
    """A finished bulk import: its files, the started server, and where time went."""

    files: ImportFiles
    server: ServerInfo
    write_seconds: float
    import_seconds: float
    start_seconds: float

    @property
    def total_seconds(self) -> float:
        """Writing the files, importing them and starting the server."""
        return self.write_seconds + self.import_seconds + self.start_seconds


@dataclass(frozen=True, slots=True)
class RegistryKeys:
    """The keys of every entity a folder loads, sorted: what a checksum reads back."""

    persons: tuple[str, ...]
    enterprises: tuple[str, ...]
    sanctions: tuple[str, ...]
    source_records: tuple[tuple[str, str], ...]  # (source, record_id)


def write_import_files(
    path: Path,
    out_dir: Path,
    *,
    strict: bool = False,
    batch_size: int = 5000,
    quarantine_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    reference: bool = False,
) -> ImportFiles:
    """Read the folder ``path`` as an online load does and write import files.

    ``out_dir`` is created (it must not hold files of another import). The
    arguments ``strict``, ``batch_size``, ``quarantine_dir``, ``progress`` and
    ``reference`` are those of :func:`~loaders.pipeline.load_folder`, which reads
    the rows.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    sink = _ImportSink(out_dir)
    try:
        report = load_folder(
            path,
            _as_store(sink),
            strict=strict,
            batch_size=batch_size,
            quarantine_dir=quarantine_dir,
            progress=progress,
            reference=reference,
        )
        return sink.finish(report)
    finally:
        sink.close()


def run_import(
    files: ImportFiles,
    home: Path,
    admin: AdminTool,
    *,
    overwrite: bool = False,
    heap: str = "1g",
    threads: int | None = None,
    max_off_heap: str | None = None,
) -> str:
    """Run ``neo4j-admin database import full`` on ``files`` into ``home``.

    The server of ``home`` must be stopped. Returns the tool's output; a failed
    import raises :class:`~graph.errors.GraphUnavailableError` with its output.
    """
    args = files.arguments(
        overwrite=overwrite, threads=threads, max_off_heap=max_off_heap
    )
    done = admin(home, *args, heap=heap)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        tail = "\n".join(output.rstrip().splitlines()[-30:])
        raise GraphUnavailableError(
            f"neo4j-admin import into {home} failed (exit {done.returncode}):\n{tail}",
            retryable=False,
        )
    return output


def bulk_import(
    path: Path,
    home: Path,
    launcher: Launcher,
    *,
    replace: bool = False,
    auth: bool = True,
    heap: str = "1g",
    pagecache: str = "512m",
    import_heap: str = "1g",
    threads: int | None = None,
    max_off_heap: str | None = None,
    keep_files: bool = False,
    strict: bool = False,
    batch_size: int = 5000,
    quarantine_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    reference: bool = False,
) -> BulkReport:
    """First load of the folder ``path`` into the Neo4j of ``home``, then start it.

    The server of ``home`` must be stopped. A ``home`` that already has a
    ``neo4j`` database is refused unless ``replace`` (its data is then lost). The
    import files go to ``HOME/import/bulk`` and are removed afterwards unless
    ``keep_files``. The server is started with ``auth``, ``heap`` and
    ``pagecache``; opening a ``Neo4jStore`` on it applies the schema.
    ``reference`` reads every row by the per-row path (no fast path).
    """
    home = home.expanduser().resolve()
    running = launcher.status(home)
    if running is not None:
        raise GraphUnavailableError(
            f"the Neo4j server of {home} is running (pid {running.pid}); stop it "
            "first: neo4j-admin writes the database files directly",
            retryable=False,
        )
    database_dir = home / "data" / "databases" / DATABASE
    if database_dir.exists() and not replace:
        raise GraphUnavailableError(
            f"{home} already has a {DATABASE} database; the bulk path is for a "
            "first load (pass replace to overwrite it, or load online)",
            retryable=False,
        )
    out_dir = home / "import" / "bulk"
    shutil.rmtree(out_dir, ignore_errors=True)
    started = time.perf_counter()
    try:
        files = write_import_files(
            path,
            out_dir,
            strict=strict,
            batch_size=batch_size,
            quarantine_dir=quarantine_dir,
            progress=progress,
            reference=reference,
        )
        written = time.perf_counter()
        run_import(
            files,
            home,
            launcher.admin,
            overwrite=replace,
            heap=import_heap,
            threads=threads,
            max_off_heap=max_off_heap,
        )
    finally:
        if not keep_files:
            shutil.rmtree(out_dir, ignore_errors=True)
    imported = time.perf_counter()
    server = launcher.start(home, auth=auth, heap=heap, pagecache=pagecache)
    return BulkReport(
        files=files,
        server=server,
        write_seconds=written - started,
        import_seconds=imported - written,
        start_seconds=time.perf_counter() - imported,
    )


# -- checksum ------------------------------------------------------------------------


def registry_keys(path: Path, *, strict: bool = False) -> RegistryKeys:
    """The keys of every entity that loading the folder ``path`` writes.

    Reads the rows as :func:`~loaders.pipeline.load_folder` does; quarantined
    rows go to a temporary folder that is removed, so ``path`` is left as it is.
    """
    with tempfile.TemporaryDirectory(prefix="credlink-keys-") as scratch:
        sink = _ImportSink(None)
        load_folder(path, _as_store(sink), strict=strict, quarantine_dir=Path(scratch))
        return sink.keys()


def content_checksum(store: GraphStore, keys: RegistryKeys) -> str:
    """SHA-256 of the counts and of everything ``store`` answers about ``keys``.

    Covers the pending marks and restriction facts, and every person (with its
    roles), enterprise, sanction and source record,
    read back through the ``GraphStore`` protocol, so two stores of either kind
    with equal checksums over the same keys hold the same graph. An entity outside
    ``keys`` changes the counts, and so the checksum.
    """
    digest = hashlib.sha256()

    def feed(value: object) -> None:
        digest.update(repr(value).encode())
        digest.update(b"\n")

    feed(store.counts())
    feed(store.pending_sanctions())
    feed(store.restriction_facts())
    for person_id in keys.persons:
        feed(store.get_person(person_id))
        feed(store.neighbours(EntityKind.PERSON, person_id))
    for credit_code in keys.enterprises:
        feed(store.get_enterprise(credit_code))
    for sanction_id in keys.sanctions:
        feed(store.get_sanction(sanction_id))
    for source, record_id in keys.source_records:
        feed(store.get_source_record(source, record_id))
    return digest.hexdigest()


# -- the sink ------------------------------------------------------------------------


class _Spool(Generic[_Key]):
    """Records streamed to an import file; the last write of a key wins.

    Each record's offset is kept; when some key was written more than once,
    :meth:`finish` copies the file without the superseded records.
    """

    def __init__(self, path: Path | None, header: Sequence[str]) -> None:
        self.path = path
        self._out: IO[bytes] | None = None
        self._last: dict[_Key, int] = {}
        self._superseded: set[int] = set()
        self._offsets = array("Q")
        self._position = 0
        if path is not None:
            self._out = path.open("wb")
            self._position = self._out.write((",".join(header) + "\n").encode())

    def __len__(self) -> int:
        return len(self._last)

    def keys(self) -> list[_Key]:
        return list(self._last)

    def add(self, key: _Key, line: str) -> None:
        index = len(self._offsets)
        previous = self._last.get(key)
        if previous is not None:
            self._superseded.add(previous)
        self._last[key] = index
        self._offsets.append(self._position)
        if self._out is not None:
            self._position += self._out.write(line.encode())

    def finish(self) -> None:
        self.close()
        if self.path is None or not self._superseded:
            return
        offsets = self._offsets
        staging = self.path.with_name(self.path.name + ".tmp")
        with self.path.open("rb") as source, staging.open("wb") as out:
            out.write(source.read(offsets[0] if offsets else self._position))
            for index, start in enumerate(offsets):
                end = offsets[index + 1] if index + 1 < len(offsets) else None
                chunk = source.read(-1 if end is None else end - start)
                if index not in self._superseded:
                    out.write(chunk)
        staging.replace(self.path)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


class _ImportSink:
    """A write-only store that collects a load for the import files.

    It applies the write semantics of :mod:`graph.store` and answers the few reads
    :func:`~loaders.pipeline.load_folder` makes (which entities exist); it is no
    GraphStore and answers no graph questions, so it is handed to the pipeline
    through :func:`_as_store`. With no directory it keeps keys only, for
    :func:`registry_keys`.
    """

    def __init__(self, directory: Path | None) -> None:
        self._directory = directory
        self._persons: dict[str, _PersonState] = {}
        self._enterprises: dict[str, _EnterpriseState] = {}
        # legacy identifier -> credit codes claiming it (enterprises_by_legacy_id)
        self._claims: dict[str, set[str]] = {}
        self._sanctions: dict[str, Sanction] = {}
        self._commendations: dict[str, Commendation] = {}
        self._roles: _Spool[str] = _Spool(self._file("roles.csv"), ROLE_HEADER)
        self._records: _Spool[tuple[str, str]] = _Spool(
            self._file("source_records.csv"), SOURCE_RECORD_HEADER
        )
        self.multiline = False

    def _file(self, name: str) -> Path | None:
        return None if self._directory is None else self._directory / name

    @property
    def location(self) -> str:
        """Where the import files go."""
        return str(self._directory or "(keys only)")

    def close(self) -> None:
        """Close the spooled files."""
        self._roles.close()
        self._records.close()

    # -- writes: the semantics of graph.store --------------------------------------
    def upsert_persons(self, persons: Sequence[Person]) -> None:
        """Create or update persons (first non-empty name wins, others are aliases)."""
        for p in persons:
            name, birth_date, sex, aliases = self._persons.get(
                p.person_id, ("", None, None, ())
            )
            if not name:
                name = next((n for n in (p.name, *p.aliases) if n), "")
                # a name that arrived as an alias is no alias once it is the name
                aliases = tuple(a for a in aliases if a != name)
            added = [
                n
                for n in dict.fromkeys((p.name, *p.aliases))
                if n and n != name and n not in aliases
            ]
            self._persons[p.person_id] = (
                name,
                birth_date or p.birth_date,
                sex or p.sex,
                (*aliases, *added) if added else aliases,
            )

    def upsert_enterprises(self, enterprises: Sequence[Enterprise]) -> None:
        """Create or update enterprises; empty values never erase known ones."""
        for e in enterprises:
            old = self._enterprises.get(e.credit_code)
            if old is None:
                old = ("", None, None, e.conforming, None, None)
            new = self._enterprises[e.credit_code] = (
                e.name or old[0],
                e.status if e.status is not None else old[1],
                e.founded_on if e.founded_on is not None else old[2],
                e.conforming,
                e.org_code if e.org_code is not None else old[4],
                e.registration_no if e.registration_no is not None else old[5],
            )
            self._claim(e.credit_code, old[4:], new[4:])

    def _claim(
        self, code: str, old: tuple[str | None, ...], new: tuple[str | None, ...]
    ) -> None:
        """Move the claims of ``code`` from its old stated identifiers to its new
        ones; the embedded organisation code (characters 9-17) is always claimed,
        as the stores' substring index does."""
        for value in set(old) - set(new) - {code[8:17]}:
            if value:
                holders = self._claims[value]
                holders.discard(code)
                if not holders:
                    del self._claims[value]
        for value in {*new, code[8:17]}:
            if value:
                self._claims.setdefault(value, set()).add(code)

    def upsert_roles(self, roles: Sequence[Role]) -> None:
        """Spool roles by ``role_id``; both endpoints must exist."""
        self._require(EntityKind.PERSON, {r.person_id for r in roles})
        self._require(EntityKind.ENTERPRISE, {r.credit_code for r in roles})
        for r in roles:
            line = csv_line(
                csv_text(r.person_id),
                csv_text(r.credit_code),
                csv_text(r.role_id),
                csv_text(r.role.value),
                csv_day(r.since),
                csv_day(r.until),
                csv_text(r.source),
                csv_text(r.record_id),
            )
            self._note_breaks(line)
            self._roles.add(r.role_id, line)

    def upsert_sanctions(self, sanctions: Sequence[Sanction]) -> None:
        """Keep sanctions by ``sanction_id`` (last write wins); subjects must exist."""
        for kind in (EntityKind.PERSON, EntityKind.ENTERPRISE):
            self._require(
                kind, {s.subject_id for s in sanctions if s.subject_kind is kind}
            )
        for s in sanctions:
            self._sanctions[s.sanction_id] = s

    def upsert_commendations(self, commendations: Sequence[Commendation]) -> None:
        """Keep commendations by id (last write wins); subjects must exist."""
        for kind in (EntityKind.PERSON, EntityKind.ENTERPRISE):
            self._require(
                kind, {c.subject_id for c in commendations if c.subject_kind is kind}
            )
        for c in commendations:
            self._commendations[c.commendation_id] = c

    def upsert_source_records(self, records: Sequence[SourceRecord]) -> None:
        """Spool source records by (source, record_id); the last write wins."""
        for r in records:
            line = csv_line(
                csv_text(r.key),
                csv_text(r.source),
                csv_text(r.record_id),
                csv_text(r.kind.value),
                csv_text(_raw_json(r)),
                csv_optional(r.entity_key),
            )
            self._note_breaks(line)
            self._records.add((sys.intern(r.source), r.record_id), line)

    # -- reads the pipeline makes ----------------------------------------------------
    def existing_keys(self, kind: EntityKind, keys: Sequence[str]) -> set[str]:
        """The subset of ``keys`` that name an entity of ``kind`` written so far."""
        known = self._persons if kind is EntityKind.PERSON else self._enterprises
        return {key for key in keys if key in known}

    def enterprises_by_legacy_id(
        self, identifiers: Sequence[str]
    ) -> dict[str, tuple[str, ...]]:
        """The credit codes of the enterprises written so far that claim each
        legacy identifier (``GraphStore.enterprises_by_legacy_id``)."""
        return {
            value: tuple(sorted(self._claims[value]))
            for value in set(identifiers)
            if value in self._claims
        }

    def get_person(self, person_id: str) -> Person | None:
        """The person as merged so far, or None."""
        state = self._persons.get(person_id)
        if state is None:
            return None
        name, birth_date, sex, aliases = state
        return Person(person_id, name, birth_date, sex, tuple(sorted(aliases)))

    def get_enterprise(self, credit_code: str) -> Enterprise | None:
        """The enterprise as merged so far, or None."""
        state = self._enterprises.get(credit_code)
        return None if state is None else Enterprise(credit_code, *state)

    def get_sanction(self, sanction_id: str) -> Sanction | None:
        """The sanction with this id, or None."""
        return self._sanctions.get(sanction_id)

    def pending_sanctions(self) -> list[str]:
        """Every sanction: each written sanction waits for propagation."""
        return sorted(self._sanctions)

    def counts(self) -> Counts:
        """What the import will create."""
        return Counts(
            persons=len(self._persons),
            enterprises=len(self._enterprises),
            roles=len(self._roles),
            sanctions=len(self._sanctions),
            commendations=len(self._commendations),
            source_records=len(self._records),
        )

    # -- output ----------------------------------------------------------------------
    def keys(self) -> RegistryKeys:
        """The sorted keys of everything written so far."""
        return RegistryKeys(
            persons=tuple(sorted(self._persons)),
            enterprises=tuple(sorted(self._enterprises)),
            sanctions=tuple(sorted(self._sanctions)),
            source_records=tuple(sorted(self._records.keys())),
        )

    def finish(self, report: LoadReport) -> ImportFiles:
        """Write the merged nodes, complete the spooled files, describe them all."""
        directory = self._directory
        assert directory is not None  # finish() is only called with files
        persons = directory / "persons.csv"
        with _writer(persons, PERSON_HEADER) as out:
            for key, (name, birth_date, sex, aliases) in self._persons.items():
                for alias in aliases:
                    if ARRAY_DELIMITER in alias:
                        raise ValueError(f"alias {alias!r} of {key} holds U+001F")
                out.write(
                    csv_line(
                        csv_text(key),
                        self._checked(name),
                        csv_day(birth_date),
                        csv_optional(sex.value if sex else None),
                        self._checked(ARRAY_DELIMITER.join(aliases)) if aliases else "",
                        search_keys_cell(person_keys(key, [name, *aliases])),
                    )
                )
        enterprises = directory / "enterprises.csv"
        with _writer(enterprises, ENTERPRISE_HEADER) as out:
            for key, e in self._enterprises.items():
                name, status, founded_on, conforming, org_code, registration_no = e
                out.write(
                    csv_line(
                        csv_text(key),
                        self._checked(name),
                        self._checked_optional(status),
                        csv_day(founded_on),
                        "true" if conforming else "false",
                        csv_optional(org_code),
                        csv_optional(registration_no),
                        search_keys_cell(enterprise_keys(name)),
                    )
                )
        sanctions = directory / "sanctions.csv"
        against = {
            kind: directory / f"against_{kind.value}.csv"
            for kind in (EntityKind.PERSON, EntityKind.ENTERPRISE)
        }
        with (
            _writer(sanctions, SANCTION_HEADER) as out,
            _writer(
                against[EntityKind.PERSON], AGAINST_HEADERS[EntityKind.PERSON]
            ) as on_person,
            _writer(
                against[EntityKind.ENTERPRISE], AGAINST_HEADERS[EntityKind.ENTERPRISE]
            ) as on_enterprise,
        ):
            for s in self._sanctions.values():
                out.write(
                    csv_line(
                        csv_text(s.sanction_id),
                        csv_text(s.subject_kind.value),
                        csv_text(s.subject_id),
                        self._checked(s.type),
                        self._checked(s.authority),
                        self._checked(s.decision_no),
                        csv_day(s.decided_on),
                        csv_day(s.violation_date),
                        csv_day(s.display_until),
                        csv_text(s.status.value),
                    )
                )
                edge = csv_line(csv_text(s.sanction_id), csv_text(s.subject_id))
                if s.subject_kind is EntityKind.PERSON:
                    on_person.write(edge)
                else:
                    on_enterprise.write(edge)
        commendations = directory / "commendations.csv"
        with _writer(commendations, COMMENDATION_HEADER) as out:
            for c in self._commendations.values():
                out.write(
                    csv_line(
                        csv_text(c.commendation_id),
                        csv_text(c.subject_kind.value),
                        csv_text(c.subject_id),
                        csv_text(c.kind),
                        self._checked(c.authority),
                        csv_day(c.decided_on),
                        csv_day(c.valid_until),
                        self._checked(c.source),
                        self._checked(c.record_id),
                    )
                )
        self._roles.finish()
        self._records.finish()
        return ImportFiles(
            directory=directory,
            nodes=(
                ("Person", persons),
                ("Enterprise", enterprises),
                # An online load leaves every sanction pending (graph.store).
                ("Sanction:Pending", sanctions),
                ("Commendation", commendations),
                ("SourceRecord", directory / "source_records.csv"),
            ),
            relationships=(
                ("ROLE", directory / "roles.csv"),
                ("AGAINST", against[EntityKind.PERSON]),
                ("AGAINST", against[EntityKind.ENTERPRISE]),
            ),
            multiline=self.multiline,
            counts=self.counts(),
            report=report,
        )

    # -- helpers -----------------------------------------------------------------------
    def _require(self, kind: EntityKind, keys: set[str]) -> None:
        known = self._persons if kind is EntityKind.PERSON else self._enterprises
        missing = sorted(key for key in keys if key not in known)
        if missing:
            raise EntityNotFoundError(kind.value, missing[0])

    def _note_breaks(self, line: str) -> None:
        """Note a line break inside the values of ``line`` (it ends with one)."""
        if line.count("\n") > 1 or "\r" in line:
            self.multiline = True

    def _checked(self, value: str) -> str:
        """A quoted free-text value; notes whether the import must allow newlines."""
        if "\n" in value or "\r" in value:
            self.multiline = True
        return csv_text(value)

    def _checked_optional(self, value: str | None) -> str:
        return "" if value is None else self._checked(value)


def _as_store(sink: _ImportSink) -> GraphStore:
    """The sink where the pipeline takes a store.

    The pipeline calls only upserts, ``existing_keys`` and ``get_*`` on a store;
    the tests of the bulk path load through every branch of it, so a call the sink
    lacks shows there as an AttributeError.
    """
    return cast("GraphStore", sink)


def csv_text(value: str) -> str:
    """A quoted CSV value (RFC 4180): an empty string stays an empty string."""
    return '"' + value.replace('"', '""') + '"'


def csv_optional(value: str | None) -> str:
    """A quoted value, or an empty unquoted field (the property stays unset)."""
    return "" if value is None else csv_text(value)


def csv_day(value: date | None) -> str:
    """A date as neo4j-admin reads a ``:date`` column; empty when absent."""
    return "" if value is None else value.isoformat()


def csv_line(*cells: str) -> str:
    """One line of an import file from its formatted cells."""
    return ",".join(cells) + "\n"


def _raw_json(record: SourceRecord) -> str:
    """The raw row as JSON text, exactly as both stores keep it."""
    return json.dumps(dict(record.raw), ensure_ascii=False, sort_keys=True)


def _writer(path: Path, header: Sequence[str]) -> IO[str]:
    """A node or relationship file opened for writing, its header written."""
    handle = path.open("w", encoding="utf-8", newline="")
    handle.write(",".join(header) + "\n")
    return handle
