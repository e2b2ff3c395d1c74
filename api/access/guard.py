"""The one dependency every protected route asks for: who calls, may they, why,
how often, what they may see, and the audit entry of what they got.

A route declares its action (``caller: Annotated[Caller, require("person.related")]``);
the guard authenticates the bearer credential (a credlink API key or a token of the
configured identity provider), checks the role may take the action (deny by
default), that a personal-data action states a purpose of the role, and the
request quota. Every refusal is audited before it is answered. The route then
states whom it asks about (``about``) and, before returning, whose data the
answer carries (``answered``): the persons quota is checked and the entry is
written, durably, before the answer leaves. A route that fails after ``about``
is audited by the error handler (``failed``).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.access.apikeys import check_key, key_id_of, looks_like_key
from api.access.roles import RoleView
from api.audit import AuditDraft, Outcome
from api.keys import person_key
from api.routes.views import View
from graph.errors import (
    AccessError,
    AuthenticationError,
    InvalidIdentifierError,
    InvalidRequestError,
    PermissionDeniedError,
    QuotaExceededError,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from api.access.oidc import OidcVerifier
    from api.access.quota import QuotaBook
    from api.access.roles import AccessPolicy, ActionSpec, Purpose, RoleSpec
    from api.audit import AuditLog
    from graph.model import ApiKey
    from graph.store import GraphStore

_bearer = HTTPBearer(
    auto_error=False,
    description="A credlink API key (`clk_…`) or a token of the identity provider.",
)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a credential names: the key id (``oidc:SUBJECT`` for tokens), its name
    (the organisation or system), its role, and the person a key bound to one
    person (a citizen's own key) answers for."""

    key_id: str
    name: str
    role: str
    person_id: str | None = None


@dataclass(slots=True)
class Access:
    """What the guard needs, opened once per app.

    Stored keys are cached for ``key_cache_seconds`` (a store read per request
    would cost a round trip to Neo4j): a key revoked through this app stops at
    once, one revoked elsewhere (another worker, the CLI) within that time.
    """

    policy: AccessPolicy
    store: GraphStore
    audit: AuditLog
    quotas: QuotaBook
    oidc: OidcVerifier | None = None
    key_cache_seconds: float = 5.0
    _keys: dict[str, tuple[float, ApiKey | None]] = field(default_factory=dict)

    def forget(self, key_id: str) -> None:
        """Drop a key from the cache (after revoking or rotating it here)."""
        self._keys.pop(key_id, None)

    def _stored(self, key_id: str) -> ApiKey | None:
        now = time.monotonic()
        cached = self._keys.get(key_id)
        if cached is not None and now - cached[0] < self.key_cache_seconds:
            return cached[1]
        stored = self.store.get_api_key(key_id)
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[key_id] = (now, stored)
        return stored

    def authenticate(self, token: str, now: datetime | None = None) -> Identity:
        """The identity of a bearer credential; AuthenticationError otherwise."""
        if looks_like_key(token):
            key_id = key_id_of(token)
            if key_id is None:
                raise AuthenticationError("malformed", "the API key is malformed")
            stored = self._stored(key_id)
            if stored is None or not check_key(token, stored):
                raise AuthenticationError("invalid", "the API key is not valid")
            moment = now or datetime.now(UTC)
            if stored.revoked_at is not None and stored.revoked_at <= moment:
                raise AuthenticationError("revoked", "the API key was revoked")
            if not stored.usable_at(moment):
                raise AuthenticationError("expired", "the API key has expired")
            return Identity(stored.key_id, stored.name, stored.role, stored.person_id)
        if token.count(".") == 2 and self.oidc is not None:
            found = self.oidc.verify(token)
            return Identity(f"oidc:{found.subject}", found.name, found.role)
        raise AuthenticationError(
            "malformed",
            "the credential is neither a credlink API key nor a token of the "
            "configured identity provider",
        )


@dataclass(slots=True)
class Caller:
    """One request's caller: identity, role, action, purpose, and its audit entry."""

    access: Access
    identity: Identity
    role: RoleSpec
    action: ActionSpec
    purpose: Purpose | None
    request_id: str
    subject: str = ""
    recorded: bool = field(default=False)

    @property
    def masked(self) -> bool:
        """Whether the role always sees the masked view."""
        return self.role.view is RoleView.MASKED

    def view(self, asked: View = View.FULL) -> View:
        """The view of the answer: the role's masked view always wins."""
        return View.PUBLIC if self.masked else asked

    def about(self, subject: str) -> None:
        """Name what the request asks about (before anything is read)."""
        self.subject = subject

    @property
    def own_person(self) -> str | None:
        """The person the key is bound to (a citizen's own key), else None."""
        return self.identity.person_id if self.role.own_file else None

    def person_asked(self, asked: str | None) -> str:
        """The key of the person the request asks about, named as ``about``.

        A key bound to one person asks about that person (``asked`` absent) or
        names them; any other person is refused (403, audited, the number never in
        the message). Any other key must name the person."""
        own = self.own_person
        if own is None:
            if asked is None:
                raise InvalidRequestError("person: required")
            person_id = person_key(asked)
            self.about(person_id)
            return person_id
        self.about(own)
        if asked is not None and _same_person(asked, own) is False:
            raise self.refuse("own_file", "this key reads only its own person's file")
        return own

    def answered(self, persons: Iterable[str] = ()) -> None:
        """Check the persons quota and write the entry, before the answer leaves."""
        carried = tuple(dict.fromkeys(p for p in persons if p))
        try:
            self.access.quotas.take_persons(
                self.identity.key_id, carried, self.role.persons_per_hour
            )
        except QuotaExceededError as exc:
            self._record(Outcome.DENIED, str(exc), carried)
            raise
        self._record(Outcome.ANSWERED, "", carried)

    def refuse(self, reason: str, message: str) -> PermissionDeniedError:
        """Audit the refusal of this request (a rule of the route, past the
        guard's) and return the error to raise."""
        self.failed(Outcome.DENIED, message)
        return PermissionDeniedError(reason, message)

    def failed(self, outcome: Outcome, detail: str) -> None:
        """Write the entry of a request that ended in an error (once)."""
        if not self.recorded:
            self._record(outcome, detail, ())

    def _record(self, outcome: Outcome, detail: str, persons: tuple[str, ...]) -> None:
        self.access.audit.append(
            AuditDraft(
                action=self.action.name,
                subject=self.subject,
                persons=persons,
                outcome=outcome,
                detail=detail,
                key_id=self.identity.key_id,
                key_name=self.identity.name,
                role=self.identity.role,
                purpose=self.purpose.name if self.purpose else "",
                via="http",
                request_id=self.request_id,
            )
        )
        self.recorded = True


def _same_person(asked: str, own: str) -> bool:
    try:
        return person_key(asked) == own
    except InvalidIdentifierError:
        return False


def request_access(request: Request) -> Access:
    """The access context the app opened at start-up."""
    access: Access = request.app.state.access
    return access


def require(action: str, *, own_file: bool = False) -> Any:
    """The guard of a route taking ``action`` (use as ``Annotated[Caller, ...]``).

    ``own_file``: the route answers for the key's own person when the key is bound
    to one (it asks ``Caller.person_asked``); every other route refuses a role
    whose keys are bound to a person."""

    def guard(
        request: Request,
        access: Annotated[Access, Depends(request_access)],
        credentials: Annotated[
            HTTPAuthorizationCredentials | None, Depends(_bearer)
        ] = None,
        x_purpose: Annotated[
            str,
            Header(
                description="Why you ask: a purpose of your role, by code or name "
                "(UTF-8, or percent-encoded). Audited."
            ),
        ] = "",
    ) -> Caller:
        request_id = uuid.uuid4().hex
        request.state.request_id = request_id
        key_hint = ""
        token = credentials.credentials if credentials is not None else ""
        try:
            if not token:
                raise AuthenticationError(
                    "missing", "credentials required: send Authorization: Bearer KEY"
                )
            key_hint = key_id_of(token) or ""
            identity = access.authenticate(token)
            key_hint = identity.key_id
            return _admit(
                access, identity, action, x_purpose, request_id, request, own_file
            )
        except AccessError as exc:
            identity_seen = getattr(request.state, "identity", None)
            access.audit.append(
                AuditDraft(
                    action=action,
                    outcome=Outcome.DENIED,
                    detail=f"{exc.reason}: {exc}",
                    key_id=key_hint,
                    key_name=identity_seen.name if identity_seen else "",
                    role=identity_seen.role if identity_seen else "",
                    purpose=_decode_header(x_purpose),
                    via="http",
                    request_id=request_id,
                )
            )
            raise

    guard.__name__ = f"guard_{action.replace('.', '_')}"
    return Depends(guard)


def _admit(
    access: Access,
    identity: Identity,
    action: str,
    x_purpose: str,
    request_id: str,
    request: Request,
    own_file: bool,
) -> Caller:
    request.state.identity = identity
    policy = access.policy
    role = policy.roles.get(identity.role)
    if role is None:
        raise PermissionDeniedError(
            "role", f"the role {identity.role!r} is not in the roles file"
        )
    spec = policy.actions.get(action)
    if spec is None or not policy.allows(role.name, action):
        raise PermissionDeniedError(
            "action", f"the role {role.name!r} may not take the action {action!r}"
        )
    if role.own_file and not own_file:
        raise PermissionDeniedError(
            "own_file",
            f"the role {role.name!r} reads only its own person's file, which this "
            "operation does not answer for",
        )
    if role.own_file and identity.person_id is None:
        raise PermissionDeniedError(
            "own_file", f"a key of the role {role.name!r} must be bound to a person"
        )
    purpose = None
    if spec.personal:
        purpose = role.purpose(_decode_header(x_purpose))
        if purpose is None:
            allowed = "; ".join(f"{p.code} ({p.name})" for p in role.purposes)
            raise PermissionDeniedError(
                "purpose",
                f"state a purpose of the role {role.name!r} in X-Purpose: "
                f"{allowed or 'none is allowed'}",
            )
    access.quotas.take_request(identity.key_id, role.requests_per_minute)
    caller = Caller(access, identity, role, spec, purpose, request_id)
    request.state.caller = caller
    return caller


def _decode_header(raw: str) -> str:
    """A header value as the client meant it: UTF-8 bytes (which HTTP hands over
    as Latin-1) or percent-encoded UTF-8."""
    try:
        text = raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        text = raw
    if "%" in text:
        # not percent-encoded UTF-8: taken as written
        with contextlib.suppress(UnicodeDecodeError):
            text = unquote(text, errors="strict")
    return text.strip()


def also_require(caller: Caller, request: Request, action: str) -> Caller:
    """The caller of a request that takes a further action besides its route's own
    (a search of persons as well as of enterprises): the role must allow it and, for
    a personal-data action, ``X-Purpose`` must name a purpose of the role (a refusal
    is audited, as the guard's). The request quota is not taken again; the caller
    returned writes the audit entry."""
    policy = caller.access.policy
    spec = policy.actions.get(action)
    purpose = caller.purpose
    try:
        if spec is None or not policy.allows(caller.role.name, action):
            raise PermissionDeniedError(
                "action",
                f"the role {caller.role.name!r} may not take the action {action!r}",
            )
        if spec.personal:
            stated = _decode_header(request.headers.get("x-purpose", ""))
            purpose = caller.role.purpose(stated)
            if purpose is None:
                allowed = "; ".join(
                    f"{p.code} ({p.name})" for p in caller.role.purposes
                )
                raise PermissionDeniedError(
                    "purpose",
                    f"state a purpose of the role {caller.role.name!r} in X-Purpose: "
                    f"{allowed or 'none is allowed'}",
                )
    except PermissionDeniedError as exc:
        denied = Caller(
            caller.access, caller.identity, caller.role, spec or caller.action,
            caller.purpose, caller.request_id, caller.subject,
        )  # fmt: skip
        denied.failed(Outcome.DENIED, f"{exc.reason}: {exc}")
        caller.recorded = True
        raise
    wider = Caller(
        caller.access, caller.identity, caller.role, spec, purpose, caller.request_id,
        caller.subject,
    )  # fmt: skip
    request.state.caller = wider
    return wider
