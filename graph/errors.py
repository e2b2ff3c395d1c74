"""The error hierarchy of credlink: one root, one subclass per kind of failure."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


class LinkageError(Exception):
    """Root of every error credlink raises on purpose."""


class InvalidRecordError(LinkageError):
    """An input row that cannot be interpreted; names the source, line and field."""

    def __init__(self, source: str, line: int, field: str, reason: str) -> None:
        super().__init__(f"{source}:{line}: field {field!r}: {reason}")
        self.source = source
        self.line = line
        self.field = field
        self.reason = reason


class InvalidIdentifierError(LinkageError, ValueError):
    """An identifier (resident ID, credit code, ...) that fails its rules.

    ``reason`` is a short machine-readable word (``format``, ``length``, ``region``,
    ``birth_date``, ``checksum``, ...); the message is for people.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class IdentityConflictError(LinkageError):
    """Two facts about one identity contradict each other."""


class EntityNotFoundError(LinkageError):
    """A key that names no entity in the store."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"no {kind} with key {key!r}")
        self.kind = kind
        self.key = key


class GraphUnavailableError(LinkageError):
    """The graph store cannot be reached or refused the work."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class StoreMissingError(GraphUnavailableError):
    """No store exists at the location given: nothing is known there, so nothing is
    answered (a new store is made only by ``credlink init``, ``load`` or ``demo``)."""

    def __init__(self, location: str) -> None:
        super().__init__(
            f"no credlink store at {location}: check --store / CREDLINK_STORE, or "
            f"create one with `credlink init {location}` or `credlink load`",
            retryable=False,
        )
        self.location = location


class PolicyError(LinkageError):
    """The measures catalogue is invalid; names the file and line."""


class LifecycleError(LinkageError):
    """A sanction lifecycle transition that the rules do not allow."""


class LinkLeaseHeldError(LinkageError):
    """Another ``credlink link`` holds the store's link lease; this one did not run.

    ``holder`` names that run, ``since`` when it took the lease and ``expires``
    when it lapses (a crashed run's lease is taken over once expired).
    """

    def __init__(self, holder: str, since: datetime, expires: datetime) -> None:
        super().__init__(
            f"another link is running on this store: {holder} holds the link lease "
            f"since {since.isoformat(timespec='seconds')} "
            f"(until {expires.isoformat(timespec='seconds')} unless it ends first)"
        )
        self.holder = holder
        self.since = since
        self.expires = expires


class InvalidRequestError(LinkageError):
    """A request whose values cannot be acted on (an unknown role, a bad name)."""


class AccessError(LinkageError):
    """A caller may not have what they asked for; ``reason`` is a short word."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class AuthenticationError(AccessError):
    """No credentials, or credentials that are malformed, wrong, expired or
    revoked."""


class PermissionDeniedError(AccessError):
    """Authenticated, but the role may not take the action or state the purpose."""


class QuotaExceededError(AccessError):
    """The key used up a quota; it may try again after ``retry_after`` seconds."""

    def __init__(self, reason: str, message: str, *, retry_after: int) -> None:
        super().__init__(reason, message)
        self.retry_after = retry_after
