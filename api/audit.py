"""The audit record of every query of personal credit data.

Each access appends one JSON line (who asked, when, what for, about whom) to an
append-only file, flushed and fsynced before the answer leaves, so that no answer
about a person exists without its record.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

DEFAULT_AUDIT_LOG = "credlink-audit.jsonl"  # CREDLINK_AUDIT_LOG overrides it


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One access to personal data."""

    at: str
    requester: str
    action: str
    subject: str
    purpose: str


class AuditLog:
    """Append-only JSON Lines audit file; safe to share between request threads."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def path(self) -> Path:
        """The audit file."""
        return self._path

    def record(
        self, *, requester: str, action: str, subject: str, purpose: str = ""
    ) -> AuditEntry:
        """Append one entry and make it durable before returning it."""
        entry = AuditEntry(
            at=datetime.now(UTC).isoformat(timespec="milliseconds"),
            requester=requester,
            action=action,
            subject=subject,
            purpose=purpose,
        )
        line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
        with self._lock, self._path.open("a", encoding="utf-8") as file:
            file.write(line)
            file.flush()
            os.fsync(file.fileno())
        return entry

    def entries(self) -> list[AuditEntry]:
        """Every entry so far, oldest first."""
        if not self._path.exists():
            return []
        with self._path.open(encoding="utf-8") as file:
            return [AuditEntry(**json.loads(line)) for line in file if line.strip()]
