"""The real HTTP server: ``credlink serve`` in its own process, over TCP."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import httpx2
import pytest

from graph.embedded_store import EmbeddedStore
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    resident_id,
)
from tests.serving import free_port, serving

if TYPE_CHECKING:
    from pathlib import Path


def test_serve_answers_over_http_and_audits(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    seeded = EmbeddedStore(db)
    seeded.upsert_persons([make_person()])
    seeded.close()
    port = free_port()
    env = {**os.environ, "CREDLINK_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    made = subprocess.run(
        [sys.executable, "-m", "api", "--store", str(db), "keys", "create",
         "--role", "investigator", "--name", "调查组 7", "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    key = json.loads(made.stdout)["key"]
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "--store", str(db), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx2.get(f"{base}/health", timeout=1)
                break
            except httpx2.TransportError:
                assert server.poll() is None, (
                    server.stdout.read() if server.stdout else ""
                )
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "store": "EmbeddedStore"}
        headers = {
            "Authorization": f"Bearer {key}",
            "X-Purpose": "enforcement_inspection",
        }
        person = httpx2.post(
            f"{base}/persons/lookup",
            json={"id_number": resident_id(1)},
            headers=headers,
        )
        assert person.status_code == 200, person.text
        assert person.json()["name"] == "张伟"
        entry = json.loads((tmp_path / "audit.jsonl").read_text(encoding="utf-8"))
        assert (entry["key_name"], entry["subject"]) == ("调查组 7", resident_id(1))
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()


def test_a_server_sees_the_writes_of_another_process(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    seeded = EmbeddedStore(db)
    seeded.upsert_persons([make_person()])
    seeded.upsert_enterprises([make_enterprise()])
    seeded.close()
    key = _key(db, tmp_path)
    who = {"Authorization": f"Bearer {key}", "X-Purpose": "enforcement_inspection"}
    body = {"id_number": resident_id(1)}
    with serving(db, tmp_path) as base:
        url = f"{base}/persons/related"
        before = httpx2.post(url, json=body, headers=who)
        assert before.status_code == 200, before.text
        assert before.json()["roles"] == []  # the projection is built now
        writer = EmbeddedStore(db)  # this test's process, not the server's
        writer.upsert_roles([make_role()])
        writer.close()
        after = httpx2.post(url, json=body, headers=who).json()
        assert [r["credit_code"] for r in after["roles"]] == [credit_code(1)]


def test_a_server_without_a_store_answers_503(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "credlink.db"
    with serving(missing, tmp_path) as base:
        answer = httpx2.post(
            f"{base}/persons/lookup",
            json={"id_number": resident_id(1)},
            headers={"Authorization": "Bearer clk_aaaaaaaaaa_x"},
        )
        assert answer.status_code == 503
        assert str(tmp_path) not in answer.text  # names nothing internal
        assert httpx2.get(f"{base}/health").status_code == 503
    assert not missing.parent.exists()


def _key(db: Path, tmp_path: Path) -> str:
    """An investigator's key, made by the real command."""
    made = subprocess.run(
        [sys.executable, "-m", "api", "--store", str(db), "keys", "create",
         "--role", "investigator", "--name", "t", "--json"],
        env={**os.environ, "CREDLINK_AUDIT_LOG": str(tmp_path / "audit.jsonl")},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    key: str = json.loads(made.stdout)["key"]
    return key


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM), made by the test."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_serve_over_tls(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    EmbeddedStore(db).close()
    cert, key = _self_signed(tmp_path)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "--store", str(db), "serve", "--port", str(port),
         "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)],
        env={**os.environ, "CREDLINK_AUDIT_LOG": str(tmp_path / "audit.jsonl")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    trusted = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx2.get(
                    f"https://127.0.0.1:{port}/health", verify=trusted, timeout=2
                )
                break
            except httpx2.TransportError:
                assert server.poll() is None
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        with pytest.raises(httpx2.TransportError):
            httpx2.get(f"http://127.0.0.1:{port}/health", timeout=2)  # plain: no
    finally:
        server.terminate()
        server.wait(timeout=30)
