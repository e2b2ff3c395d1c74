"""Tokens of an organisation's identity provider: JWT bearer tokens verified
against the provider's issuer and JWKS (PyJWT), with audience, expiry and
algorithms pinned; the role comes from a configured claim.

Configured from the environment (unset ``CREDLINK_OIDC_ISSUER``: no tokens are
accepted):

- ``CREDLINK_OIDC_ISSUER``: the ``iss`` every token must carry;
- ``CREDLINK_OIDC_JWKS_URL``: where the provider publishes its signing keys;
- ``CREDLINK_OIDC_AUDIENCE``: the ``aud`` every token must carry;
- ``CREDLINK_OIDC_ROLE_CLAIM`` (default ``credlink_role``): the claim naming the
  credlink role;
- ``CREDLINK_OIDC_ALGORITHMS`` (default ``RS256,ES256``): accepted signatures
  (never ``none``, never HMAC: the provider's public keys verify).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import jwt

from graph.errors import AuthenticationError, InvalidRequestError

_ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
    | {"EdDSA"}
)


@dataclass(frozen=True, slots=True)
class OidcSettings:
    """Which identity provider's tokens credlink accepts, and how it reads them."""

    issuer: str
    jwks_url: str
    audience: str
    role_claim: str = "credlink_role"
    algorithms: tuple[str, ...] = ("RS256", "ES256")

    @classmethod
    def from_env(cls) -> OidcSettings | None:
        """The settings in the environment; None when no issuer is configured."""
        issuer = os.environ.get("CREDLINK_OIDC_ISSUER", "").strip()
        if not issuer:
            return None
        jwks_url = os.environ.get("CREDLINK_OIDC_JWKS_URL", "").strip()
        audience = os.environ.get("CREDLINK_OIDC_AUDIENCE", "").strip()
        if not jwks_url or not audience:
            raise InvalidRequestError(
                "CREDLINK_OIDC_ISSUER is set: CREDLINK_OIDC_JWKS_URL and "
                "CREDLINK_OIDC_AUDIENCE must be set too"
            )
        algorithms = tuple(
            a.strip()
            for a in os.environ.get("CREDLINK_OIDC_ALGORITHMS", "RS256,ES256").split(
                ","
            )
            if a.strip()
        )
        unsafe = [a for a in algorithms if a not in _ASYMMETRIC]
        if unsafe or not algorithms:
            raise InvalidRequestError(
                f"CREDLINK_OIDC_ALGORITHMS: {', '.join(unsafe) or '(none)'} not "
                f"accepted; choose among {', '.join(sorted(_ASYMMETRIC))}"
            )
        return cls(
            issuer=issuer,
            jwks_url=jwks_url,
            audience=audience,
            role_claim=os.environ.get("CREDLINK_OIDC_ROLE_CLAIM", "credlink_role"),
            algorithms=algorithms,
        )


@dataclass(frozen=True, slots=True)
class TokenIdentity:
    """Who a verified token names: subject, display name, credlink role."""

    subject: str
    name: str
    role: str


class OidcVerifier:
    """Verifies bearer tokens of one identity provider (its keys cached 5 min)."""

    def __init__(self, settings: OidcSettings) -> None:
        self._settings = settings
        self._keys = jwt.PyJWKClient(
            settings.jwks_url, cache_keys=True, lifespan=300, timeout=5
        )

    def verify(self, token: str) -> TokenIdentity:
        """The identity of a valid token; AuthenticationError otherwise."""
        settings = self._settings
        try:
            signing_key = self._keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                signing_key.key,
                algorithms=list(settings.algorithms),
                audience=settings.audience,
                issuer=settings.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationError("expired", "the token has expired") from exc
        except jwt.PyJWKClientError as exc:
            raise AuthenticationError(
                "token", f"the token cannot be verified: {exc}"
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise AuthenticationError(
                "token", f"the token is not valid: {exc}"
            ) from exc
        role = claims.get(settings.role_claim)
        if not isinstance(role, str) or not role:
            raise AuthenticationError(
                "token", f"the token carries no {settings.role_claim!r} claim"
            )
        subject = str(claims["sub"])
        name = claims.get("name") or claims.get("preferred_username") or subject
        return TokenIdentity(subject=subject, name=str(name), role=role)
