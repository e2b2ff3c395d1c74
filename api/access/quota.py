"""Quotas per key: requests per minute, and distinct persons per hour.

The counts live in a small SQLite file beside the audit log, so that every worker
of ``credlink serve --workers N`` on one host draws from the same quota. Persons
are counted by a digest of their key: the quota file holds no ID number.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graph.errors import QuotaExceededError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

_DDL = """
CREATE TABLE IF NOT EXISTS requests (
    key_id TEXT NOT NULL, minute INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (key_id, minute)
);
CREATE TABLE IF NOT EXISTS persons (
    key_id TEXT NOT NULL, hour INTEGER NOT NULL, person TEXT NOT NULL,
    PRIMARY KEY (key_id, hour, person)
);
"""


class QuotaBook:
    """Counts what each key used, in fixed windows (a minute, an hour)."""

    def __init__(self, path: Path | None) -> None:
        target = ":memory:" if path is None else str(path)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            target, isolation_level=None, check_same_thread=False, timeout=10
        )
        self._lock = threading.Lock()
        if path is not None:
            self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_DDL)
        self._cleaned: int | None = None

    def close(self) -> None:
        """Close the file."""
        self._conn.close()

    def take_request(
        self, key_id: str, per_minute: int, now: datetime | None = None
    ) -> None:
        """Count one request of ``key_id``; QuotaExceededError past ``per_minute``."""
        moment = now or datetime.now(UTC)
        minute = int(moment.timestamp()) // 60
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                self._clean(cur, minute // 60)
                row = cur.execute(
                    "SELECT n FROM requests WHERE key_id = ? AND minute = ?",
                    (key_id, minute),
                ).fetchone()
                used = row[0] if row else 0
                if used >= per_minute:
                    cur.execute("ROLLBACK")
                    raise QuotaExceededError(
                        "requests",
                        f"more than {per_minute} requests in a minute",
                        retry_after=60 - int(moment.timestamp()) % 60,
                    )
                cur.execute(
                    "INSERT INTO requests VALUES (?, ?, 1) ON CONFLICT (key_id, minute)"
                    " DO UPDATE SET n = n + 1",
                    (key_id, minute),
                )
                cur.execute("COMMIT")
            except sqlite3.Error:
                cur.execute("ROLLBACK")
                raise

    def take_persons(
        self,
        key_id: str,
        persons: Iterable[str],
        per_hour: int,
        now: datetime | None = None,
    ) -> None:
        """Count the distinct persons an answer carries; QuotaExceededError (and
        nothing counted) when the key's persons this hour would pass ``per_hour``."""
        digests = {hashlib.sha256(p.encode("utf-8")).hexdigest() for p in persons}
        if not digests:
            return
        moment = now or datetime.now(UTC)
        hour = int(moment.timestamp()) // 3600
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                used = cur.execute(
                    "SELECT COUNT(*) FROM persons WHERE key_id = ? AND hour = ?",
                    (key_id, hour),
                ).fetchone()[0]
                known = {
                    row[0]
                    for row in cur.execute(
                        "SELECT person FROM persons WHERE key_id = ? AND hour = ?"
                        " AND person IN (SELECT value FROM json_each(?))",
                        (key_id, hour, json.dumps(sorted(digests))),
                    )
                }
                new = digests - known
                if used + len(new) > per_hour:
                    cur.execute("ROLLBACK")
                    raise QuotaExceededError(
                        "persons",
                        f"the answer would carry data of more than {per_hour} "
                        "distinct persons in an hour for this key",
                        retry_after=3600 - int(moment.timestamp()) % 3600,
                    )
                cur.executemany(
                    "INSERT OR IGNORE INTO persons VALUES (?, ?, ?)",
                    [(key_id, hour, digest) for digest in new],
                )
                cur.execute("COMMIT")
            except sqlite3.Error:
                cur.execute("ROLLBACK")
                raise

    def _clean(self, cur: sqlite3.Cursor, hour: int) -> None:
        """Drop windows older than the previous hour (once an hour per process)."""
        if self._cleaned == hour:
            return
        cur.execute("DELETE FROM requests WHERE minute < ?", ((hour - 1) * 60,))
        cur.execute("DELETE FROM persons WHERE hour < ?", (hour - 1,))
        self._cleaned = hour
