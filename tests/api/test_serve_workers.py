"""``credlink serve --workers 4`` under 50 concurrent clients × 20 requests
(loopback only): exactly one audit entry per answered request, a chain that
verifies, every kind of tampering detected and named, and no full ID number or
key in the server's own log after a run over every route."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Any

import httpx2
import pytest

from api.access.apikeys import create_key
from api.access.roles import load_roles
from graph.embedded_store import EmbeddedStore
from graph.model import RoleType
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)
from tests.serving import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

CLIENTS, REQUESTS = 50, 20
PERSONS = [resident_id(n) for n in range(1, 9)]
_ID_RUN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def _credlink(*args: str, env: dict[str, str], code: int = 0) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "api", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == code, done.stderr
    return done


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A seeded store, a key per client and per role, and the server running."""
    folder = tmp_path_factory.mktemp("served")
    db = folder / "s.db"
    store = EmbeddedStore(db)
    store.upsert_persons([make_person(person_id=p) for p in PERSONS])
    store.upsert_enterprises(
        [make_enterprise(), make_enterprise(credit_code=credit_code(2))]
    )
    store.upsert_roles(
        [make_role(person_id=p, role=RoleType.DIRECTOR, since=date(2015, 1, 1))
         for p in PERSONS]
        + [make_role(person_id=PERSONS[0], role=RoleType.LEGAL_REPRESENTATIVE)]
    )  # fmt: skip
    store.upsert_sanctions([make_sanction(sanction_id="S9")])
    policy = load_roles()
    clients = [
        create_key(store, policy, role="investigator", name=f"client {n}").key
        for n in range(CLIENTS)
    ]
    roles = {
        r: create_key(
            store, policy, role=r, name=r,
            person=PERSONS[0] if spec.own_file else None,  # citizen: their own key
        ).key
        for r, spec in policy.roles.items()
    }  # fmt: skip
    store.close()
    audit_log = folder / "audit.jsonl"
    env = {
        **os.environ,
        "CREDLINK_AUDIT_LOG": str(audit_log),
        "CREDLINK_STORE": str(db),
    }
    port = free_port()
    server_log = folder / "server.log"
    with server_log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--port", str(port),
             "--workers", "4"],
            env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx2.get(f"{base}/health", timeout=2).status_code == 200:
                break
        except httpx2.TransportError:
            pass
        assert server.poll() is None, server_log.read_text(errors="replace")
        assert time.monotonic() < deadline, "the server did not come up"
        time.sleep(0.3)
    try:
        yield {
            "base": base, "clients": clients, "roles": roles, "env": env,
            "audit_log": audit_log, "server_log": server_log, "server": server,
            "folder": folder,
        }  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=60)


def _client_run(base: str, key: str, client: int) -> list[int]:
    headers = {"Authorization": f"Bearer {key}", "X-Purpose": "enforcement_inspection"}
    statuses = []
    with httpx2.Client(base_url=base, headers=headers, timeout=60) as http:
        for i in range(REQUESTS):
            person = PERSONS[(client + i) % len(PERSONS)]
            path, body = [
                ("/persons/lookup", {"id_number": person}),
                ("/persons/related", {"id_number": person}),
                ("/persons/restrictions", {"id_number": person}),
                ("/sanctions/trace", {"sanction_id": "S9"}),
            ][i % 4]
            statuses.append(http.post(path, json=body).status_code)
    return statuses


def test_concurrent_clients_get_one_entry_each_and_a_chain_that_holds(
    served: dict[str, Any],
) -> None:
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        runs = list(
            pool.map(
                lambda n: _client_run(served["base"], served["clients"][n], n),
                range(CLIENTS),
            )
        )
    statuses = [s for run in runs for s in run]
    assert statuses == [200] * (CLIENTS * REQUESTS)
    entries = [
        json.loads(line)
        for line in served["audit_log"].read_text(encoding="utf-8").splitlines()
    ]
    answered = [e for e in entries if e["outcome"] == "answered"]
    assert len(answered) == CLIENTS * REQUESTS
    assert len({e["request_id"] for e in answered}) == len(answered)  # no doubles
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    per_key: dict[str, int] = {}
    for entry in answered:
        per_key[entry["key_name"]] = per_key.get(entry["key_name"], 0) + 1
    assert set(per_key.values()) == {REQUESTS}
    report = json.loads(
        _credlink("audit", "verify", "--json", env=served["env"]).stdout
    )
    assert report["ok"] is True
    assert report["entries"] == len(entries)
    assert report["checkpoints"] >= len(entries) // 32


def _verify_copy(served: dict[str, Any], lines: list[str], name: str) -> Any:
    copy = served["folder"] / f"{name}.jsonl"
    copy.write_text("".join(lines), encoding="utf-8")
    env = {**served["env"], "CREDLINK_AUDIT_LOG": str(copy)}
    done = _credlink("audit", "verify", "--json", env=env, code=1)
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("tamper", "word"),
    [("edit", "edited"), ("delete", "deleted"), ("reorder", "reordered"),
     ("truncate", "truncated")],
)  # fmt: skip
def test_tampering_with_the_served_log_is_named(
    served: dict[str, Any], tamper: str, word: str
) -> None:
    lines = served["audit_log"].read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) >= CLIENTS * REQUESTS
    middle = len(lines) // 2
    if tamper == "edit":
        entry = json.loads(lines[middle])
        entry["purpose"] = "好奇"
        lines[middle] = json.dumps(entry, ensure_ascii=False) + "\n"
    elif tamper == "delete":
        del lines[middle]
    elif tamper == "reorder":
        lines[middle], lines[middle + 1] = lines[middle + 1], lines[middle]
    else:
        lines = lines[:100]
    report = _verify_copy(served, lines, tamper)
    assert report["ok"] is False
    assert word in report["problem"]
    assert report["first_bad"] == (101 if tamper == "truncate" else middle + 1)


def test_no_full_number_or_key_in_the_server_log(served: dict[str, Any]) -> None:
    base, roles = served["base"], served["roles"]
    purposes = {"investigator": "enforcement_inspection",
                "sanctions_officer": "enforcement_inspection",
                "appointment_checker": "executive_appointment_review"}  # fmt: skip
    person = PERSONS[0]
    calls: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("investigator", "post", "/persons/lookup", {"id_number": person}),
        ("investigator", "post", "/persons/related", {"id_number": person}),
        ("investigator", "post", "/persons/restrictions", {"id_number": person}),
        ("investigator", "post", "/persons/lookup", {"id_number": resident_id(99)}),
        ("investigator", "post", "/persons/lookup", {"id_number": person + "1"}),
        ("investigator", "post", "/connections", {"a": person, "b": PERSONS[1]}),
        ("investigator", "post", "/sanctions/trace", {"sanction_id": "S9"}),
        ("investigator", "get", f"/enterprises/{credit_code(1)}", None),
        ("investigator", "get", f"/enterprises/{credit_code(1)}/people", None),
        ("appointment_checker", "post", "/checks/appointment",
         {"person": person, "role": "director", "enterprise": credit_code(2)}),
        ("sanctions_officer", "post", "/sanctions/objection",
         {"sanction_id": "S9", "reason": "r", "on": "2024-01-01"}),
        ("sanctions_officer", "post", "/sanctions/decision",
         {"sanction_id": "S9", "reason": "r", "upheld": False, "on": "2024-02-01"}),
        ("sanctions_officer", "post", "/sanctions/repair",
         {"sanction_id": "S9", "reason": "r", "on": "2024-03-01"}),
        ("sanctions_officer", "post", "/sanctions/correction",
         {"sanction_id": "S9", "reason": "r", "changes": {"authority": "x"}}),
        ("auditor", "get", "/audit/verify", None),
        ("auditor", "post", "/audit/who-queried", {"person": person}),
        ("auditor", "post", "/audit/review", {"since": "2020-01-01"}),
        ("admin", "get", "/keys", None),
        ("admin", "post", "/keys", {"role": "public", "name": "kiosk"}),
        ("public", "post", "/persons/restrictions", {"id_number": person}),
        ("citizen", "post", "/reports", {}),
        ("citizen", "post", "/reports", {"person": PERSONS[1]}),  # refused
        ("citizen", "post", "/requests",
         {"sanction_id": "S9", "kind": "statement", "text": f"说明 {person}"}),
        ("citizen", "get", "/requests", None),
        ("sanctions_officer", "post", "/requests/open", {"include_decided": True}),
        # an old client still putting the number in the path, and a bad key
        ("public", "get", f"/persons/{person}/restrictions", None),
        ("nobody", "get", f"/persons/{person}", None),
    ]  # fmt: skip
    with httpx2.Client(base_url=base, timeout=30) as http:
        for role, method, path, body in calls:
            key = roles.get(role, "clk_aaaaaaaaaa_" + "x" * 43)
            headers = {"Authorization": f"Bearer {key}"}
            if role in purposes:
                headers["X-Purpose"] = purposes[role]
            response = (
                http.get(path, headers=headers)
                if method == "get"
                else http.post(path, json=body, headers=headers)
            )
            assert response.status_code < 500, (path, response.text)
    time.sleep(0.5)  # let the access log lines reach the file
    log = served["server_log"].read_text(encoding="utf-8", errors="replace")
    assert "/persons/" in log  # the log is the one the server writes to
    assert "Logging error" not in log
    assert "Traceback" not in log
    assert _ID_RUN.findall(log) == []
    for key in [*roles.values(), *served["clients"]]:
        assert key[len("clk_") + 11 :] not in log
