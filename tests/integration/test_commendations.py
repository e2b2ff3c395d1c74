"""Good records on both stores: commendations.* load and quarantine like the other
kinds, idempotently; a commendation suspended by a later sanction in force comes
back after repair; both stores give the same answers for a generated registry."""

from __future__ import annotations

import csv
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from graph import enforcement
from graph.embedded_store import EmbeddedStore
from graph.errors import EntityNotFoundError
from graph.incentives import GoodRecordStatus, good_records_of, incentives_on
from graph.model import EntityKind
from graph.policy import load_catalogue
from graph.policy.incentives import load_incentives
from graph.propagation import EventKind, SanctionEvent
from loaders.generator.pipeline import COMMENDATIONS_FILE, generate
from loaders.pipeline import load_folder
from tests.factories import (
    credit_code,
    make_commendation,
    make_person,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from graph.neo4j_store import Neo4jStore
    from graph.store import GraphStore

CATALOGUE = load_catalogue()
INCENTIVES = load_incentives()
MODEL = resident_id(61)
VOLUNTEER = resident_id(62)
FIRM = credit_code(61)


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _row(**values: str) -> dict[str, str]:
    row = {
        "来源": "文明办",
        "记录编号": "",
        "主体类型": "个人",
        "身份证号码": "",
        "统一社会信用代码": "",
        "姓名": "",
        "表彰类型": "",
        "授予机关": "成都市精神文明建设委员会",
        "授予日期": "2024-01-01",
        "有效期至": "",
    }
    row.update(values)
    return row


def test_commendations_load_quarantine_and_reload_unchanged(
    store: GraphStore, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _write_csv(
        folder / "commendations.csv",
        [
            _row(记录编号="1", 身份证号码=MODEL, 姓名="李明", 表彰类型="诚信道德模范"),
            _row(记录编号="2", 主体类型="企业", 统一社会信用代码=FIRM,
                 姓名="成都某某有限公司", 表彰类型="守信激励对象",
                 有效期至="2025-01-01"),
            _row(记录编号="3", 身份证号码=VOLUNTEER, 表彰类型="优秀青年志愿者"),
            _row(记录编号="4", 身份证号码=MODEL, 表彰类型="见义勇为"),
            _row(记录编号="5", 身份证号码=MODEL, 表彰类型="优秀志愿者",
                 授予日期="2024-02-30"),
            _row(记录编号="6", 身份证号码="510104196001010000", 表彰类型="优秀志愿者"),
            _row(记录编号="7", 身份证号码=MODEL, 表彰类型="优秀志愿者",
                 有效期至="2023-12-31"),
            _row(记录编号="8", 主体类型="企业", 统一社会信用代码=FIRM,
                 表彰类型="诚信道德模范"),
        ],
    )  # fmt: skip
    (folder / "commendations.more.jsonl").write_text(
        json.dumps(
            {"source": "团委", "record_id": "9", "subject_kind": "person",
             "subject_id": VOLUNTEER, "kind": "outstanding_volunteer",
             "authority": "共青团成都市委", "decided_on": "2024-03-01"},
            ensure_ascii=False,
        ) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    report = load_folder(folder, store)
    by_file = {f.path.name: (f.read, f.loaded, f.quarantined) for f in report.files}
    assert by_file == {
        "commendations.csv": (8, 3, 5),
        "commendations.more.jsonl": (1, 1, 0),
    }
    (quarantine,) = report.quarantine_files
    with quarantine.open(encoding="utf-8", newline="") as handle:
        rejected = [
            (r["_file"], r["_line"], r["_field"], r["_reason"])
            for r in csv.DictReader(handle)
        ]
    assert [(f, line, field) for f, line, field, _ in rejected] == [
        ("commendations.csv", "5", "kind"),
        ("commendations.csv", "6", "decided_on"),
        ("commendations.csv", "7", "subject_id_number"),
        ("commendations.csv", "8", "valid_until"),
        ("commendations.csv", "9", "kind"),
    ]
    reasons = [reason for *_, reason in rejected]
    assert reasons[0] == "unknown commendation kind '见义勇为'"
    assert "not given to a enterprise" in reasons[4]
    model = store.commendations_of(EntityKind.PERSON, MODEL)
    assert [(c.kind, c.source, c.record_id, c.commendation_id) for c in model] == [
        ("moral_model", "文明办", "1", "文明办#1")
    ]
    (firm,) = store.commendations_of(EntityKind.ENTERPRISE, FIRM)
    assert (firm.kind, firm.valid_until) == ("trustworthy_subject", date(2025, 1, 1))
    assert store.get_enterprise(FIRM) is not None  # a stub subject
    volunteer = store.commendations_of(EntityKind.PERSON, VOLUNTEER)
    assert [c.commendation_id for c in volunteer] == ["团委#9", "文明办#3"]
    before = list(store.iter_commendations())
    assert len(before) == store.counts().commendations == 4
    again = load_folder(folder, store, quarantine_dir=tmp_path / "q2")
    assert (again.loaded, again.quarantined) == (4, 5)
    assert list(store.iter_commendations()) == before
    assert store.counts().commendations == 4
    # a person held only by a good record is not bare
    assert store.delete_bare_persons([VOLUNTEER]) == []


def test_a_commendation_needs_its_subject(store: GraphStore) -> None:
    with pytest.raises(EntityNotFoundError):
        store.upsert_commendations([make_commendation(subject_id=MODEL)])
    assert list(store.iter_commendations()) == []


def test_suspended_by_a_later_sanction_and_back_after_repair(store: GraphStore) -> None:
    store.upsert_persons([make_person(person_id=MODEL, name="李明")])
    store.upsert_commendations(
        [make_commendation(subject_id=MODEL, decided_on=date(2024, 1, 1))]
    )

    def kinds(on: date) -> list[str]:
        found = incentives_on(
            store, CATALOGUE, INCENTIVES, EntityKind.PERSON, MODEL, on
        )
        return [r.commendation.kind for r in found]

    assert kinds(date(2024, 6, 1)) == ["moral_model"]
    store.upsert_sanctions(
        [
            make_sanction(
                sanction_id="D1",
                subject_kind=EntityKind.PERSON,
                subject_id=MODEL,
                type="dishonest_judgment_debtor",
                decided_on=date(2024, 7, 1),
                violation_date=None,
            )
        ]
    )
    store.propagate(CATALOGUE)
    assert kinds(date(2024, 6, 30)) == ["moral_model"]
    assert kinds(date(2024, 8, 1)) == []
    (suspended,) = good_records_of(
        store, CATALOGUE, INCENTIVES, EntityKind.PERSON, MODEL, date(2024, 8, 1)
    )
    assert suspended.status is GoodRecordStatus.SUSPENDED
    assert [s.sanction_id for s in suspended.suspensions] == ["D1"]
    repair = SanctionEvent(
        "D1", EventKind.REPAIR, date(2024, 10, 1), "officer", "debt performed"
    )
    enforcement.record_event(store, CATALOGUE, repair)
    assert kinds(date(2024, 9, 30)) == []
    assert kinds(date(2024, 10, 1)) == ["moral_model"]


@pytest.mark.neo4j
def test_both_stores_answer_alike_for_a_generated_registry(
    neo4j_store: Neo4jStore,
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "registry"
        summary = generate(folder, persons=3000, enterprises=600, seed=13)
        assert summary.commendations > 0
        assert summary.rows_by_file()[COMMENDATIONS_FILE] == summary.commendations
        embedded = EmbeddedStore(Path(scratch) / "credlink.db")
        try:
            for target in (embedded, neo4j_store):
                report = load_folder(folder, target, quarantine_dir=Path(scratch) / "q")
                (commended,) = [
                    f for f in report.files if f.path.name == COMMENDATIONS_FILE
                ]
                assert commended.loaded == summary.commendations
                target.propagate(CATALOGUE)
            every = list(embedded.iter_commendations())
            assert every == list(neo4j_store.iter_commendations())
            subjects = sorted({(c.subject_kind, c.subject_id) for c in every})
            statuses: set[GoodRecordStatus] = set()
            for day in (date(2020, 1, 1), date(2024, 1, 1), date(2025, 12, 1)):
                for kind, key in subjects:
                    mine = good_records_of(
                        embedded, CATALOGUE, INCENTIVES, kind, key, day
                    )
                    theirs = good_records_of(
                        neo4j_store, CATALOGUE, INCENTIVES, kind, key, day
                    )
                    assert mine == theirs, (kind, key, day)
                    statuses.update(r.status for r in mine)
            assert GoodRecordStatus.IN_FORCE in statuses
            assert GoodRecordStatus.EXPIRED in statuses
        finally:
            embedded.close()
