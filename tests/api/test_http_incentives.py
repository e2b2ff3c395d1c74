"""Incentives in force in the answers that carry them: the restrictions read and
the appointment check (HTTP and CLI), the credit report's good records section,
and commendations submitted over HTTP; on both stores."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from api.stores import open_store
from graph.model import EntityKind
from tests.api.conftest import open_api
from tests.factories import (
    credit_code,
    make_commendation,
    make_enterprise,
    make_person,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from graph.store import GraphStore
    from tests.api.conftest import Cli

MODEL = resident_id(71)
FIRM = credit_code(71)
# an id that embeds the person's number: the public never sees it
COMMENDATION = f"文明办|{MODEL}|2024"
BEFORE, DURING, AFTER = "2024-06-01", "2024-08-01", "2024-10-01"


def _seed(store: GraphStore) -> None:
    store.upsert_persons([make_person(person_id=MODEL, name="司马光明")])
    store.upsert_enterprises([make_enterprise(credit_code=FIRM)])
    store.upsert_commendations(
        [make_commendation(commendation_id=COMMENDATION, subject_id=MODEL)]
    )
    store.upsert_sanctions(
        [
            make_sanction(
                sanction_id="D71",
                subject_kind=EntityKind.PERSON,
                subject_id=MODEL,
                type="dishonest_judgment_debtor",
                decided_on=date(2024, 7, 1),
                display_until=date(2024, 9, 1),
                violation_date=None,
            )
        ]
    )


def test_restrictions_and_check_list_incentives_in_force(
    store: GraphStore, tmp_path: Path
) -> None:
    _seed(store)
    with open_api(store, tmp_path) as api:
        body = {"id_number": MODEL, "on": BEFORE}
        full = api.post("/persons/restrictions", body).json()
        (incentive,) = full["incentives"]
        assert incentive["commendation_id"] == COMMENDATION
        assert incentive["kind"] == "moral_model"
        assert incentive["name_zh"] == "诚信道德模范"
        assert incentive["valid_until"] == "2027-01-01"
        assert incentive["example"] is True
        assert {f["name_zh"] for f in incentive["facilitations"]} == {
            "绿色通道",
            "优先办理",
            "在信用网站公示表彰",
        }
        public = api.post("/persons/restrictions", body, role="public")
        assert public.status_code == 200, public.text
        assert MODEL not in public.text
        assert public.json()["incentives"][0]["name_zh"] == "诚信道德模范"
        # suspended while the later sanction is displayed, back once it is not
        during = api.post("/persons/restrictions", {**body, "on": DURING}).json()
        assert during["incentives"] == []
        assert len(during["restrictions"]) > 0
        after = api.post("/persons/restrictions", {**body, "on": AFTER}).json()
        assert [i["kind"] for i in after["incentives"]] == ["moral_model"]
        check = {
            "person": MODEL,
            "role": "director",
            "enterprise": FIRM,
            "on": BEFORE,
        }
        decided = api.post("/checks/appointment", check, role="appointment_checker")
        assert decided.status_code == 200, decided.text
        (brief,) = decided.json()["incentives"]
        assert brief["kind"] == "moral_model"
        assert "commendation_id" not in brief
        assert MODEL not in decided.text
        blocked = api.post(
            "/checks/appointment", {**check, "on": DURING}, role="appointment_checker"
        ).json()
        assert (blocked["outcome"], blocked["incentives"]) == ("blocked", [])


def _seed_cli(cli: Cli) -> None:
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        _seed(store)
    finally:
        store.close()


def test_cli_restrictions_check_and_report_list_good_records(cli: Cli) -> None:
    _seed_cli(cli)
    listed = json.loads(cli.run("restrictions", MODEL, "--on", BEFORE, "--json").stdout)
    assert [i["kind"] for i in listed["incentives"]] == ["moral_model"]
    text = cli.run("restrictions", MODEL, "--on", BEFORE).stdout
    assert "诚信道德模范" in text
    assert "绿色通道" in text
    checked = cli.run(
        "check", "--person", MODEL, "--role", "director", "--enterprise", FIRM,
        "--on", AFTER, "--json",
    ).stdout  # fmt: skip
    assert [i["kind"] for i in json.loads(checked)["incentives"]] == ["moral_model"]
    during = json.loads(cli.run("report", MODEL, "--on", DURING).stdout)
    assert "incentives" in during["sections"]
    (record,) = during["incentives"]
    assert (record["status"], record["in_force"]) == ("suspended", False)
    assert [s["sanction_id"] for s in record["suspended_by"]] == ["D71"]
    assert record["facilitations"] == []
    assert during["summary"]["incentives_in_force"] == 0
    after = json.loads(cli.run("report", MODEL, "--on", AFTER).stdout)
    (back,) = after["incentives"]
    assert (back["status"], back["in_force"]) == ("in_force", True)
    assert "绿色通道" in [f["zh"] for f in back["facilitations"]]
    assert back["basis"]
    assert after["summary"]["incentives_in_force"] == 1


def test_the_report_shows_good_records_masked_for_the_public(
    store: GraphStore, tmp_path: Path
) -> None:
    _seed(store)
    with open_api(store, tmp_path) as api:
        public = api.post(
            "/reports", {"person": MODEL, "on": BEFORE, "format": "html"}, role="public"
        )
        assert public.status_code == 200, public.text
        assert "守信记录与激励" in public.text
        assert "诚信道德模范" in public.text
        assert MODEL not in public.text
        full = api.post("/reports", {"person": MODEL, "on": BEFORE}).json()
        assert full["incentives"][0]["commendation_id"] == COMMENDATION


def test_commendations_are_submitted_like_a_file(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDLINK_QUARANTINE_DIR", str(tmp_path / "q"))
    body = {
        "source": "volunteer-league",
        "kind": "commendations",
        "rows": [
            {"record_id": "v1", "id_number": MODEL, "kind": "优秀志愿者",
             "authority": "共青团成都市委", "decided_on": "2024-05-01"},
            {"record_id": "v2", "credit_code": FIRM, "kind": "守信激励对象",
             "decided_on": "2024-05-01", "valid_until": "2024-04-01"},
            {"record_id": "v3", "id_number": MODEL, "kind": "劳动模范",
             "decided_on": "2024-05-01"},
        ],
    }  # fmt: skip
    role = "department"
    with open_api(store, tmp_path) as api:
        first = api.post("/submissions", body, role=role)
        assert first.status_code == 200, first.text
        report = first.json()
        assert (report["read"], report["loaded"], report["quarantined"]) == (3, 1, 2)
        assert [(r["row"], r["field"]) for r in report["rows"]] == [
            (2, "valid_until"),
            (3, "kind"),
        ]
        assert report["restrictions_written"] == 0
        again = api.post("/submissions", body, role=role).json()
        assert (again["loaded"], again["quarantined"]) == (1, 2)
        entries = api.audit()
    (held,) = store.commendations_of(EntityKind.PERSON, MODEL)
    assert (held.commendation_id, held.kind) == (
        "volunteer-league#v1",
        "outstanding_volunteer",
    )
    assert [e["action"] for e in entries].count("submissions.write") == 2
