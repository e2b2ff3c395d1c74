"""``load_folder``: read every input file of a folder into a store, row by row.

Files load kind by kind (enterprises, persons, roles, sanctions, commendations)
so that the endpoints of roles and the subjects of sanctions and commendations
exist before them. Rows stream
from the readers through :func:`~loaders.rows.interpret_row` into batches; each
batch is written with one upsert per entity type, endpoints before the roles and
sanctions that need them. Upserts are idempotent and each is one transaction, so
loading a folder twice changes nothing and a load killed at any point completes
when it is run again.

A role or sanction whose endpoint is in no input file gets a stub (an enterprise
with an empty name, or a person with the name the row gives) written only when
the store does not already hold the entity, so a stub never overwrites data.

A role or sanction row may name its enterprise by a legacy identifier (organisation
code, registration number). Such rows wait in the batch; when it is written, after
its enterprises, one store lookup resolves their identifiers against every
enterprise known then: those of this load (enterprises files load first) and those
the store held before. An identifier no enterprise claims, or that two claim, sends
the row to the quarantine with the reason; it loads once the enterprise is known.
"""

from __future__ import annotations

import gc
import itertools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

from graph.errors import InvalidRecordError
from graph.model import EntityKind
from linkage.enterprises import LegacyMatch
from loaders.fastpath import Outcome, fast_outcomes
from loaders.quarantine import Quarantine, QuarantinedRow
from loaders.readers import (
    InputKind,
    RowError,
    SkippedFile,
    header_problem,
    map_row,
    read_rows,
    survey_inputs,
)
from loaders.rows import PendingRow, RowResult, interpret_row

MAX_QUARANTINED_ROWS: Final = 10_000
"""Rows of one file quarantined one by one; the rest of the file is one block."""

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from graph.model import (
        Commendation,
        Enterprise,
        Person,
        Role,
        Sanction,
        SourceRecord,
    )
    from graph.store import GraphStore
    from loaders.readers import InputFile, RawRow

    _Stub = TypeVar("_Stub", Person, Enterprise)


@dataclass(frozen=True, slots=True)
class FileReport:
    """What became of one input file's data rows: read = loaded + quarantined."""

    path: Path
    kind: InputKind
    read: int
    loaded: int
    quarantined: int


@dataclass(frozen=True, slots=True)
class LoadReport:
    """The outcome of a load: one report per file, and the quarantine files written."""

    files: list[FileReport] = field(default_factory=list)
    quarantine_files: list[Path] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    refused: list[SkippedFile] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Nothing could be loaded: no input file, a file refused for its headers,
        or every row read quarantined."""
        if self.refused:
            return True
        return self.loaded == 0 and (self.read > 0 or not self.files)

    @property
    def read(self) -> int:
        """Data rows read over all files."""
        return sum(f.read for f in self.files)

    @property
    def loaded(self) -> int:
        """Rows loaded over all files."""
        return sum(f.loaded for f in self.files)

    @property
    def quarantined(self) -> int:
        """Rows quarantined over all files."""
        return sum(f.quarantined for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        """``{"files": [{"path", "read", "loaded", "quarantined"}, ...], "skipped":
        [{"path", "reason"}, ...], "refused": [{"path", "reason"}, ...]}``: files
        found but not input, and input files whose headers name no column."""
        return {
            "files": [
                {
                    "path": str(f.path),
                    "read": f.read,
                    "loaded": f.loaded,
                    "quarantined": f.quarantined,
                }
                for f in self.files
            ],
            "skipped": [
                {"path": str(f.path), "reason": f.reason} for f in self.skipped
            ],
            "refused": [
                {"path": str(f.path), "reason": f.reason} for f in self.refused
            ],
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text (Chinese kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


def load_folder(
    path: Path,
    store: GraphStore,
    *,
    strict: bool = False,
    batch_size: int = 5000,
    quarantine_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    max_quarantined: int = MAX_QUARANTINED_ROWS,
    reference: bool = False,
) -> LoadReport:
    """Load every input file under ``path`` (a folder or one file) into ``store``.

    Rows that cannot be interpreted go to the quarantine folder (default: a
    ``quarantine`` folder inside ``path``, or beside it when ``path`` is a file),
    which discovery skips. With ``strict`` the first such row raises
    :class:`~graph.errors.InvalidRecordError` instead and nothing is quarantined;
    rows with an invalid ID number are loaded as unresolved source records either
    way. ``progress`` is called after each written batch with the number of rows
    read so far. Once ``max_quarantined`` rows of one file are rejected, the rest
    of that file is counted (read, not interpreted) and quarantined as one block
    row that gives the count: a broken file (an unclosed quote, the wrong kind of
    file) costs time proportional to its bytes and a bounded quarantine.

    Plain CSV files of persons, enterprises and roles are read by the fast path
    (:mod:`loaders.fastpath`), with the same outcome row for row; ``reference``
    reads every file row by row instead.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive: {batch_size}")
    if not path.exists():
        raise FileNotFoundError(path)
    base = path if path.is_dir() else path.parent
    qdir = quarantine_dir if quarantine_dir is not None else base / "quarantine"
    if path.resolve().is_relative_to(qdir.resolve()):
        raise ValueError(f"the quarantine folder {qdir} holds the input {path}")
    files, skipped = survey_inputs(path, exclude=qdir)
    return load_files(
        files,
        store,
        quarantine_dir=qdir,
        strict=strict,
        batch_size=batch_size,
        progress=progress,
        skipped=skipped,
        max_quarantined=max_quarantined,
        reference=reference,
    )


def load_files(
    files: Sequence[InputFile],
    store: GraphStore,
    *,
    quarantine_dir: Path,
    rows_of: Callable[[InputFile], Iterator[RawRow]] = read_rows,
    strict: bool = False,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    skipped: Sequence[SkippedFile] = (),
    max_quarantined: int = MAX_QUARANTINED_ROWS,
    reference: bool = False,
) -> LoadReport:
    """Load ``files`` in their order, rows read by ``rows_of``, as :func:`load_folder`.

    For inputs that are not a folder of files (``loaders.ftm`` reads one
    FollowTheMoney file as four inputs): every row takes the path of a folder's,
    through :func:`~loaders.rows.interpret_row`, batches, stubs and quarantine. A
    file whose headers name no column of its kind is refused before any row loads.
    The fast path reads only when ``rows_of`` is :func:`~loaders.readers.read_rows`
    and ``reference`` is not set.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive: {batch_size}")
    refused: list[SkippedFile] = []
    quarantine = Quarantine(quarantine_dir)
    reports: list[FileReport] = []
    total = 0
    rejected = 0

    def reject(file: InputFile, raw: RawRow, error: RowError) -> None:
        nonlocal rejected
        if strict:
            raise InvalidRecordError(file.name, raw.line, error.field, error.reason)
        quarantine.add(_quarantined(file, raw.line, error, raw))
        rejected += 1

    batch = _Batch(store, reject)

    def flush() -> None:
        batch.flush()
        # What a load keeps (a sink's dicts, memos, caches) is long-lived: the
        # collector's full passes need not scan it again after every batch.
        gc.freeze()
        if progress is not None:
            progress(total)

    try:
        for file in files:
            read = rejected = 0
            fast = (
                None if reference or rows_of is not read_rows else fast_outcomes(file)
            )
            outcomes = fast if fast is not None else _reference_outcomes(file, rows_of)
            first = next(outcomes, None)
            if fast is None and first is not None:
                raw = first[1]
                if raw is not None and raw.error is None:
                    problem = header_problem(file.kind, (h for h, _ in raw.cells))
                    if problem is not None:
                        refused.append(SkippedFile(file.path, problem))
                        continue
            for line, raw, outcome in itertools.chain(
                (first,) if first else (), outcomes
            ):
                read += 1
                total += 1
                if outcome is None:
                    assert raw is not None  # only clean rows come without one
                    outcome = raw.error or interpret_row(
                        file.kind,
                        map_row(file.kind, raw.cells),
                        file_name=file.name,
                        line=line,
                    )
                if isinstance(outcome, RowError):
                    assert raw is not None
                    if strict and batch.waiting:
                        flush()  # a waiting row before it may fail first
                    reject(file, raw, outcome)
                    if rejected >= max_quarantined:
                        rest = _quarantine_rest(quarantine, file, outcomes, rejected)
                        read, total, rejected = (
                            read + rest,
                            total + rest,
                            rejected + rest,
                        )
                        break
                    continue
                if isinstance(outcome, PendingRow):
                    assert raw is not None
                    batch.wait(outcome, file, raw)
                else:
                    batch.add(outcome)
                if batch.rows >= batch_size:
                    flush()
            flush()  # a batch never spans two files: their counts are final here
            reports.append(
                FileReport(file.path, file.kind, read, read - rejected, rejected)
            )
    except BaseException:
        quarantine.discard()
        raise
    finally:
        gc.unfreeze()
    return LoadReport(reports, quarantine.close(), list(skipped), refused)


def _reference_outcomes(
    file: InputFile, rows_of: Callable[[InputFile], Iterator[RawRow]]
) -> Iterator[Outcome]:
    """The rows of ``file`` read by ``rows_of``, left to the reference interpreter."""
    for raw in rows_of(file):
        yield raw.line, raw, None


def _quarantine_rest(
    quarantine: Quarantine, file: InputFile, rows: Iterator[Outcome], rejected: int
) -> int:
    """Count the rows left in ``rows`` and quarantine them as one block; the count."""
    first: int | None = None
    count = 0
    for line, _, _ in rows:
        first = line if first is None else first
        count += 1
    if count:
        reason = (
            f"{count} more rows not read: {rejected} rows of this file were rejected "
            "before them (a broken file? an unclosed quote?)"
        )
        quarantine.add(
            QuarantinedRow(file.kind, file.name, first or 0, "", reason, (), "")
        )
    return count


def _quarantined(
    file: InputFile, line: int, error: RowError, raw: RawRow
) -> QuarantinedRow:
    return QuarantinedRow(
        kind=file.kind,
        file=file.name,
        line=line,
        field=error.field,
        reason=error.reason,
        cells=raw.cells,
        raw=raw.raw,
    )


class _Batch:
    """Rows waiting to be written, and the endpoint keys known to exist.

    ``_persons_known`` and ``_enterprises_known`` hold the keys written by this
    load or found in the store, so the store is asked about a stub's key once.
    Rows naming their enterprise by a legacy identifier wait in ``_pending`` until
    :meth:`flush` resolves them (or hands them to ``reject``).
    """

    def __init__(
        self,
        store: GraphStore,
        reject: Callable[[InputFile, RawRow, RowError], None],
    ) -> None:
        self._store = store
        self._reject = reject
        self._persons_known: set[str] = set()
        self._enterprises_known: set[str] = set()
        self._clear()

    def _clear(self) -> None:
        self.rows = 0
        self._persons: list[Person] = []
        self._enterprises: list[Enterprise] = []
        self._roles: list[Role] = []
        self._sanctions: list[Sanction] = []
        self._commendations: list[Commendation] = []
        self._records: list[SourceRecord] = []
        self._person_stubs: dict[str, Person] = {}
        self._enterprise_stubs: dict[str, Enterprise] = {}
        self._pending: list[tuple[PendingRow, InputFile, RawRow]] = []

    @property
    def waiting(self) -> bool:
        """Whether rows wait for their legacy identifier to be resolved."""
        return bool(self._pending)

    def wait(self, row: PendingRow, file: InputFile, raw: RawRow) -> None:
        """Hold a row until its legacy identifier is resolved by :meth:`flush`."""
        self.rows += 1
        self._pending.append((row, file, raw))

    def add(self, result: RowResult) -> None:
        self.rows += 1
        self._persons.extend(result.persons)
        self._persons_known.update(p.person_id for p in result.persons)
        self._enterprises.extend(result.enterprises)
        self._enterprises_known.update(e.credit_code for e in result.enterprises)
        self._roles.extend(result.roles)
        self._sanctions.extend(result.sanctions)
        self._commendations.extend(result.commendations)
        self._records.extend(result.source_records)
        for person in result.person_stubs:
            self._person_stubs.setdefault(person.person_id, person)
        for enterprise in result.enterprise_stubs:
            self._enterprise_stubs.setdefault(enterprise.credit_code, enterprise)

    def flush(self) -> None:
        store = self._store
        enterprises = self._enterprises + _missing_stubs(
            store,
            EntityKind.ENTERPRISE,
            self._enterprise_stubs,
            self._enterprises_known,
        )
        # Endpoints first: a run killed between two calls leaves no dangling role.
        if enterprises:
            store.upsert_enterprises(enterprises)
        self._enterprises_known.update(self._enterprise_stubs)
        self._resolve_pending()
        persons = self._persons + _missing_stubs(
            store, EntityKind.PERSON, self._person_stubs, self._persons_known
        )
        if persons:
            store.upsert_persons(persons)
        if self._records:
            store.upsert_source_records(self._records)
        if self._roles:
            store.upsert_roles(self._roles)
        if self._sanctions:
            store.upsert_sanctions(self._sanctions)
        if self._commendations:
            store.upsert_commendations(self._commendations)
        self._persons_known.update(self._person_stubs)
        self._clear()

    def _resolve_pending(self) -> None:
        """Finish the waiting rows whose identifier names one enterprise; reject the
        others. The enterprises of this batch are in the store by now."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        claims = self._store.enterprises_by_legacy_id(
            sorted({row.identifier.value for row, _, _ in pending})
        )
        for row, file, raw in pending:
            match = LegacyMatch(row.identifier, claims.get(row.identifier.value, ()))
            code = match.credit_code
            if code is None:
                self._reject(file, raw, RowError(row.field, match.describe()))
                continue
            self.add(row.finish(code))
            self._enterprises_known.add(code)


def _missing_stubs(
    store: GraphStore,
    kind: EntityKind,
    stubs: dict[str, _Stub],
    known: set[str],
) -> list[_Stub]:
    """The stubs for keys neither seen in this load nor already in the store."""
    unseen = [key for key in stubs if key not in known]
    present = store.existing_keys(kind, unseen) if unseen else set()
    return [stubs[key] for key in unseen if key not in present]
