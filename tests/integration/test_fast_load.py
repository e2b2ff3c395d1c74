"""The fast loading path leaves the store, quarantine and report of the per-row path.

On each store (the ``store`` fixture: embedded and Neo4j), each hypothesis-drawn
awkward folder (``tests.awkward``: bad check characters, blank cells, GB18030 and
byte order marks, Chinese headers, duplicated rows, legacy identifiers, ...) is
loaded twice into the emptied store, once by the reference path and once by the
fast path; the content checksum (``loaders.bulk.content_checksum``) and counts,
the quarantine files and the load report must be equal. Loading the folder again
by the fast path on top changes nothing (idempotent).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings

from loaders.bulk import content_checksum, registry_keys
from loaders.pipeline import load_folder
from tests.awkward import Folder, awkward_folders, write_folder

if TYPE_CHECKING:
    from graph.store import GraphStore


def _load(store: GraphStore, folder: Path, out: Path, *, reference: bool) -> object:
    store.wipe()
    report = load_folder(folder, store, quarantine_dir=out, reference=reference)
    return (
        report.to_dict(),
        [p.name for p in report.quarantine_files],
        {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))},
    )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(drawn=awkward_folders())
def test_fast_and_reference_loads_leave_the_same_store(
    store: GraphStore, drawn: Folder
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        folder = write_folder(drawn, root / "reg")
        keys = registry_keys(folder)
        reference = _load(store, folder, root / "q-reference", reference=True)
        expected = (store.counts(), content_checksum(store, keys))
        fast = _load(store, folder, root / "q-fast", reference=False)
        assert fast == reference
        assert (store.counts(), content_checksum(store, keys)) == expected
        load_folder(folder, store, quarantine_dir=root / "q-again")
        assert (store.counts(), content_checksum(store, keys)) == expected
