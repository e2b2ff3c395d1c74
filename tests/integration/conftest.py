"""Store fixtures: every contract test runs against both stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graph.embedded_store import EmbeddedStore
from graph.neo4j_store import Neo4jStore

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import neo4j

    from graph.store import GraphStore


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
