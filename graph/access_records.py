"""API keys and audit checkpoints as the stores keep them: flat rows, times as
ISO 8601 strings (one encoding for SQLite and Neo4j, so both read back equal)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from graph.model import ApiKey, AuditCheckpoint

if TYPE_CHECKING:
    from collections.abc import Mapping


def api_key_row(key: ApiKey) -> dict[str, Any]:
    """The stored row of a key."""
    return {
        "key_id": key.key_id,
        "name": key.name,
        "role": key.role,
        "secret_hash": key.secret_hash,
        "created_at": key.created_at.isoformat(),
        "expires_at": _iso(key.expires_at),
        "revoked_at": _iso(key.revoked_at),
        "person_id": key.person_id,
    }


def api_key_from_row(row: Mapping[str, Any]) -> ApiKey:
    """A key from its stored row."""
    return ApiKey(
        key_id=row["key_id"],
        name=row["name"],
        role=row["role"],
        secret_hash=row["secret_hash"],
        created_at=datetime.fromisoformat(row["created_at"]),
        expires_at=_time(row["expires_at"]),
        revoked_at=_time(row["revoked_at"]),
        person_id=row.get("person_id"),
    )


def checkpoint_from_row(row: Mapping[str, Any]) -> AuditCheckpoint:
    """A checkpoint from its stored row."""
    return AuditCheckpoint(
        log_id=row["log_id"],
        seq=int(row["seq"]),
        head=row["head"],
        at=datetime.fromisoformat(row["at"]),
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
