"""Tokens of an identity provider: verified against a JWKS the test serves on
127.0.0.1, with a key pair the test makes; audience, issuer, expiry and
algorithms pinned; the role from a claim."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from api.access.oidc import OidcSettings
from api.app import create_app
from tests.factories import make_person, resident_id

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from graph.store import GraphStore

ISSUER = "https://idp.example.test/realms/city"
AUDIENCE = "credlink"


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    """The provider's signing key, and a stranger's."""
    return {"provider": _rsa(), "stranger": _rsa()}


@pytest.fixture(scope="module")
def jwks_url(keys: dict[str, rsa.RSAPrivateKey]) -> Iterator[str]:
    """The provider's JWKS, served on 127.0.0.1 for the module."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(keys["provider"].public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(store: GraphStore, tmp_path: Path, jwks_url: str) -> Iterator[TestClient]:
    """The API trusting the provider."""
    store.upsert_persons([make_person()])
    settings = OidcSettings(issuer=ISSUER, jwks_url=jwks_url, audience=AUDIENCE)
    app = create_app(
        store, tmp_path / "audit.jsonl", quota_file=tmp_path / "q", oidc=settings
    )
    with TestClient(app) as test_client:
        yield test_client


def _token(
    key: rsa.RSAPrivateKey | None,
    algorithm: str = "RS256",
    **overrides: Any,
) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "u-42",
        "name": "市场监管局 王科长",
        "exp": now + 300,
        "iat": now,
        "credlink_role": "investigator",
        **overrides,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    signing: Any = key  # None for the unsigned token ("none")
    return jwt.encode(claims, signing, algorithm=algorithm, headers={"kid": "k1"})


def _lookup(client: TestClient, token: str) -> Any:
    return client.post(
        "/persons/lookup",
        json={"id_number": resident_id(1)},
        headers={
            "Authorization": f"Bearer {token}",
            "X-Purpose": "enforcement_inspection",
        },
    )


def test_a_valid_token_answers_and_names_its_subject(
    client: TestClient, keys: dict[str, rsa.RSAPrivateKey], tmp_path: Path
) -> None:
    response = _lookup(client, _token(keys["provider"]))
    assert response.status_code == 200, response.text
    entry = json.loads((tmp_path / "audit.jsonl").read_text(encoding="utf-8"))
    assert (entry["key_id"], entry["key_name"], entry["role"]) == (
        "oidc:u-42",
        "市场监管局 王科长",
        "investigator",
    )


def _public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("expired", 401),
        ("wrong audience", 401),
        ("wrong issuer", 401),
        ("no role claim", 401),
        ("no subject", 401),
        ("another key", 401),
        ("hmac with the public key", 401),
        ("unsigned", 401),
        ("unknown role", 403),
        ("role without the action", 403),
    ],
)
def test_bad_tokens_are_refused(
    client: TestClient, keys: dict[str, rsa.RSAPrivateKey], case: str, status: int
) -> None:
    provider = keys["provider"]
    token = {
        "expired": lambda: _token(provider, exp=int(time.time()) - 10),
        "wrong audience": lambda: _token(provider, aud="another-app"),
        "wrong issuer": lambda: _token(provider, iss="https://evil.test"),
        "no role claim": lambda: _token(provider, credlink_role=None),
        "no subject": lambda: _token(provider, sub=None),
        "another key": lambda: _token(keys["stranger"]),
        "hmac with the public key": lambda: _hmac_token(provider),
        "unsigned": lambda: _token(None, algorithm="none"),
        "unknown role": lambda: _token(provider, credlink_role="emperor"),
        "role without the action": lambda: _token(provider, credlink_role="auditor"),
    }[case]()
    response = _lookup(client, token)
    assert response.status_code == status, response.text
    assert token not in response.text


def _hmac_token(provider: rsa.RSAPrivateKey) -> str:
    """The classic confusion: HS256 keyed with the provider's public key."""
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "kid": "k1", "typ": "JWT"}).encode())
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 60,
              "credlink_role": "investigator"}  # fmt: skip
    payload = b64(json.dumps(claims).encode())
    signing = f"{header}.{payload}".encode()
    signature = hmac.new(_public_pem(provider), signing, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def test_settings_refuse_symmetric_or_missing_algorithms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CREDLINK_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("CREDLINK_OIDC_JWKS_URL", "http://127.0.0.1:9/certs")
    monkeypatch.setenv("CREDLINK_OIDC_AUDIENCE", AUDIENCE)
    assert OidcSettings.from_env() is not None
    monkeypatch.setenv("CREDLINK_OIDC_ALGORITHMS", "HS256,none")
    from graph.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="HS256, none not accepted"):
        OidcSettings.from_env()
