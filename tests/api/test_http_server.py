"""The real HTTP server: ``credlink serve`` in its own process, over TCP."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import httpx2
import pytest

from graph.embedded_store import EmbeddedStore
from tests.factories import make_person, resident_id

if TYPE_CHECKING:
    from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_answers_over_http_and_audits(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    seeded = EmbeddedStore(db)
    seeded.upsert_persons([make_person()])
    seeded.close()
    port = _free_port()
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
    port = _free_port()
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
