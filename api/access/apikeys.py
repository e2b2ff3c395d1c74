"""API keys: made, shown once, stored as a hash, checked in constant time.

A key reads ``clk_<id>_<secret>``: the recognisable prefix ``clk_`` (so secret
scanners and people spot one in a paste), a public id of 10 lowercase base-32
characters (named in lists and the audit log), and a secret of 32 random bytes
(256 bits, URL-safe base64). Only the SHA-256 of the secret is stored: with that
much entropy no slow password hash is needed, and a lookup costs one digest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from api.keys import person_key
from api.masking import mask_id_number
from graph.errors import (
    EntityNotFoundError,
    InvalidIdentifierError,
    InvalidRequestError,
)
from graph.model import ApiKey

if TYPE_CHECKING:
    from api.access.roles import AccessPolicy
    from graph.store import GraphStore

PREFIX = "clk_"
_KEY = re.compile(r"^clk_([a-z2-7]{10})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key just made: the only time its secret exists outside the caller."""

    key: str
    record: ApiKey


def looks_like_key(token: str) -> bool:
    """Whether ``token`` is meant as a credlink key (by its prefix)."""
    return token.startswith(PREFIX)


def key_id_of(token: str) -> str | None:
    """The public id of a well-formed key, else None (never the secret)."""
    match = _KEY.match(token)
    return match.group(1) if match else None


def hash_secret(secret: str) -> str:
    """The stored form of a key's secret."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def check_key(token: str, stored: ApiKey) -> bool:
    """Whether ``token`` is the key ``stored`` describes (constant-time compare)."""
    match = _KEY.match(token)
    if match is None or match.group(1) != stored.key_id:
        return False
    return hmac.compare_digest(hash_secret(match.group(2)), stored.secret_hash)


def create_key(
    store: GraphStore,
    policy: AccessPolicy,
    *,
    role: str,
    name: str,
    expires_in: timedelta | None = None,
    now: datetime | None = None,
    person: str | None = None,
) -> IssuedKey:
    """Make a key for ``role`` (a role of ``policy``) named ``name``; store its hash.

    A role with ``own_file`` binds each key to one person, ``person`` (any written
    form of their ID number, a person the store holds); no other role takes one.
    Messages never carry the number unmasked.
    """
    spec = policy.roles.get(role)
    if spec is None:
        known = ", ".join(sorted(policy.roles))
        raise InvalidRequestError(f"unknown role {role!r} (roles: {known})")
    label = name.strip()
    if not label:
        raise InvalidRequestError("a key needs a name")
    person_id = _subject(store, spec.name, spec.own_file, person)
    now = now or datetime.now(UTC)
    key_id = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()[:10]
    secret = secrets.token_urlsafe(32)
    record = ApiKey(
        key_id=key_id,
        name=label,
        role=role,
        secret_hash=hash_secret(secret),
        created_at=now,
        expires_at=None if expires_in is None else now + expires_in,
        person_id=person_id,
    )
    store.save_api_key(record)
    return IssuedKey(key=f"{PREFIX}{key_id}_{secret}", record=record)


def revoke_key(
    store: GraphStore, key_id: str, *, now: datetime | None = None
) -> ApiKey:
    """Revoke a key from ``now`` (a key revoked before stays revoked then)."""
    stored = store.get_api_key(key_id)
    if stored is None:
        raise EntityNotFoundError("API key", key_id)
    if stored.revoked_at is not None:
        return stored
    revoked = replace(stored, revoked_at=now or datetime.now(UTC))
    store.save_api_key(revoked)
    return revoked


def rotate_key(
    store: GraphStore,
    policy: AccessPolicy,
    key_id: str,
    *,
    grace: timedelta = timedelta(0),
    now: datetime | None = None,
) -> IssuedKey:
    """A new key with the old one's name, role and remaining lifetime; the old key
    stops working after ``grace`` (at once by default)."""
    now = now or datetime.now(UTC)
    stored = store.get_api_key(key_id)
    if stored is None:
        raise EntityNotFoundError("API key", key_id)
    if not stored.usable_at(now):
        raise InvalidRequestError(f"key {key_id} is revoked or expired")
    lifetime = None if stored.expires_at is None else stored.expires_at - now
    issued = create_key(
        store,
        policy,
        role=stored.role,
        name=stored.name,
        expires_in=lifetime,
        now=now,
        person=stored.person_id,
    )
    store.save_api_key(replace(stored, revoked_at=now + grace))
    return issued


def _subject(
    store: GraphStore, role: str, own_file: bool, person: str | None
) -> str | None:
    """The person a key of ``role`` is bound to (None: not bound)."""
    if not own_file:
        if person is not None:
            msg = f"the role {role!r} is not bound to a person: give no person"
            raise InvalidRequestError(msg)
        return None
    if person is None or not person.strip():
        msg = (
            f"a key of the role {role!r} is bound to one person: give their ID "
            "number (credlink keys create --person FILE, or - for stdin)"
        )
        raise InvalidRequestError(msg)
    try:
        person_id = person_key(person)
    except InvalidIdentifierError as exc:
        raise InvalidRequestError("person: not a resident ID number") from exc
    if store.get_person(person_id) is None:
        shown = mask_id_number(person_id)
        raise InvalidRequestError(f"person: the store holds no person {shown}")
    return person_id
