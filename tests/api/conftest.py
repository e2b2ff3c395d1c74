"""Fixtures for the command line and HTTP API tests: each runs on both stores."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from api.console import app
from graph.embedded_store import EmbeddedStore
from graph.neo4j_store import Neo4jStore

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import neo4j
    from typer.testing import Result

    from tests.conftest import Neo4jServer


@dataclass(frozen=True, slots=True)
class Cli:
    """Runs ``credlink`` in-process against one store."""

    location: str
    env: dict[str, str]
    audit_log: Path

    def run(self, *args: str, code: int = 0) -> Result:
        """Run ``credlink --store LOCATION ARGS``; the exit code must be ``code``."""
        import api.cli  # noqa: F401 - registers the commands on the app

        result = CliRunner().invoke(
            app, ["--store", self.location, *args], env=self.env, catch_exceptions=False
        )
        assert result.exit_code == code, result.output
        return result

    def json(self, *args: str, code: int = 0) -> Any:
        """Run with ``--json`` and parse what it printed."""
        return json.loads(self.run(*args, "--json", code=code).stdout)


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
