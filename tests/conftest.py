"""Session fixtures: one real Neo4j server for the whole run.

The server comes from, in this order: ``NEO4J_URI`` (with ``NEO4J_USER``,
``NEO4J_PASSWORD`` and optionally ``NEO4J_DATABASE``) when it is set; a
testcontainers ``neo4j:5.26-community`` container when a Docker engine answers;
else the local launcher (docker/neo4j_launcher.py) in a temporary HOME with auth
off. When none of them gives a server, the tests that need one fail; they never
skip. The terminal summary says which server was used and its version.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import secrets
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, LiteralString

import neo4j
import neo4j_launcher
import pytest

from graph.embedded_store import EmbeddedStore
from graph.neo4j_store import Neo4jStore

if TYPE_CHECKING:
    from collections.abc import Iterator

    from _pytest.terminal import TerminalReporter

    from graph.store import GraphStore

IMAGE = "neo4j:5.26-community"
_DOCKER_SOCKET = "/var/run/docker.sock"  # where the SDK looks without DOCKER_HOST

_USED = pytest.StashKey[str]()


@dataclass(frozen=True, slots=True)
class Neo4jServer:
    """Where the session's Neo4j answers and how to log in (empty password: no auth)."""

    uri: str
    user: str
    password: str
    database: str = "neo4j"

    @property
    def auth(self) -> tuple[str, str] | None:
        """The ``auth`` argument for ``neo4j.GraphDatabase.driver``."""
        return (self.user, self.password) if self.password else None


@pytest.fixture(scope="session")
def neo4j_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Neo4jServer]:
    """The session's Neo4j server, started once and stopped at the end."""
    with contextlib.ExitStack() as cleanup:
        server, source = _provide_server(cleanup, tmp_path_factory)
        version = _server_version(server, source)
        request.config.stash[_USED] = f"Neo4j {version} via {source} at {server.uri}"
        yield server


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_server: Neo4jServer) -> Iterator[neo4j.Driver]:
    """One driver for the session's server, closed at the end."""
    driver = neo4j.GraphDatabase.driver(neo4j_server.uri, auth=neo4j_server.auth)
    try:
        yield driver
    finally:
        driver.close()


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    """Say which Neo4j the tests ran against, so CI logs show that they did."""
    used = terminalreporter.config.stash.get(_USED, None)
    terminalreporter.write_sep("-", "neo4j")
    terminalreporter.write_line(used or "no test used a Neo4j server")


def _provide_server(
    cleanup: contextlib.ExitStack, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Neo4jServer, str]:
    uri = os.environ.get("NEO4J_URI")
    if uri:
        server = Neo4jServer(
            uri=uri,
            user=os.environ.get("NEO4J_USER", "neo4j"),
            password=os.environ.get("NEO4J_PASSWORD", ""),
            database=os.environ.get("NEO4J_DATABASE") or "neo4j",
        )
        return server, "NEO4J_URI"
    if _docker_answers():
        return _container(cleanup), f"testcontainers ({IMAGE})"
    home = tmp_path_factory.mktemp("neo4j-home")
    try:
        # stopped by its watchdog should this session be killed (SIGKILL)
        info = neo4j_launcher.start(home, auth=False, stop_with=os.getpid())
    except neo4j_launcher.LauncherError as exc:
        failure = (
            "No Neo4j server for the tests: NEO4J_URI is unset, no Docker engine "
            f"answered, and the local launcher failed: {exc}"
        )
    else:
        cleanup.callback(_stop_launched, home)
        return Neo4jServer(info.uri, info.user, password=""), "local launcher"
    pytest.fail(failure, pytrace=False)  # outside `except`: no chained traceback


def _stop_launched(home: Path) -> None:
    neo4j_launcher.stop(home)
    # The logs stay for a look after a failed run; the store is not needed.
    shutil.rmtree(home / "data", ignore_errors=True)


def _docker_answers() -> bool:
    """True if a Docker engine answers a ping within a few seconds."""
    if not os.environ.get("DOCKER_HOST") and not Path(_DOCKER_SOCKET).exists():
        return False
    try:
        # By name: for mypy, `docker` would be this repository's docker/ folder.
        docker = importlib.import_module("docker")
    except ImportError:
        return False
    with warnings.catch_warnings():
        # The SDK leaks the socket of a failed connection, and third-party
        # deprecations must not turn the probe into an error.
        warnings.simplefilter("ignore", ResourceWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            client = docker.from_env(timeout=3)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except (docker.errors.DockerException, OSError):
            return False
        finally:
            gc.collect()  # so that the leaked socket is closed while ignored


def _container(cleanup: contextlib.ExitStack) -> Neo4jServer:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            from testcontainers.community.neo4j import Neo4jContainer
        except ImportError:  # testcontainers before the community/ layout
            from testcontainers.neo4j import Neo4jContainer

        container = Neo4jContainer(IMAGE, password=secrets.token_urlsafe(12))
        container.start()
    cleanup.callback(container.stop)
    return Neo4jServer(
        uri=container.get_connection_url(),
        user=container.username,
        password=container.password,
    )


def _server_version(server: Neo4jServer, source: str) -> str:
    """``version edition`` of the server; fails the fixture if it does not answer."""
    query: LiteralString = (
        "CALL dbms.components() YIELD name, versions, edition "
        "WHERE name = 'Neo4j Kernel' RETURN versions[0] AS version, edition"
    )
    try:
        with (
            neo4j.GraphDatabase.driver(server.uri, auth=server.auth) as driver,
            # A plain session: execute_query would retry for half a minute.
            driver.session(database=server.database) as session,
        ):
            record = session.run(query).single(strict=True)
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
        failure = f"Neo4j from {source} at {server.uri} does not answer: {exc}"
    else:
        return f"{record['version']} {record['edition']}"
    pytest.fail(failure, pytrace=False)  # outside `except`: no chained traceback


# -- stores: every contract test runs against both ---------------------------------


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    """A fresh embedded store in a temporary file."""
    store = EmbeddedStore(tmp_path / "credlink.db")
    yield store
    store.close()


@pytest.fixture
def neo4j_store(neo4j_driver: neo4j.Driver) -> Iterator[Neo4jStore]:
    """The session's Neo4j, emptied before and after the test."""
    store = Neo4jStore(neo4j_driver)
    store.wipe()
    yield store
    store.wipe()
    store.close()


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> GraphStore:
    """Each store in turn: the contract holds for both."""
    fixture: GraphStore = request.getfixturevalue(f"{request.param}_store")
    return fixture
