"""Neighbourhood selection of incremental links (``linkage.gather.gather``).

On a real embedded store (one SQLite file, no network): which records an incremental
link reads, and the typo keys that let it find bad numbers from valid ones.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.embedded_store import EmbeddedStore
from graph.model import EntityKind, Judgement, JudgementRecord, Person, SourceRecord
from linkage.gather import gather
from linkage.link_store import LinkMode, link_store
from linkage.records import RESIDENT_ID
from linkage.typos import typo_key, typo_lookups
from tests.factories import resident_id

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

N1 = resident_id(21, birth=date(1970, 5, 6))
N2 = resident_id(22, birth=date(1988, 8, 8))
N3 = resident_id(23, birth=date(1990, 3, 3))
T0 = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def _record(key: str, name: str, number: str = "", **extra: str) -> SourceRecord:
    source, record_id = key.split("#")
    raw = {"name": name, **extra}
    if number:
        raw["id_number"] = number
    entity = number if number in (N1, N2, N3) else None
    return SourceRecord(
        source, record_id, EntityKind.PERSON, tuple(sorted(raw.items())), entity
    )


def _typo(number: str) -> str:
    return number[:4] + str((int(number[4]) + 1) % 10) + number[5:]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(tmp_path / "gather.db")
    opened.upsert_source_records(
        [
            _record("a#1", "张伟", N1),
            _record("b#1", "王芳", N2),  # elsewhere: other number, name, birth
            _record("u#1", "张伟", birth_date="1970-05-06"),  # block of N1's birth
            _record("u#2", "张卫"),  # block of the name sound zhangwei
            _record("t#1", "张伟", _typo(N1)),  # one typo from N1
            _record("t#2", "王芳", _typo(N2)),  # one typo from N2
            _record("c#1", "李娜", N3),
        ]
    )
    first = link_store(opened)
    assert first.mode is LinkMode.FULL
    yield opened
    opened.close()


def test_nothing_pending_reads_nothing(store: EmbeddedStore) -> None:
    scope = gather(store)
    assert (scope.pending, scope.core, scope.dirty, scope.records) == (
        frozenset(),
        frozenset(),
        frozenset(),
        {},
    )
    assert link_store(store).writes == 0


def test_a_new_record_reads_its_person_blocks_and_typo_neighbours(
    store: EmbeddedStore,
) -> None:
    store.upsert_source_records([_record("a#2", "張偉", N1)])
    scope = gather(store)
    assert scope.pending == {"a#2"}
    assert scope.core == {"a#1", "a#2"}  # the whole person of N1
    # unresolved records whose candidates may change: same birth date, same name
    # sound, a bad number one typo from N1
    assert scope.dirty == {"a#1", "a#2", "u#1", "u#2", "t#1"}
    assert {"b#1", "t#2", "c#1"}.isdisjoint(scope.records)
    report = link_store(store)
    assert report.mode is LinkMode.INCREMENTAL
    assert report.considered == len(scope.records)
    person = store.get_person(N1)
    assert person is not None
    assert person.aliases == ("張偉",)
    assert link_store(store, full=True).writes == 0


def test_a_changed_number_reads_the_old_and_the_new_person(
    store: EmbeddedStore,
) -> None:
    store.upsert_source_records([_record("a#1", "张伟", N3)])
    scope = gather(store)
    assert {"a#1", "c#1"} <= scope.core  # the new person N3
    assert "t#1" in scope.dirty  # typo of the old number N1
    link_store(store)
    assert store.get_person(N1) is None  # left without records
    assert N1 not in {c.target for c in store.candidates("t#1")}
    assert link_store(store, full=True).writes == 0  # as a full link leaves it
    assert store.source_records_of(EntityKind.PERSON, N3)[0].key == "a#1"


def test_a_deleted_record_is_forgotten(store: EmbeddedStore) -> None:
    store.delete_source_records(["c#1"])
    scope = gather(store)
    assert scope.removed == {"c#1"}
    link_store(store)
    assert store.get_person(N3) is None
    assert "c#1" not in {link.key for link in store.record_links()}
    assert store.record_links(pending_only=True) == []
    assert link_store(store, full=True).writes == 0


def test_judged_records_are_always_core(store: EmbeddedStore) -> None:
    store.record_judgement(
        JudgementRecord("J1", "u#1", N1, Judgement.SAME, "审核员", T0)
    )
    scope = gather(store)
    assert {"u#1", "a#1"} <= scope.core
    link_store(store)
    moved = store.get_source_record("u", "1")
    assert moved is not None
    assert moved.entity_key == N1
    assert link_store(store, full=True).writes == 0


@pytest.mark.parametrize(
    ("text", "number"),
    [
        (N1[:3] + "O" + N1[4:], N1),  # a letter for a digit
        (N1[:17] + "Y", N1),  # a letter in the check position
        (_typo(N1), N1),  # a digit for a digit
        (N1[:8] + N1[9] + N1[8] + N1[10:], N1),  # two digits swapped
    ],
)
def test_bad_numbers_are_found_from_the_number_they_are_one_typo_from(
    text: str, number: str
) -> None:
    assert typo_key(RESIDENT_ID, text) in typo_lookups(RESIDENT_ID, number)


@given(
    position=st.integers(0, 17),
    char=st.characters(min_codepoint=33, max_codepoint=126),
)
def test_one_substitution_is_always_found(position: int, char: str) -> None:
    text = N2[:position] + char.upper() + N2[position + 1 :]
    if text != N2:
        assert typo_key(RESIDENT_ID, text) in typo_lookups(RESIDENT_ID, N2)


def test_a_record_written_and_deleted_between_links_leaves_no_trace(
    store: EmbeddedStore,
) -> None:
    store.upsert_persons([Person(N1, "张伟", aliases=("張偉",))])  # as a loader would
    store.upsert_source_records([_record("a#2", "張偉", N1)])
    store.delete_source_records(["a#2"])
    (state,) = store.record_links(pending_only=True)
    assert (state.key, state.entity, state.filed) == ("a#2", None, N1)
    link_store(store)
    person = store.get_person(N1)
    assert person is not None
    assert person.aliases == ()
    assert link_store(store, full=True).writes == 0
