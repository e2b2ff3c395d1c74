"""credlink through a ``neo4j://`` routing address, reads routed as reads.

A cluster is reached through a routing address: the driver asks the server for its
routing table and sends each transaction to a writer or a reader by its access mode.
The session's single server answers routing requests too (it is its own router,
reader and writer), so every test here opens the store with the ``neo4j://`` form
of the session server's address, through ``Neo4jStore.connect`` as the CLI and the
API do: a generated registry is loaded, linked and propagated, its answers equal the
embedded store's, and the driver's wire log shows every read transaction begun in
read mode and every write in write mode.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import neo4j
import pytest

from graph.embedded_store import EmbeddedStore
from graph.model import EntityKind
from graph.neo4j_store import Neo4jStore
from graph.policy import load_catalogue
from linkage.link_store import link_store
from loaders.generator import generate
from loaders.pipeline import load_folder
from tests.factories import make_person
from tests.integration.test_differential import _answers

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import Neo4jServer

pytestmark = pytest.mark.neo4j

_SAMPLE = 25
_BEGIN = re.compile(r"C: BEGIN (\{.*\})")
_AUTO_RUN = re.compile(r"C: RUN .* (\{.*'(?:db|mode)'.*\})$")


def routing_address(uri: str) -> str:
    """The ``neo4j://`` form of a ``bolt://`` address (``+s``/``+ssc`` kept)."""
    scheme, rest = uri.split("://", 1)
    return scheme.replace("bolt", "neo4j") + "://" + rest


@pytest.fixture(scope="module")
def routed(neo4j_server: Neo4jServer) -> Iterator[Neo4jStore]:
    """The session's server opened through its routing address, emptied around."""
    store = Neo4jStore.connect(
        routing_address(neo4j_server.uri),
        neo4j_server.user,
        neo4j_server.password or None,
        database=neo4j_server.database,
    )
    store.wipe()
    yield store
    store.wipe()
    store.close()


@pytest.fixture(scope="module")
def registry(
    routed: Neo4jStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmbeddedStore]:
    """A generated registry loaded, linked and propagated in both stores; the
    embedded copy."""
    tmp = tmp_path_factory.mktemp("routing")
    folder = tmp / "registry"
    generate(folder, persons=200, enterprises=30, seed=16)
    embedded = EmbeddedStore(tmp / "embedded.db")
    catalogue = load_catalogue()
    routed.apply_schema()
    for store in (embedded, routed):
        load_folder(folder, store, quarantine_dir=tmp / "q")
        link_store(store)
        store.propagate(catalogue, full=True)
    yield embedded
    embedded.close()


def _sample(store: Neo4jStore | EmbeddedStore, source: EmbeddedStore) -> object:
    """What ``store`` answers about a sample of ``source``'s keys (every read of
    the differential test's reader, each key a round trip)."""
    return _answers(
        store,
        people=[p.person_id for p in source.iter_persons()][:_SAMPLE],
        companies=[e.credit_code for e in source.iter_enterprises()][:_SAMPLE],
        sanction_ids=[s.sanction_id for s in source.iter_sanctions()][:_SAMPLE],
        records=[
            (r.source, r.record_id)
            for kind in EntityKind
            for r in source.iter_source_records(kind)
        ][:_SAMPLE],
        days=(None,),
    )


def test_the_store_opens_a_routing_driver(routed: Neo4jStore) -> None:
    assert isinstance(routed.driver, neo4j.Neo4jDriver)  # routing, not direct
    assert routed.location.startswith("neo4j://")


def test_a_registry_loaded_linked_and_propagated_through_routing_answers_as_embedded(
    routed: Neo4jStore, registry: EmbeddedStore
) -> None:
    assert routed.counts() == registry.counts()
    assert registry.counts().roles > 0
    assert routed.restriction_facts() == registry.restriction_facts()
    assert _sample(routed, registry) == _sample(registry, registry)
    assert list(routed.iter_persons()) == list(registry.iter_persons())
    assert routed.candidates() == registry.candidates()
    assert routed.links_complete()


def _modes(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The access mode of each transaction the driver began (``r`` or ``w``)."""
    modes = []
    for message in caplog.messages:
        begun = _BEGIN.search(message) or _AUTO_RUN.search(message)
        if begun is not None:
            modes.append("r" if "'mode': 'r'" in begun.group(1) else "w")
    return modes


def test_reads_are_begun_as_reads_and_writes_as_writes(
    routed: Neo4jStore,
    registry: EmbeddedStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="neo4j.io"):
        _sample(routed, registry)
        list(routed.iter_source_records(EntityKind.PERSON))  # streamed, auto-commit
        routed.record_links()
        routed.judgements()
        routed.conflicts()
        routed.pending_sanctions()
        list(routed.iter_roles())
    reads = _modes(caplog)
    assert len(reads) > 100
    assert set(reads) == {"r"}
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="neo4j.io"):
        routed.upsert_persons([make_person()])
    assert _modes(caplog) == ["w"]


def test_a_second_link_through_routing_writes_nothing_as_on_the_embedded_store(
    routed: Neo4jStore, registry: EmbeddedStore
) -> None:
    report = link_store(routed)
    assert report.writes == 0  # incremental: nothing pending, nothing to write
    full = link_store(routed, full=True)
    assert (full.writes, full.summary) == (0, link_store(registry, full=True).summary)
