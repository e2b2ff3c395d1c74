"""A load killed at random points and run again gives the graph of an uninterrupted one.

For each store, a generated registry is loaded in a child process that SIGKILLs
itself at a seeded random point five times: before, during or after one of its
upsert calls (so between two transactions, inside one, or right after a commit).
The load is then run to completion, and once more on top. Counts and the content
checksum of :func:`loaders.bulk.content_checksum` must equal those of an
uninterrupted load into a fresh store.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from graph.embedded_store import EmbeddedStore
from graph.model import Person
from graph.neo4j_store import Neo4jStore
from loaders.bulk import content_checksum, registry_keys
from loaders.generator import generate
from loaders.pipeline import load_folder

if TYPE_CHECKING:
    from collections.abc import Iterator

    import neo4j

    from graph.model import Counts
    from graph.store import GraphStore
    from loaders.bulk import RegistryKeys
    from tests.conftest import Neo4jServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KILLS = 5
BATCH = 400  # rows per batch: many batches, so kills land all over the load
SEED = 20240611

# The child: opens the store, wraps each upsert so that the N-th call SIGKILLs
# the process before, during or after it, loads the folder, prints the number of
# upsert calls it made. argv: store spec (JSON), folder, batch size, N (0: never),
# mode.
_WORKER = textwrap.dedent(
    """
    import json, os, signal, sys, threading, time
    from pathlib import Path
    from loaders.pipeline import load_folder

    spec, folder, batch, die_at, mode = json.loads(sys.argv[1]), *sys.argv[2:]
    die_at = int(die_at)
    if spec["kind"] == "embedded":
        from graph.embedded_store import EmbeddedStore
        store = EmbeddedStore(spec["path"])
    else:
        from graph.neo4j_store import Neo4jStore
        auth = (spec["user"], spec["password"]) if spec["password"] else None
        store = Neo4jStore.connect(
            spec["uri"], *(auth or (None, None)), database=spec["database"]
        )
    calls = 0

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def wrap(name):
        original = getattr(store, name)

        def upsert(items):
            global calls
            calls += 1
            if calls == die_at and mode == "before":
                die()
            if calls == die_at and mode == "during":
                threading.Timer(0.002, die).start()
                original(items)
                time.sleep(1)  # the timer fires while or right after writing
                die()
            original(items)
            if calls == die_at:
                die()

        setattr(store, name, upsert)

    for name in ("upsert_persons", "upsert_enterprises", "upsert_roles",
                 "upsert_sanctions", "upsert_source_records"):
        wrap(name)
    load_folder(Path(folder), store, batch_size=int(batch),
                quarantine_dir=Path(folder).parent / "quarantine")
    store.close()
    print(calls)
    """
)


@dataclass(frozen=True, slots=True)
class _Target:
    """How to open the store under test, in this process and in the child."""

    spec: dict[str, str]

    def open(self) -> GraphStore:
        """A new store object (the embedded one re-reads its file)."""
        if self.spec["kind"] == "embedded":
            return EmbeddedStore(self.spec["path"])
        auth = self.spec["user"], self.spec["password"]
        return Neo4jStore.connect(
            self.spec["uri"],
            *(auth if self.spec["password"] else (None, None)),
            database=self.spec["database"],
        )


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RegistryKeys]:
    """A generated registry of 600 people and 150 enterprises, and its keys."""
    folder = tmp_path_factory.mktemp("resume") / "registry"
    generate(folder, persons=600, enterprises=150, seed=SEED)
    return folder, registry_keys(folder)


@pytest.fixture
def target(request: pytest.FixtureRequest, store: GraphStore) -> Iterator[_Target]:
    """The store under test (emptied by its fixture), as an openable spec."""
    if isinstance(store, EmbeddedStore):
        yield _Target({"kind": "embedded", "path": store.location})
        return
    server: Neo4jServer = request.getfixturevalue("neo4j_server")
    yield _Target(
        {
            "kind": "neo4j",
            "uri": server.uri,
            "user": server.user,
            "password": server.password,
            "database": server.database,
        }
    )


def _load(target: _Target, folder: Path, *, die_at: int = 0, mode: str = "") -> int:
    """Run the child; the number of upsert calls it made, or -1 when it was killed."""
    done = subprocess.run(
        [
            *(sys.executable, "-c", _WORKER, json.dumps(target.spec), str(folder)),
            *(str(BATCH), str(die_at), mode),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
        check=False,
    )
    if done.returncode == -signal.SIGKILL:
        return -1
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def _counts(target: _Target) -> Counts:
    store = target.open()
    try:
        return store.counts()
    finally:
        store.close()


def _state(target: _Target, keys: RegistryKeys) -> tuple[Counts, str]:
    store = target.open()
    try:
        return store.counts(), content_checksum(store, keys)
    finally:
        store.close()


def test_killed_loads_resume_to_the_uninterrupted_graph(
    target: _Target,
    registry: tuple[Path, RegistryKeys],
    store: GraphStore,
    tmp_path: Path,
) -> None:
    folder, keys = registry
    # The uninterrupted load, into a fresh store of the same kind.
    if target.spec["kind"] == "embedded":
        reference = _Target({"kind": "embedded", "path": str(tmp_path / "ref.db")})
    else:
        reference = target
    calls = _load(reference, folder)
    expected = _state(reference, keys)
    assert expected[0].roles > 0
    assert expected[0].sanctions > 0
    if reference is target:
        store.wipe()

    rng = random.Random(SEED)
    partial: list[Counts] = []
    for _ in range(KILLS):
        die_at = rng.randint(1, calls)
        mode = rng.choice(["before", "during", "after"])
        assert _load(target, folder, die_at=die_at, mode=mode) == -1
        partial.append(_counts(target))
    # The kills really cut loads short, so the resumed run has work to do.
    assert any(counts != expected[0] for counts in partial)

    # Stubs written by the killed runs are not written again: fewer calls.
    assert 0 < _load(target, folder) <= calls
    assert _state(target, keys) == expected
    # Loading the same folder again changes nothing.
    _load(target, folder)
    assert _state(target, keys) == expected


def test_checksum_sees_a_changed_fact(
    registry: tuple[Path, RegistryKeys], tmp_path: Path
) -> None:
    """The checksum is not blind: one alias more gives another digest."""
    folder, keys = registry
    target = _Target({"kind": "embedded", "path": str(tmp_path / "one.db")})
    _load(target, folder)
    before = _state(target, keys)
    store = target.open()
    try:
        person = store.get_person(keys.persons[0])
        assert person is not None
        store.upsert_persons([Person(person.person_id, "又一个名字")])
    finally:
        store.close()
    after = _state(target, keys)
    assert after[0] == before[0]
    assert after[1] != before[1]


@pytest.mark.neo4j
def test_checksum_agrees_across_stores(
    registry: tuple[Path, RegistryKeys],
    neo4j_store: Neo4jStore,
    neo4j_driver: neo4j.Driver,
    tmp_path: Path,
) -> None:
    """Both stores loaded from one folder give one checksum."""
    folder, keys = registry
    embedded = EmbeddedStore(tmp_path / "e.db")
    try:
        load_folder(folder, embedded, quarantine_dir=tmp_path / "q1")
        load_folder(folder, neo4j_store, quarantine_dir=tmp_path / "q2")
        fresh = Neo4jStore(neo4j_driver)
        assert content_checksum(fresh, keys) == content_checksum(embedded, keys)
    finally:
        embedded.close()
