"""Incremental ``credlink link`` equals one full link over the same final records.

Records arrive through the real loader in increments, some are changed or deleted,
judgements are recorded and undone in between, and the store is linked after every
step (incrementally: only the neighbourhood of pending records is read). At the end
the store must hold what a fresh store gives after loading the final records once
and linking them in full: entity keys, persons with aliases, roles, candidates,
conflicts and link states. Both stores.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.model import EntityKind, Judgement, JudgementRecord
from linkage.ids import downgrade_to_15
from linkage.link_store import LinkMode, LinkStep, link_store
from linkage.records import PERSON_FIELDS, FieldMapping, plain_id_scheme
from loaders.pipeline import load_folder
from loaders.rows import roles_of_record
from tests.factories import credit_code, resident_id

if TYPE_CHECKING:
    from pathlib import Path

    from graph.store import GraphStore

T0 = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
UNDONE = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
SHARED_BIRTH = date(1975, 4, 5)
NUMBERS = (
    resident_id(11, birth=SHARED_BIRTH),
    resident_id(12, birth=SHARED_BIRTH),
    resident_id(13, birth=date(1982, 9, 10)),
    resident_id(14, birth=date(1990, 1, 2)),
    resident_id(15, birth=date(1966, 6, 6)),
    resident_id(16, birth=date(1971, 12, 30)),
)
CODES = (credit_code(1), credit_code(2))
NAMES = ("张伟", "張偉", "张卫", "王芳", "李娜", "赵敏", "孙丽")
PERSON_KEYS = tuple(f"ps#{n}" for n in range(10))
ROLE_KEYS = tuple(f"rs#{n}" for n in range(3))
FORMS = ("valid", "legacy", "typo", "letter", "swap", "none")


def _written(number: str, form: str) -> str:
    """How a source writes ``number``: as is, in 15 digits, or with one typo."""
    if form == "valid":
        return number
    if form == "legacy":
        return downgrade_to_15(number)
    if form == "typo":
        return number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
    if form == "letter":
        return number[:3] + "O" + number[4:]
    if form == "swap":
        return number[:8] + number[9] + number[8] + number[10:]
    return ""


@dataclass(frozen=True)
class Row:
    """One person or role row as a source sends it."""

    key: str
    name: str
    id_number: str
    birth_date: str
    sex: str
    role: str
    code: str

    def fields(self) -> dict[str, str]:
        source, record_id = self.key.split("#")
        if source == "ps":
            return {
                "source": source,
                "record_id": record_id,
                "name": self.name,
                "id_number": self.id_number,
                "birth_date": self.birth_date,
                "sex": self.sex,
            }
        return {
            "source": source,
            "record_id": record_id,
            "person_name": self.name,
            "person_id_number": self.id_number,
            "credit_code": self.code,
            "role": self.role,
            # one start date per record: two records never state one role (whose
            # provenance would be the last one loaded)
            "since": f"2020-01-{int(record_id) + 1:02d}",
        }


rows = st.builds(
    Row,
    key=st.sampled_from(PERSON_KEYS + ROLE_KEYS),
    name=st.sampled_from(NAMES),
    id_number=st.builds(_written, st.sampled_from(NUMBERS), st.sampled_from(FORMS)),
    birth_date=st.sampled_from(["", SHARED_BIRTH.isoformat(), "1982-09-10"]),
    sex=st.sampled_from(["", "M", "F"]),
    role=st.sampled_from(["director", "监事"]),
    code=st.sampled_from(CODES),
)
# a mistyped number is a person of its own without a check character
endpoints = st.sampled_from(
    (*PERSON_KEYS, *ROLE_KEYS, *NUMBERS, _written(NUMBERS[0], "typo"))
)


@dataclass(frozen=True)
class Step:
    """What happens between two links."""

    upserts: list[Row]
    deletes: list[str]
    judgements: list[tuple[str, str, Judgement]]
    undo: list[int]


steps = st.lists(
    st.builds(
        Step,
        upserts=st.lists(rows, max_size=6),
        deletes=st.lists(st.sampled_from(PERSON_KEYS + ROLE_KEYS), max_size=2),
        judgements=st.lists(
            st.tuples(endpoints, endpoints, st.sampled_from(Judgement)), max_size=2
        ),
        undo=st.lists(st.integers(0, 5), max_size=1),
    ),
    min_size=2,
    max_size=5,
)


def _load(store: GraphStore, folder: Path, batch: list[Row]) -> None:
    folder.mkdir(parents=True)
    enterprises = [{"credit_code": c, "name": f"企业{n}"} for n, c in enumerate(CODES)]
    files = {
        "enterprises.jsonl": enterprises,
        "persons.jsonl": [r.fields() for r in batch if r.key.startswith("ps#")],
        "roles.jsonl": [r.fields() for r in batch if r.key.startswith("rs#")],
    }
    for name, lines in files.items():
        (folder / name).write_text(
            "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
            encoding="utf-8",
        )
    assert load_folder(folder, store, strict=True).quarantined == 0


def _snapshot(store: GraphStore) -> dict[str, Any]:
    records = list(store.iter_source_records(EntityKind.PERSON))
    keys = {r.entity_key for r in records} | set(NUMBERS)
    persons = store.get_persons(sorted(k for k in keys if k))
    return {
        "entities": {r.key: r.entity_key for r in records},
        "persons": persons,
        "roles": sorted(
            (
                r
                for p in persons
                for r in store.neighbours(EntityKind.PERSON, p.person_id)
            ),
            key=lambda r: (r.role_id, r.source, r.record_id),
        ),
        "candidates": store.candidates(),
        "conflicts": store.conflicts(),
        "counts": store.counts(),
        # rev counts the writes of a record, not what linking made of it
        "links": [
            dataclasses.replace(link, rev=0)
            for link in store.record_links()
            if link.key in {r.key for r in records}
        ],
    }


def _run(
    store: GraphStore,
    tmp: Path,
    plan: list[Step],
    mapping: FieldMapping = PERSON_FIELDS,
) -> None:
    store.wipe()
    final: dict[str, Row] = {}
    judgements: list[JudgementRecord] = []
    undone: set[str] = set()
    first = link_store(store, mapping=mapping, roles_of=roles_of_record)
    assert first.mode is LinkMode.FULL  # never linked: a full run
    for n, step in enumerate(plan):
        batch = list({r.key: r for r in step.upserts}.values())
        _load(store, tmp / f"step{n}", batch)  # enterprises every time
        final.update((r.key, r) for r in batch)
        store.delete_source_records(step.deletes)
        for key in step.deletes:
            final.pop(key, None)
        for a, b, verdict in step.judgements:
            if a == b:
                continue
            j = JudgementRecord(f"J{len(judgements)}", a, b, verdict, "审核员", T0)
            judgements.append(j)
            store.record_judgement(j)
        for i in step.undo:
            if i < len(judgements):
                store.undo_judgement(judgements[i].judgement_id, "复核员", UNDONE)
                undone.add(judgements[i].judgement_id)
        report = link_store(store, mapping=mapping, roles_of=roles_of_record)
        assert report.mode is LinkMode.INCREMENTAL
    incremental = _snapshot(store)
    again = link_store(store, mapping=mapping, roles_of=roles_of_record, full=True)
    assert again.mode is LinkMode.FULL
    assert again.writes == 0, "a full link after incremental ones changed the store"

    store.wipe()
    _load(store, tmp / "final", list(final.values()))
    for j in judgements:
        store.record_judgement(j)
        if j.judgement_id in undone:
            store.undo_judgement(j.judgement_id, "复核员", UNDONE)
    link_store(store, mapping=mapping, roles_of=roles_of_record, full=True)
    reference = _snapshot(store)
    for part, value in reference.items():
        assert incremental[part] == value, part


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(plan=steps)
def test_incremental_links_equal_one_full_link(
    store: GraphStore, tmp_path_factory: Any, plan: list[Step]
) -> None:
    _run(store, tmp_path_factory.mktemp("increments"), plan)


# The same numbers read without a check character: a mistyped or swapped number is
# valid, its identity one typo from the true one's (number_typo candidates).
PLAIN = FieldMapping(scheme=plain_id_scheme("plain", pattern=r"[0-9X]{15,18}"))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(plan=steps)
def test_incremental_links_equal_one_full_link_without_a_check_character(
    store: GraphStore, tmp_path_factory: Any, plan: list[Step]
) -> None:
    _run(store, tmp_path_factory.mktemp("increments"), plan, PLAIN)


# -- loaders writing while a link runs ---------------------------------------------
#
# A link reads the pending link states, resolves, writes, and saves the states it
# resolved. A record written or deleted in between must keep its pending mark (its
# revision moved on), so the next link resolves it again and the store still ends
# as one full link over the final records leaves it. The writes happen at each
# checkpoint of the run: before it writes anything, and after it wrote everything
# but the link states.

FIRST = [
    Row("ps#0", "张伟", NUMBERS[0], SHARED_BIRTH.isoformat(), "M", "", ""),
    Row("ps#1", "張偉", _written(NUMBERS[0], "legacy"), "", "", "", ""),
    Row("ps#2", "王芳", NUMBERS[1], "", "F", "", ""),
    Row("ps#3", "张卫", "", SHARED_BIRTH.isoformat(), "", "", ""),  # no number
    Row("rs#0", "李娜", NUMBERS[2], "", "", "director", CODES[0]),
]
# pending when the link under test starts: a new record of person 0, a new one with
# a bad number, new role records, one with a bad number judged to be person 2 (the
# link moves it there and creates its role)
ADDED = [
    Row("ps#4", "张伟", NUMBERS[0], "", "", "", ""),
    Row("ps#5", "王芳", _written(NUMBERS[1], "typo"), "", "", "", ""),
    Row("rs#1", "赵敏", NUMBERS[3], "", "", "监事", CODES[1]),
    Row("rs#2", "李娜", _written(NUMBERS[2], "typo"), "", "", "director", CODES[1]),
]
JUDGED = JudgementRecord("J1", "rs#2", NUMBERS[2], Judgement.SAME, "审核员", T0)
REWRITTEN = [
    Row("ps#4", "孙丽", NUMBERS[4], "", "F", "", ""),
    Row("ps#5", "王芳", "", "1982-09-10", "", "", ""),
    Row("rs#1", "赵敏", NUMBERS[5], "", "", "director", CODES[0]),
    Row("rs#2", "李娜", _written(NUMBERS[2], "typo"), "", "", "监事", CODES[0]),
    # not pending when the link started, but read and resolved by it (person 0)
    Row("ps#1", "张卫", _written(NUMBERS[3], "valid"), "", "", "", ""),
]
EVERY_KEY = ["ps#4", "ps#5", "rs#1", "rs#2", "ps#1"]
MEANWHILE = {
    "rewritten": ([], REWRITTEN),
    "deleted and rewritten": (EVERY_KEY, REWRITTEN),
    "deleted": (EVERY_KEY, []),
}


@pytest.mark.parametrize("meanwhile", sorted(MEANWHILE))
@pytest.mark.parametrize("step", list(LinkStep))
def test_records_written_while_a_link_runs_are_linked_by_the_next(
    store: GraphStore, tmp_path: Path, step: LinkStep, meanwhile: str
) -> None:
    deletes, upserts = MEANWHILE[meanwhile]
    touched = set(deletes) | {r.key for r in upserts}
    _load(store, tmp_path / "first", FIRST)
    link_store(store, roles_of=roles_of_record)
    _load(store, tmp_path / "added", ADDED)
    store.record_judgement(JUDGED)

    def write_meanwhile(reached: LinkStep) -> None:
        if reached is step:
            store.delete_source_records(deletes)
            if upserts:
                _load(store, tmp_path / "meanwhile", upserts)

    report = link_store(store, roles_of=roles_of_record, checkpoint=write_meanwhile)
    assert report.mode is LinkMode.INCREMENTAL
    assert report.pending == len(ADDED)
    # every record written or deleted meanwhile was read by the run (ps#1 as part
    # of person 0), and its state stays pending for the next run; the run saved new
    # states for the pending ones (deferred), that of ps#1 did not change
    assert report.deferred == len(touched - {"ps#1"})
    assert {s.key for s in store.record_links(pending_only=True)} == touched

    nxt = link_store(store, roles_of=roles_of_record)
    assert (nxt.mode, nxt.pending, nxt.deferred) == (
        LinkMode.INCREMENTAL,
        len(touched),
        0,
    )
    assert store.record_links(pending_only=True) == []
    linked = _snapshot(store)
    assert link_store(store, roles_of=roles_of_record, full=True).writes == 0

    final = {r.key: r for r in FIRST + ADDED}
    for key in deletes:
        del final[key]
    final.update((r.key, r) for r in upserts)
    store.wipe()
    _load(store, tmp_path / "final", list(final.values()))
    store.record_judgement(JUDGED)
    link_store(store, roles_of=roles_of_record, full=True)
    reference = _snapshot(store)
    for part, value in reference.items():
        assert linked[part] == value, part


def test_a_record_written_while_a_full_link_runs_stays_pending(
    store: GraphStore, tmp_path: Path
) -> None:
    _load(store, tmp_path / "first", FIRST)

    def write_meanwhile(reached: LinkStep) -> None:
        if reached is LinkStep.RESOLVED:
            _load(store, tmp_path / "meanwhile", REWRITTEN[-1:])  # ps#1, read

    first = link_store(store, roles_of=roles_of_record, checkpoint=write_meanwhile)
    assert (first.mode, first.deferred) == (LinkMode.FULL, 1)  # a first state
    assert [s.key for s in store.record_links(pending_only=True)] == ["ps#1"]
    assert store.links_complete()
    nxt = link_store(store, roles_of=roles_of_record)
    assert (nxt.mode, nxt.pending, nxt.deferred) == (LinkMode.INCREMENTAL, 1, 0)
    ps1 = store.get_source_record("ps", "1")
    assert ps1 is not None
    assert ps1.entity_key == NUMBERS[3]
    assert link_store(store, roles_of=roles_of_record, full=True).writes == 0
