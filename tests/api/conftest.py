"""Fixtures for the command line and HTTP API tests: each runs on both stores."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.access.apikeys import create_key
from api.access.roles import load_roles
from api.app import create_app
from api.console import app
from graph.embedded_store import EmbeddedStore
from graph.neo4j_store import Neo4jStore
from tests.factories import resident_id

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import httpx2
    import neo4j
    from typer.testing import Result

    from api.access.roles import AccessPolicy
    from graph.store import GraphStore
    from tests.conftest import Neo4jServer


@dataclass(frozen=True, slots=True)
class Cli:
    """Runs ``credlink`` in-process against one store."""

    location: str
    env: dict[str, str]
    audit_log: Path

    def run(self, *args: str, code: int = 0, stdin: str | None = None) -> Result:
        """Run ``credlink --store LOCATION ARGS`` (``stdin`` its input); the exit
        code must be ``code``."""
        import api.cli  # noqa: F401 - registers the commands on the app

        result = CliRunner().invoke(
            app,
            ["--store", self.location, *args],
            input=stdin,
            env=self.env,
            catch_exceptions=False,
        )
        assert result.exit_code == code, result.output
        return result

    def json(self, *args: str, code: int = 0, stdin: str | None = None) -> Any:
        """Run with ``--json`` and parse what it printed."""
        return json.loads(self.run(*args, "--json", code=code, stdin=stdin).stdout)


@pytest.fixture
def embedded_cli(tmp_path: Path) -> Cli:
    """The CLI on a fresh (existing, empty) embedded store file."""
    EmbeddedStore(tmp_path / "cli.db").close()
    audit_log = tmp_path / "audit.jsonl"
    env = {"CREDLINK_AUDIT_LOG": str(audit_log)}
    return Cli(location=str(tmp_path / "cli.db"), env=env, audit_log=audit_log)


@pytest.fixture
def neo4j_cli(
    neo4j_server: Neo4jServer, neo4j_driver: neo4j.Driver, tmp_path: Path
) -> Iterator[Cli]:
    """The CLI on the session's Neo4j, emptied before and after."""
    store = Neo4jStore(neo4j_driver)
    store.wipe()
    audit_log = tmp_path / "audit.jsonl"
    env = {
        "NEO4J_USER": neo4j_server.user,
        "NEO4J_PASSWORD": neo4j_server.password,
        "CREDLINK_AUDIT_LOG": str(audit_log),
    }
    yield Cli(location=neo4j_server.uri, env=env, audit_log=audit_log)
    store.wipe()


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def cli(request: pytest.FixtureRequest) -> Cli:
    """The CLI on each store in turn."""
    chosen: Cli = request.getfixturevalue(f"{request.param}_cli")
    return chosen


# -- the HTTP API with a key per role ------------------------------------------------

PURPOSES: dict[str, str] = {
    "investigator": "执法检查",
    "sanctions_officer": "执法检查",
    "appointment_checker": "企业高管任职审查",
    "public": "",
    "auditor": "",
    "authorised_party": "",
    "admin": "",
    "exchange_partner": "",
    "citizen": "",
}
"""A purpose each shipped role may state (empty: the role's default, or none)."""


@dataclass
class Api:
    """The HTTP API through TestClient, with a key for every role of its policy."""

    client: TestClient
    keys: dict[str, str]
    audit_log: Path

    def headers(self, role: str, purpose: str | None = None) -> dict[bytes, bytes]:
        """Bearer key and purpose (UTF-8 bytes, as a client sends them)."""
        stated = PURPOSES.get(role, "") if purpose is None else purpose
        headers = {b"Authorization": f"Bearer {self.keys[role]}".encode("ascii")}
        if stated:
            headers[b"X-Purpose"] = stated.encode("utf-8")
        return headers

    def post(
        self,
        path: str,
        body: dict[str, Any],
        role: str = "investigator",
        purpose: str | None = None,
    ) -> httpx2.Response:
        """POST ``body`` as ``role``."""
        return self.client.post(path, json=body, headers=self.headers(role, purpose))

    def get(
        self,
        path: str,
        role: str = "investigator",
        purpose: str | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx2.Response:
        """GET as ``role``."""
        return self.client.get(path, params=params, headers=self.headers(role, purpose))

    def audit(self) -> list[dict[str, Any]]:
        """The audit entries so far."""
        if not self.audit_log.exists():
            return []
        lines = self.audit_log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]


@contextmanager
def open_api(
    store: GraphStore,
    tmp_path: Path,
    policy: AccessPolicy | None = None,
    citizen: str = resident_id(1),
) -> Iterator[Api]:
    """The app on ``store`` with a fresh key per role (audit and quota files in
    ``tmp_path``). A role bound to one person (citizen) gets a key for
    ``citizen`` when the store holds that person, else none."""
    chosen = policy or load_roles()
    keys: dict[str, str] = {}
    for role, spec in chosen.roles.items():
        if spec.own_file and store.get_person(citizen) is None:
            continue
        person = citizen if spec.own_file else None
        name = f"{role} system"
        keys[role] = create_key(store, chosen, role=role, name=name, person=person).key
    audit_log = tmp_path / "audit.jsonl"
    app = create_app(
        store, audit_log, policy=chosen, quota_file=tmp_path / "quota.sqlite"
    )
    with TestClient(app) as client:
        yield Api(client, keys, audit_log)
