"""The person's own file over HTTP, through a citizen's key bound to them: their own
report and restrictions only (another person's: 403, audited); objections and
statements on their records, kept on both stores, an objection decided by the
officer through today's lifecycle, its status in the report."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from api.access.apikeys import create_key, rotate_key
from api.access.roles import load_roles
from api.audience import View
from api.report.make import make_report
from graph.model import EntityKind, RoleType, SanctionStatus
from graph.person_requests import PersonRequest, RequestKind
from graph.policy import load_catalogue
from graph.propagation import EventKind
from tests.api.conftest import open_api
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from pathlib import Path

    from graph.embedded_store import EmbeddedStore
    from graph.neo4j_store import Neo4jStore
    from graph.store import GraphStore
    from tests.api.conftest import Api, Cli

OWN, OTHER = resident_id(71), resident_id(72)
FIRM = credit_code(71)
OFFICER = "sanctions_officer"
DECIDED = date.today() - timedelta(days=30)


def _load(store: GraphStore) -> None:
    """OWN is the legal representative of FIRM, listed 30 days ago (F1, F2); OTHER
    is listed in person (P2)."""
    store.upsert_persons(
        [make_person(person_id=OWN, name="王芳"), make_person(person_id=OTHER)]
    )
    store.upsert_enterprises([make_enterprise(credit_code=FIRM)])
    store.upsert_roles(
        [
            make_role(
                person_id=OWN,
                credit_code=FIRM,
                role=RoleType.LEGAL_REPRESENTATIVE,
                since=date(2016, 1, 1),
                record_id="71",
            )
        ]
    )
    store.upsert_sanctions(
        [
            make_sanction(sanction_id=s, subject_id=FIRM, decided_on=DECIDED)
            for s in ("F1", "F2")
        ]
        + [
            make_sanction(
                sanction_id="P2",
                subject_kind=EntityKind.PERSON,
                subject_id=OTHER,
                decided_on=DECIDED,
            )
        ]
    )


def _warmed(store: GraphStore) -> None:
    """The report's queries planned once outside the request deadline (10 s): a
    cold Neo4j on a loaded machine may take longer to plan them all."""
    make_report(store, load_catalogue(), (), OWN, date.today(), View.FULL)


def _denied_last(api: Api, action: str) -> dict[str, Any]:
    entry = api.audit()[-1]
    assert (entry["action"], entry["outcome"], entry["role"]) == (
        action,
        "denied",
        "citizen",
    )
    return entry


def test_a_citizen_reads_only_their_own_file(store: GraphStore, tmp_path: Path) -> None:
    _load(store)
    _warmed(store)
    with open_api(store, tmp_path, citizen=OWN) as api:
        own = api.post("/reports", {}, role="citizen")
        assert own.status_code == 200, own.text
        assert own.json()["identity"]["id_number"] == OWN
        named = api.post("/reports", {"person": OWN.lower()}, role="citizen")
        assert named.status_code == 200
        other = api.post("/reports", {"person": OTHER}, role="citizen")
        assert other.status_code == 403
        assert other.json()["reason"] == "own_file"
        entry = _denied_last(api, "report.read")
        assert entry["subject"] == OWN  # the person asked about is never logged
        restrictions = api.post("/persons/restrictions", {}, role="citizen")
        assert restrictions.status_code == 200, restrictions.text
        assert {r["sanction_id"] for r in restrictions.json()["restrictions"]}
        refused = api.post("/persons/restrictions", {"id_number": OTHER}, "citizen")
        assert refused.status_code == 403
        _denied_last(api, "person.restrictions")
        # nothing else: other personal reads and the officer's lifecycle
        for path, body in (
            ("/persons/lookup", {"id_number": OWN}),
            ("/sanctions/objection", {"sanction_id": "F1", "reason": "x"}),
            ("/requests/open", {}),
        ):
            assert api.post(path, body, role="citizen").status_code == 403, path
        assert api.get("/session", role="citizen").json()["role"] == "citizen"
        text = api.audit_log.read_text(encoding="utf-8")
    assert OTHER not in text


def test_an_objection_is_decided_by_the_officer(
    store: GraphStore, tmp_path: Path
) -> None:
    _load(store)
    _warmed(store)
    with open_api(store, tmp_path, citizen=OWN) as api:
        refused = api.post(
            "/requests",
            {"sanction_id": "P2", "kind": "objection", "text": "不是我"},
            role="citizen",
        )
        assert refused.status_code == 403
        assert refused.json()["reason"] == "not_yours"
        _denied_last(api, "requests.file")
        assert (
            api.post(
                "/requests",
                {"sanction_id": "NONE", "kind": "objection", "text": "?"},
                role="citizen",
            ).json()["reason"]
            == "not_yours"
        )  # unknown looks the same: nothing leaks

        filed = api.post(
            "/requests",
            {"sanction_id": "F1", "kind": "objection", "text": "我已于决定前离任"},
            role="citizen",
        )
        assert filed.status_code == 200, filed.text
        request_id = filed.json()["request_id"]
        assert filed.json()["status"] == "filed"
        kept = store.get_person_request(request_id)
        assert kept is not None
        assert (kept.person_id, kept.kind) == (OWN, RequestKind.OBJECTION)
        (lodged,) = store.sanction_events("F1")
        assert lodged.kind is EventKind.OBJECT
        assert (kept.objection_on, kept.objection_seq) == (lodged.on, lodged.seq)
        assert OWN not in lodged.by  # the key's name and id, never the number
        # suspended: no restriction of F1 in force while the objection is pending
        mine = api.post("/persons/restrictions", {}, role="citizen").json()
        assert "F1" not in {r["sanction_id"] for r in mine["restrictions"]}

        listed = api.post("/requests/open", {}, role=OFFICER)
        assert [(r["request_id"], r["person"]) for r in listed.json()] == [
            (request_id, OWN)
        ]
        reviewed = api.post("/requests/review", {"request_id": request_id}, OFFICER)
        assert reviewed.json()["status"] == "under_review"
        assert api.get("/requests", role="citizen").json()[0]["status"] == (
            "under_review"
        )

        decided = api.post(
            "/sanctions/decision",
            {"sanction_id": "F1", "reason": "任职记录属实", "upheld": False},
            role=OFFICER,
        )
        assert decided.status_code == 200, decided.text
        (mine_now,) = api.get("/requests", role="citizen").json()
        assert (mine_now["status"], mine_now["status_zh"]) == ("rejected", "异议不成立")
        assert mine_now["decided_on"] == date.today().isoformat()
        assert mine_now["decision_reason"] == "任职记录属实"
        assert api.post("/requests/open", {}, role=OFFICER).json() == []
        every = api.post("/requests/open", {"include_decided": True}, role=OFFICER)
        assert [r["status"] for r in every.json()] == ["rejected"]
        again = api.post("/requests/review", {"request_id": request_id}, OFFICER)
        assert again.status_code == 422  # decided already

        # a second objection on F2 is upheld: the record is revoked
        second = api.post(
            "/requests",
            {"sanction_id": "F2", "kind": "objection", "text": "决定书送达有误"},
            role="citizen",
        ).json()
        api.post(
            "/sanctions/decision",
            {"sanction_id": "F2", "reason": "送达程序违法", "upheld": True},
            role=OFFICER,
        )
        sanction = store.get_sanction("F2")
        assert sanction is not None
        assert sanction.status is SanctionStatus.REVOKED
        statuses = {r["request_id"]: r["status"] for r in api.get(
            "/requests", role="citizen").json()}  # fmt: skip
        assert statuses[second["request_id"]] == "upheld"

        report = api.post("/reports", {}, role="citizen").json()
        html = api.post("/reports", {"format": "html"}, role="citizen").text
        entries = api.audit()
    section = report["objections"]
    assert [(r["sanction_id"], r["status"]) for r in section["requests"]] == [
        ("F1", "rejected"),
        ("F2", "upheld"),
    ]
    assert section["requests"][0]["text"] == "我已于决定前离任"
    assert [e["kind"] for e in section["events"]] == [
        "object",
        "reject",
        "object",
        "uphold",
    ]
    assert report["summary"]["own_objections"] == 2
    assert "我已于决定前离任" in html
    assert "异议不成立" in html
    filings = [e for e in entries if e["action"] == "requests.file"]
    assert [e["outcome"] for e in filings] == [
        "denied",
        "denied",
        "answered",
        "answered",
    ]
    assert all(e["persons"] == [OWN] for e in filings if e["outcome"] == "answered")


def test_an_objection_joins_the_one_pending(store: GraphStore, tmp_path: Path) -> None:
    _load(store)
    _warmed(store)
    with open_api(store, tmp_path, citizen=OWN) as api:
        api.post(
            "/sanctions/objection",
            {"sanction_id": "F1", "reason": "企业提出异议"},
            role=OFFICER,
        )
        filed = api.post(
            "/requests",
            {"sanction_id": "F1", "kind": "objection", "text": "本人同意企业意见"},
            role="citizen",
        )
        assert filed.status_code == 200, filed.text
        assert len(store.sanction_events("F1")) == 1  # joined, not lodged again
        api.post(
            "/sanctions/decision",
            {"sanction_id": "F1", "reason": "成立", "upheld": True},
            role=OFFICER,
        )
        assert api.get("/requests", role="citizen").json()[0]["status"] == "upheld"
        # a revoked record takes no new objection (the lifecycle refuses: 409)
        refused = api.post(
            "/requests",
            {"sanction_id": "F1", "kind": "objection", "text": "再次异议"},
            role="citizen",
        )
        assert refused.status_code == 409


def test_a_statement_appears_in_the_report(store: GraphStore, tmp_path: Path) -> None:
    _load(store)
    _warmed(store)
    with open_api(store, tmp_path, citizen=OWN) as api:
        said = api.post(
            "/requests",
            {"sanction_id": "F1", "kind": "statement", "text": "相关款项已于次月结清"},
            role="citizen",
        )
        assert said.status_code == 200, said.text
        assert (said.json()["status"], said.json()["kind_zh"]) == ("shown", "本人声明")
        assert store.sanction_events("F1") == []  # a statement is no lifecycle event
        own = api.post("/reports", {}, role="citizen").json()
        public = api.post(
            "/reports", {"person": OWN, "view": "public"}, role="public"
        ).json()
        pdf = api.post("/reports", {"format": "pdf"}, role="citizen")
    for report in (own, public):
        (statement,) = report["objections"]["statements"]
        assert statement["text"] == "相关款项已于次月结清"
        assert report["summary"]["statements"] == 1
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_a_citizen_key_is_bound_through_stdin_or_a_file(
    cli: Cli, tmp_path: Path
) -> None:
    holder = tmp_path / "person.txt"
    holder.write_text(f"{OWN}\n", encoding="utf-8")
    create = ("keys", "create", "--role", "citizen", "--name", "王芳")
    refused = cli.run(*create, code=2)
    assert "bound to one person" in refused.output
    missing = cli.run(*create, "--person", str(holder), code=2)
    assert "holds no person" in missing.output
    assert OWN not in missing.output  # masked
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "persons.csv").write_text(
        f"name,id_number\n王芳,{OWN}\n", encoding="utf-8"
    )
    cli.json("load", str(folder))
    by_file = cli.json(*create, "--person", str(holder))
    by_stdin = cli.json(*create, "--person", "-", stdin=f"  {OWN}  \n")
    assert by_file["role"] == by_stdin["role"] == "citizen"
    kiosk = ("keys", "create", "--role", "public", "--name", "kiosk")
    assert "not bound" in cli.run(*kiosk, "--person", str(holder), code=2).output
    two = cli.run(*create, "--person", "-", stdin=f"{OWN}\n{OTHER}\n", code=2)
    assert "one line" in two.output
    assert OWN not in two.output
    listed = cli.run("keys", "list", "--json").stdout
    assert OWN not in listed  # a key's person is never listed


def test_a_citizen_key_names_its_person_on_both_stores(store: GraphStore) -> None:
    _load(store)
    policy = load_roles()
    issued = create_key(store, policy, role="citizen", name="王芳", person=f" {OWN} ")
    stored = store.get_api_key(issued.record.key_id)
    assert stored is not None
    assert stored.person_id == OWN
    assert [k.person_id for k in store.api_keys()] == [OWN]
    public = create_key(store, policy, role="public", name="kiosk")
    assert public.record.person_id is None
    rotated = rotate_key(store, policy, issued.record.key_id)
    assert rotated.record.person_id == OWN  # the new key answers for the same person


@pytest.mark.neo4j
def test_both_stores_keep_requests_alike(
    embedded_store: EmbeddedStore, neo4j_store: Neo4jStore
) -> None:
    made = [
        PersonRequest(
            request_id=f"Q-{n}",
            person_id=OWN if n % 2 else OTHER,
            sanction_id=f"F{n}",
            kind=RequestKind.OBJECTION if n % 3 else RequestKind.STATEMENT,
            text=f"第{n}条",
            filed_on=date(2026, 5, n),
            filed_at=f"2026-05-{n:02d}T08:00:00.000000+00:00",
            filed_by="本人 王芳 (k1)",
            objection_on=date(2026, 5, n) if n % 3 else None,
            objection_seq=n if n % 3 else None,
            reviewed_on=date(2026, 6, 1) if n == 4 else None,
            reviewed_by="officer" if n == 4 else "",
        )
        for n in range(1, 7)
    ]
    answers = []
    for chosen in (embedded_store, neo4j_store):
        for item in reversed(made):
            chosen.save_person_request(item)
        answers.append(
            (
                chosen.person_requests(),
                chosen.person_requests(OWN),
                chosen.get_person_request("Q-4"),
                chosen.get_person_request("Q-9"),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][0] == made
    assert [r.request_id for r in answers[0][1]] == ["Q-1", "Q-3", "Q-5"]


def test_a_file_of_an_older_credlink_gains_the_key_person(tmp_path: Path) -> None:
    from graph.embedded_store import EmbeddedStore

    path = tmp_path / "old.db"
    store = EmbeddedStore(path)
    issued = create_key(store, load_roles(), role="public", name="kiosk")
    store.close()
    with sqlite3.connect(path) as conn:  # as written before keys had a person
        conn.execute("ALTER TABLE api_keys DROP COLUMN person_id")
    reopened = EmbeddedStore(path)
    try:
        kept = reopened.get_api_key(issued.record.key_id)
        assert kept == issued.record
        reopened.upsert_persons([make_person(person_id=OWN)])
        bound = create_key(
            reopened, load_roles(), role="citizen", name="王", person=OWN
        )
        assert reopened.get_api_key(bound.record.key_id) == bound.record
    finally:
        reopened.close()
