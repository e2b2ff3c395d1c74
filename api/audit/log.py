"""The audit record of every query of personal credit data: a hash chain.

Each access appends one JSON line to an append-only file, durable (fsynced) before
the answer leaves, so that no answer about a person exists without its record.
Every entry carries the hash of the entry before it (``prev``) and its own
(``hash``: SHA-256 of its canonical encoding, every field but ``hash`` as
sorted-key compact UTF-8 JSON), so that an edited, inserted, deleted or reordered
entry breaks the chain. Every ``checkpoint_every`` entries the head (sequence number
and hash) is also written to the store (``AuditCheckpoint``): a file cut before a
checkpoint, or rewritten wholesale, no longer matches it. ``credlink audit head``
prints the head for anchoring anywhere else.

Writers in several processes (``credlink serve --workers N``, CLI commands) share
one file: each append holds an exclusive ``flock`` while it reads the last entry
and writes its own, so entries are never lost, doubled or interleaved. The file is
created with mode 0600.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from graph.errors import LinkageError
from graph.model import AuditCheckpoint

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path

DEFAULT_AUDIT_LOG = "credlink-audit.jsonl"  # CREDLINK_AUDIT_LOG overrides it
GENESIS = "0" * 64  # the ``prev`` of a log's first entry
DEFAULT_CHECKPOINT_EVERY = 32
_TAIL_CHUNK = 8192

_log = logging.getLogger(__name__)


class AuditWriteError(LinkageError):
    """The audit log cannot take an entry: nothing may be answered until it can."""


class Outcome(StrEnum):
    """What became of an access."""

    ANSWERED = "answered"
    DENIED = "denied"  # no or bad credentials, no permission, purpose, quota
    NOT_FOUND = "not_found"
    REFUSED = "refused"  # a bad or impossible request (4xx other than the above)
    FAILED = "failed"  # the store failed (5xx)


@dataclass(frozen=True, slots=True)
class AuditDraft:
    """What a caller states about one access; the log adds sequence, time, chain."""

    action: str
    subject: str = ""
    persons: tuple[str, ...] = ()
    outcome: Outcome = Outcome.ANSWERED
    detail: str = ""
    key_id: str = ""
    key_name: str = ""
    role: str = ""
    purpose: str = ""
    via: str = "http"
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One access as recorded: who (key id and name, role), when, why, what,
    about whom (``subject`` asked about, ``persons`` whose data the answer
    carried), the outcome, and the chain (``prev``, ``hash``)."""

    seq: int
    at: str
    log: str
    via: str
    key_id: str
    key_name: str
    role: str
    purpose: str
    action: str
    subject: str
    persons: tuple[str, ...]
    outcome: str
    detail: str
    request_id: str
    prev: str
    hash: str = field(default="")

    def canonical(self) -> bytes:
        """The bytes the entry's hash is taken over (every field but ``hash``)."""
        fields = asdict(self)
        fields.pop("hash")
        fields["persons"] = list(self.persons)
        return _canonical(fields)

    def digest(self) -> str:
        """The entry's hash as it should be."""
        return hashlib.sha256(self.canonical()).hexdigest()

    def line(self) -> bytes:
        """The entry as one line of the file."""
        fields = asdict(self)
        fields["persons"] = list(self.persons)
        return _canonical(fields) + b"\n"

    @classmethod
    def parse(cls, line: bytes | str) -> AuditEntry:
        """An entry from its line; ValueError when it is not one."""
        data = json.loads(line)
        if not isinstance(data, dict) or set(data) != _FIELDS:
            raise ValueError("not an audit entry")
        data["persons"] = tuple(data["persons"])
        if not isinstance(data["seq"], int):
            raise ValueError("seq is not a number")
        return cls(**data)


_FIELDS = frozenset(AuditEntry.__dataclass_fields__)


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


class AuditLog:
    """The hash-chained audit file; safe to share between threads and processes.

    ``anchor`` keeps checkpoints (normally ``store.save_audit_checkpoint``); it is
    called every ``checkpoint_every`` entries, outside the file lock. A failing
    anchor does not lose the entry (it is already durable): the next checkpoint
    anchors the head again.
    """

    def __init__(
        self,
        path: Path,
        *,
        anchor: Callable[[AuditCheckpoint], None] | None = None,
        checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    ) -> None:
        self._path = path
        self._anchor = anchor
        self._every = max(1, checkpoint_every)
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._tail: tuple[int, AuditEntry] | None = None  # (file size, last entry)

    @property
    def path(self) -> Path:
        """The audit file."""
        return self._path

    def close(self) -> None:
        """Close the file (it reopens on the next append)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def append(self, draft: AuditDraft) -> AuditEntry:
        """Append one entry and make it durable before returning it.

        Raises AuditWriteError when the file cannot be written or its last line
        is not an entry (a cut or edited tail): the caller must not answer.
        """
        with self._lock:
            try:
                fd = self._open()
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    last = self._last_entry(fd)
                    entry = _chain(draft, last)
                    _write_all(fd, entry.line())
                    os.fdatasync(fd)  # the data and the new size: durable
                    self._tail = (os.fstat(fd).st_size, entry)
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError as exc:
                raise AuditWriteError(
                    f"the audit log {self._path} cannot be written: {exc.strerror}"
                ) from exc
        if self._anchor is not None and entry.seq % self._every == 0:
            self._keep(entry)
        return entry

    def checkpoint(self) -> AuditCheckpoint | None:
        """Anchor the current head in the store now; None for an empty log."""
        last = self.last()
        if last is None:
            return None
        return self._keep(last)

    def last(self) -> AuditEntry | None:
        """The newest entry (read under the lock), or None for an empty log."""
        if not self._path.exists():
            return None
        with self._lock:
            fd = self._open()
            fcntl.flock(fd, fcntl.LOCK_SH)
            try:
                return self._last_entry(fd)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def entries(self) -> list[AuditEntry]:
        """Every entry so far, oldest first (ValueError on an unreadable line)."""
        if not self._path.exists():
            return []
        with self._path.open("rb") as file:
            return [AuditEntry.parse(line) for line in file if line.strip()]

    def lines(self) -> list[bytes]:
        """The raw lines of the file (for verification)."""
        if not self._path.exists():
            return []
        with self._path.open("rb") as file:
            return [line for line in file if line.strip()]

    def _keep(self, entry: AuditEntry) -> AuditCheckpoint | None:
        checkpoint = AuditCheckpoint(
            log_id=entry.log, seq=entry.seq, head=entry.hash, at=datetime.now(UTC)
        )
        if self._anchor is None:
            return None
        try:
            self._anchor(checkpoint)
        except LinkageError as exc:  # the entry is durable; anchor at the next one
            _log.warning("audit checkpoint %s not kept: %s", entry.seq, exc)
            return None
        return checkpoint

    def _open(self) -> int:
        if self._fd is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)  # an older or hand-made file: nobody else
            self._fd = fd
        return self._fd

    def _last_entry(self, fd: int) -> AuditEntry | None:
        size = os.fstat(fd).st_size
        if size == 0:
            return None
        if self._tail is not None and self._tail[0] == size:
            return self._tail[1]
        line = _last_line(fd, size)
        try:
            entry = AuditEntry.parse(line)
        except ValueError as exc:
            raise AuditWriteError(
                f"the last line of the audit log {self._path} is not an entry "
                "(cut or edited): run `credlink audit verify`"
            ) from exc
        self._tail = (size, entry)
        return entry


def _chain(draft: AuditDraft, last: AuditEntry | None) -> AuditEntry:
    entry = AuditEntry(
        seq=1 if last is None else last.seq + 1,
        at=datetime.now(UTC).isoformat(timespec="milliseconds"),
        log=uuid.uuid4().hex if last is None else last.log,
        via=draft.via,
        key_id=draft.key_id,
        key_name=draft.key_name,
        role=draft.role,
        purpose=draft.purpose,
        action=draft.action,
        subject=draft.subject,
        persons=tuple(dict.fromkeys(draft.persons)),
        outcome=draft.outcome.value,
        detail=draft.detail,
        request_id=draft.request_id,
        prev=GENESIS if last is None else last.hash,
    )
    return replace(entry, hash=entry.digest())


def _last_line(fd: int, size: int) -> bytes:
    """The last line of the file (without its newline); b"" when it has none."""
    if os.pread(fd, 1, size - 1) != b"\n":
        return b""  # a cut line: not an entry
    end = size - 1
    start = end
    chunk = _TAIL_CHUNK
    while start > 0:
        start = max(0, end - chunk)
        data = os.pread(fd, end - start, start)
        cut = data.rfind(b"\n")
        if cut >= 0:
            return data[cut + 1 :]
        chunk *= 2
    return os.pread(fd, end, 0)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


# -- verification -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What ``audit verify`` found: ``first_bad`` is the 1-based line of the first
    problem (None when the log holds), ``problem`` names it."""

    ok: bool
    entries: int
    head: str | None
    log: str | None
    first_bad: int | None = None
    problem: str | None = None
    checkpoints: int = 0


def verify_log(
    log: AuditLog, checkpoints_of: Callable[[str], Sequence[AuditCheckpoint]]
) -> VerifyReport:
    """Verify the file of ``log`` against the checkpoints kept for its log id
    (``checkpoints_of``, normally ``store.audit_checkpoints``)."""
    lines = log.lines()
    log_id = None
    if lines:
        try:
            log_id = AuditEntry.parse(lines[0]).log
        except (ValueError, TypeError):
            log_id = None
    return verify_entries(lines, checkpoints_of(log_id) if log_id else ())


def verify_entries(
    lines: Sequence[bytes], checkpoints: Iterable[AuditCheckpoint] = ()
) -> VerifyReport:
    """Check the chain of ``lines`` and that it agrees with every checkpoint.

    Names the first problem: an unreadable line, an edited entry (its hash, or the
    next entry's link to it, no longer matches), a deleted, inserted or reordered
    entry (sequence numbers out of step), or a log cut before a checkpoint.
    """
    parsed: list[AuditEntry] = []
    for number, line in enumerate(lines, 1):
        try:
            parsed.append(AuditEntry.parse(line))
        except (ValueError, TypeError):
            return _bad(parsed, number, "unreadable line: not an audit entry")
    log_id = parsed[0].log if parsed else None
    seqs_after = [entry.seq for entry in parsed]
    times_seen = Counter(seqs_after)
    seen: set[int] = set()
    prev = GENESIS
    for index, entry in enumerate(parsed):
        number, expected = index + 1, index + 1
        if entry.digest() != entry.hash:
            return _bad(parsed, number, f"entry {entry.seq} edited: its hash differs")
        if entry.log != log_id:
            return _bad(parsed, number, "entry of another log inserted")
        if entry.seq != expected:
            later = set(seqs_after[index + 1 :])
            if entry.seq in seen or times_seen[entry.seq] > 1:
                problem = f"entry {entry.seq} duplicated or inserted"
            elif entry.seq < expected:
                problem = f"entries reordered: {entry.seq} after {expected - 1}"
            elif expected in later:
                problem = f"entries reordered: {entry.seq} before {expected}"
            else:
                problem = f"entry {expected} deleted (the next is {entry.seq})"
            return _bad(parsed, number, problem)
        if entry.prev != prev:
            problem = (
                f"entry {entry.seq} does not follow entry {entry.seq - 1}: "
                "one of them was edited or replaced"
            )
            return _bad(parsed, number, problem)
        seen.add(entry.seq)
        prev = entry.hash
    kept = [c for c in checkpoints if c.log_id == log_id]
    by_seq = {entry.seq: entry for entry in parsed}
    for checkpoint in kept:
        anchored = by_seq.get(checkpoint.seq)
        if anchored is None:
            return _bad(
                parsed,
                len(parsed) + 1,
                f"log truncated: it ends at entry {len(parsed)}, the store's "
                f"checkpoint is at entry {checkpoint.seq}",
            )
        if anchored.hash != checkpoint.head:
            return _bad(
                parsed,
                checkpoint.seq,
                f"entries up to {checkpoint.seq} rewritten: the head differs from "
                "the store's checkpoint",
            )
    return VerifyReport(
        ok=True,
        entries=len(parsed),
        head=parsed[-1].hash if parsed else None,
        log=log_id,
        checkpoints=len(kept),
    )


def _bad(parsed: list[AuditEntry], number: int, problem: str) -> VerifyReport:
    return VerifyReport(
        ok=False,
        entries=len(parsed),
        head=parsed[-1].hash if parsed else None,
        log=parsed[0].log if parsed else None,
        first_bad=number,
        problem=problem,
    )
