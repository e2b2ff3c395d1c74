"""Linkage writes and reads of both stores, and ``link_store`` end to end."""

from __future__ import annotations

import dataclasses
import sqlite3
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.embedded_store import EmbeddedStore
from graph.errors import EntityNotFoundError
from graph.model import (
    Candidate,
    CandidateRule,
    Conflict,
    ConflictKind,
    EntityKind,
    Judgement,
    JudgementRecord,
    Person,
    RecordLink,
    RoleType,
    Sex,
    SourceRecord,
)
from linkage.ids import downgrade_to_15
from linkage.link_store import link_store
from linkage.resolver import surrogate_key
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from graph.neo4j_store import Neo4jStore
    from graph.store import GraphStore

T0 = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
ID_A = resident_id(31, birth=date(1970, 5, 6))
ID_B = resident_id(42, birth=date(1981, 7, 8))


def person_record(
    key: str, name: str, number: str = "", entity: str | None = None, **extra: str
) -> SourceRecord:
    source, record_id = key.split("#")
    raw = {"name": name, **extra}
    if number:
        raw["id_number"] = number
    if entity is None and number:
        raw["id_error"] = "checksum"
    return SourceRecord(
        source, record_id, EntityKind.PERSON, tuple(sorted(raw.items())), entity
    )


# -- store methods -------------------------------------------------------------


def test_iter_source_records_pages_in_key_order(store: GraphStore) -> None:
    records = [
        person_record(f"s{n % 3}#{n:05d}", "张伟", entity=ID_A if n % 2 else None)
        for n in range(25)
    ]
    store.upsert_source_records(records)
    store.upsert_source_records(
        [SourceRecord("e", "1", EntityKind.ENTERPRISE, (), credit_code(1))]
    )
    every = list(store.iter_source_records(EntityKind.PERSON))
    assert every == sorted(records, key=lambda r: (r.source, r.record_id))
    unresolved = list(
        store.iter_source_records(EntityKind.PERSON, unresolved_only=True)
    )
    assert unresolved == [r for r in every if r.entity_key is None]


def test_entity_keys_persons_and_roles_are_rewritten(store: GraphStore) -> None:
    store.upsert_persons([make_person(person_id=ID_A, name="张伟", aliases=("王强",))])
    store.upsert_enterprises([make_enterprise()])
    role = make_role(person_id=ID_A, source="r", record_id="7")
    store.upsert_roles([role])
    store.upsert_sanctions([make_sanction()])
    record = person_record("a#1", "张伟")
    store.upsert_source_records([record])

    store.set_entity_keys([("a", "1", ID_A), ("zz", "9", ID_A)])
    got = store.get_source_record("a", "1")
    assert got is not None
    assert got.entity_key == ID_A

    store.replace_persons([Person(ID_A, "张伟", date(1970, 5, 6), Sex.MALE, ())])
    assert store.get_person(ID_A) == Person(ID_A, "张伟", date(1970, 5, 6), Sex.MALE)

    store.delete_roles([role.role_id, "nope"])
    assert store.neighbours(EntityKind.PERSON, ID_A) == []
    assert "S1" in store.pending_sanctions()

    store.set_entity_keys([("a", "1", None)])
    assert store.delete_bare_persons([ID_A, "U0"]) == [ID_A]
    assert store.get_person(ID_A) is None


def test_persons_still_referred_to_are_not_deleted(store: GraphStore) -> None:
    store.upsert_persons([make_person(person_id=ID_A), make_person(person_id=ID_B)])
    store.upsert_source_records([person_record("a#1", "张伟", ID_A, entity=ID_A)])
    store.upsert_sanctions(
        [make_sanction(subject_kind=EntityKind.PERSON, subject_id=ID_B)]
    )
    assert store.delete_bare_persons([ID_A, ID_B]) == []


def test_judgements_are_recorded_once_and_undone_once(store: GraphStore) -> None:
    first = JudgementRecord("J1", "a#1", ID_A, Judgement.SAME, "李审核", T0, "同一人")
    store.record_judgement(first)
    store.record_judgement(
        JudgementRecord("J1", "x#1", ID_B, Judgement.DIFFERENT, "x", T0)
    )
    assert store.judgements() == [first]
    undone = store.undo_judgement("J1", "王复核", T0.replace(hour=9))
    again = store.undo_judgement("J1", "someone", T0.replace(hour=10))
    assert undone == again
    assert undone.undone_by == "王复核"
    assert undone.undone_at == T0.replace(hour=9)
    assert not undone.active
    with pytest.raises(EntityNotFoundError):
        store.undo_judgement("J9", "x", T0)


def test_candidates_and_conflicts_are_replaced_per_key(store: GraphStore) -> None:
    one = Candidate("a#1", ID_A, 0.85, CandidateRule.FUZZY, ("r1", "r2"), 1)
    two = Candidate("a#1", "b#2", 0.6, CandidateRule.FUZZY, ("r",), 2)
    other = Candidate("c#3", ID_B, 0.9, CandidateRule.ID_TYPO, ("typo",), 1)
    store.replace_candidates([], [two, one, other])
    assert store.candidates() == [one, two, other]
    store.replace_candidates(["a#1"], [])
    assert store.candidates() == [other]
    assert store.candidates("c#3") == [other]

    name = Conflict(ID_A, "a#1", ConflictKind.NAME, "王强 vs 张伟")
    sex = Conflict(ID_A, "a#2", ConflictKind.SEX, "F vs M")
    store.replace_conflicts([], [sex, name])
    assert store.conflicts() == [name, sex]
    store.replace_conflicts([ID_A], [sex])
    assert store.conflicts(ID_A) == [sex]
    store.replace_conflicts([ID_A], [])
    assert store.conflicts() == []


def test_link_states_are_saved_only_where_their_revision_was_read(
    store: GraphStore,
) -> None:
    store.upsert_source_records(
        [person_record(f"ps#{n}", "张伟", ID_A, ID_A) for n in (1, 2, 3, 4)]
    )
    store.delete_source_records(["ps#4"])
    read = {s.key: s for s in store.record_links(pending_only=True)}
    assert {k: (s.rev, s.filed) for k, s in read.items()} == {
        "ps#1": (1, None),
        "ps#2": (1, None),
        "ps#3": (1, None),
        "ps#4": (2, ID_A),  # written, then deleted
    }
    # written again (ps#2), deleted (ps#3) and rewritten (ps#4) after the read
    store.upsert_source_records([person_record("ps#2", "張偉", ID_A, ID_A)])
    store.delete_source_records(["ps#3"])
    store.upsert_source_records([person_record("ps#4", "张伟", ID_A, ID_A)])
    resolved = [
        dataclasses.replace(read[k], entity=ID_A, number=ID_A, sound="zhangwei")
        for k in ("ps#1", "ps#2", "ps#3")
    ]
    new = RecordLink("ps#9", entity=ID_A)  # no state stored, none read: rev 0
    left = store.save_record_links([*resolved, new], [read["ps#4"]])
    assert left == ["ps#2", "ps#3", "ps#4"]
    saved = {s.key: s for s in store.record_links()}
    assert saved["ps#1"] == dataclasses.replace(resolved[0], pending=False)
    assert saved["ps#9"] == new
    # the others keep their mark, revision and filed; the ones in links get the keys
    assert saved["ps#2"] == dataclasses.replace(resolved[1], pending=True, rev=2)
    assert saved["ps#3"] == dataclasses.replace(
        resolved[2], pending=True, rev=2, filed=ID_A
    )
    assert saved["ps#4"] == dataclasses.replace(read["ps#4"], rev=3)  # not forgotten
    # read again, they save
    again = store.record_links(pending_only=True)
    assert store.save_record_links(again[:2], again[2:]) == []
    assert [s.key for s in store.record_links()] == ["ps#1", "ps#2", "ps#3", "ps#9"]
    assert store.record_links(pending_only=True) == []


# -- link_store end to end --------------------------------------------------------


def _load(store: GraphStore) -> None:
    """What the loaders store for a few rows (see loaders/rows.py)."""
    code = credit_code(5)
    store.upsert_enterprises([make_enterprise(credit_code=code, name="甲公司")])
    store.upsert_persons([Person(ID_A, "张伟", date(1970, 5, 6), Sex.MALE)])
    store.upsert_source_records(
        [
            person_record("ps#1", "张伟", ID_A, entity=ID_A),
            person_record("tx#1", "張偉", downgrade_to_15(ID_A), entity=ID_A),
            person_record("ct#1", "张伟", ""),  # no number: a candidate only
            SourceRecord(
                "mr",
                "9",
                EntityKind.PERSON,
                tuple(
                    sorted(
                        {
                            "name": "张伟",
                            "id_number": ID_A[:16]
                            + str((int(ID_A[16]) + 2) % 10)
                            + ID_A[17],
                            "id_error": "checksum",
                            "credit_code": code,
                            "role": "director",
                            "since": "2020-01-01",
                        }.items()
                    )
                ),
                None,
            ),
        ]
    )


def test_link_store_resolves_judges_splits_and_undoes(store: GraphStore) -> None:
    _load(store)
    first = link_store(store)
    assert first.summary.resolved == 2
    queue = {c.record_key: c for c in store.candidates() if c.rank == 1}
    assert queue["mr#9"].target == ID_A
    assert queue["mr#9"].rule is CandidateRule.ID_TYPO
    assert queue["ct#1"].target == ID_A

    # a reviewer says the typo record is the person: its pending role appears
    store.record_judgement(
        JudgementRecord("J1", "mr#9", ID_A, Judgement.SAME, "审核员", T0)
    )
    link_store(store)
    mr = store.get_source_record("mr", "9")
    assert mr is not None
    assert mr.entity_key == ID_A
    (role,) = store.neighbours(EntityKind.PERSON, ID_A)
    assert (role.role, role.source, role.record_id) == (RoleType.DIRECTOR, "mr", "9")
    assert "mr#9" not in {c.record_key for c in store.candidates()}

    # another says the 15-digit record is somebody else: it is split off
    store.record_judgement(
        JudgementRecord("J2", "tx#1", ID_A, Judgement.DIFFERENT, "审核员", T0)
    )
    link_store(store)
    surrogate = surrogate_key(["tx#1"])
    split = store.get_source_record("tx", "1")
    assert split is not None
    assert split.entity_key == surrogate
    person = store.get_person(surrogate)
    assert person is not None
    assert person.name == "張偉"

    # both undone: back to the first resolution, the surrogate person is gone
    store.undo_judgement("J1", "审核员", T0)
    store.undo_judgement("J2", "审核员", T0)
    link_store(store)
    assert store.get_person(surrogate) is None
    assert store.neighbours(EntityKind.PERSON, ID_A) == []
    again = {r.key: r.entity_key for r in store.iter_source_records(EntityKind.PERSON)}
    assert again == {"ct#1": None, "mr#9": None, "ps#1": ID_A, "tx#1": ID_A}
    assert {c.record_key for c in store.candidates()} == {"ct#1", "mr#9"}


def test_link_store_twice_changes_nothing(store: GraphStore) -> None:
    _load(store)
    link_store(store)
    before = (store.candidates(), store.conflicts(), store.counts())
    report = link_store(store)
    assert report.writes == 0
    assert (store.candidates(), store.conflicts(), store.counts()) == before


# -- both stores, random judgements -------------------------------------------------

judgement_lists = st.lists(
    st.builds(
        lambda i, a, b, verdict, undone: JudgementRecord(
            f"J{i}", a, b, verdict, "r", T0, undone_at=T0 if undone else None
        ),
        st.integers(0, 5),
        st.sampled_from(["ps#1", "tx#1", "ct#1", "mr#9", ID_A]),
        st.sampled_from(["ps#1", "tx#1", "ct#1", "mr#9", ID_A]),
        st.sampled_from(Judgement),
        st.booleans(),
    ),
    max_size=4,
    unique_by=lambda j: j.judgement_id,
)


@pytest.mark.neo4j
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(judgements=judgement_lists)
def test_both_stores_link_identically(
    neo4j_store: Neo4jStore, judgements: list[JudgementRecord]
) -> None:
    neo4j_store.wipe()
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore(Path(folder) / "link.db")
        try:
            answers = []
            for store in (embedded, neo4j_store):
                _load(store)
                link_store(store)
                for j in judgements:
                    store.record_judgement(j)
                link_store(store)
                answers.append(
                    (
                        list(store.iter_source_records(EntityKind.PERSON)),
                        store.candidates(),
                        store.conflicts(),
                        store.counts(),
                        store.neighbours(EntityKind.PERSON, ID_A),
                    )
                )
            assert answers[0] == answers[1]
        finally:
            embedded.close()


def test_an_embedded_file_of_an_older_credlink_gains_the_new_link_columns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:  # record_links as first shipped
        old.execute(
            "CREATE TABLE record_links (record_key TEXT PRIMARY KEY, entity TEXT,"
            " number TEXT, text TEXT, sound TEXT, birth TEXT, born TEXT,"
            " pending INTEGER NOT NULL DEFAULT 0)"
        )
        old.execute(
            "INSERT INTO record_links VALUES ('ps#1', ?, ?, NULL, NULL, NULL, NULL, 1)",
            (ID_A, ID_A),
        )
    old.close()
    store = EmbeddedStore(path)
    try:
        (state,) = store.record_links(pending_only=True)
        assert (state.key, state.entity, state.filed, state.rev) == (
            "ps#1",
            ID_A,
            None,
            0,
        )
        store.upsert_source_records([person_record("ps#1", "张伟", ID_A, ID_A)])
        (state,) = store.record_links(pending_only=True)
        assert state.rev == 1
        link_store(store)
        assert store.record_links(pending_only=True) == []
    finally:
        store.close()
    reopened = EmbeddedStore(path)  # the columns are there now: opens as it is
    try:
        assert [s.rev for s in reopened.record_links()] == [1]
    finally:
        reopened.close()
