"""API keys, for administrators: create (the key is shown once), list, revoke,
rotate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter

from api.access.apikeys import create_key, revoke_key, rotate_key
from api.access.guard import Caller, require
from api.schemas import KeyCreateIn, KeyIssuedOut, KeyOut, RotateIn
from graph.model import ApiKey

router = APIRouter(prefix="/keys", tags=["keys"])

Admin = Annotated[Caller, require("keys.manage")]


@router.get("")
def list_keys(caller: Admin) -> list[KeyOut]:
    """Every key ever made (never a secret)."""
    now = datetime.now(UTC)
    return [key_out(k, now) for k in caller.access.store.api_keys()]


@router.post("", status_code=201)
def create(body: KeyCreateIn, caller: Admin) -> KeyIssuedOut:
    """A new key for a role: the answer is the only place its secret appears."""
    access = caller.access
    expires = None if body.expires_days is None else timedelta(days=body.expires_days)
    issued = create_key(
        access.store, access.policy, role=body.role, name=body.name, expires_in=expires
    )
    shown = key_out(issued.record, datetime.now(UTC))
    return KeyIssuedOut(**shown.model_dump(), key=issued.key)


@router.post("/{key_id}/revoke")
def revoke(key_id: str, caller: Admin) -> KeyOut:
    """Revoke a key from now."""
    revoked = revoke_key(caller.access.store, key_id)
    caller.access.forget(key_id)
    return key_out(revoked, datetime.now(UTC))


@router.post("/{key_id}/rotate", status_code=201)
def rotate(key_id: str, body: RotateIn, caller: Admin) -> KeyIssuedOut:
    """A new key with the old one's name, role and lifetime; the old one stops
    after ``grace_hours``."""
    access = caller.access
    issued = rotate_key(
        access.store, access.policy, key_id, grace=timedelta(hours=body.grace_hours)
    )
    access.forget(key_id)
    shown = key_out(issued.record, datetime.now(UTC))
    return KeyIssuedOut(**shown.model_dump(), key=issued.key)


def key_out(key: ApiKey, now: datetime) -> KeyOut:
    """A key as listed."""
    return KeyOut(
        key_id=key.key_id,
        name=key.name,
        role=key.role,
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        usable=key.usable_at(now),
    )
