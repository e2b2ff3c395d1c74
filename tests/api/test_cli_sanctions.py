"""``credlink propagate``, ``check``, ``restrictions``, ``trace`` and the lifecycle
commands, on both stores."""

from __future__ import annotations

import getpass
import json
from datetime import date
from typing import TYPE_CHECKING

from api.masking import mask_id_number
from api.stores import open_store
from graph.model import EntityKind, RoleType
from linkage.ids import downgrade_to_15
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from tests.api.conftest import Cli

# GB 11643's own example number: its check character is X
ALICE = "11010519491231002X"
BOB = resident_id(2)
ACME = credit_code(1)
OTHER = credit_code(2)


def _seed(cli: Cli) -> None:
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        store.upsert_persons([make_person(person_id=ALICE), make_person(person_id=BOB)])
        store.upsert_enterprises(
            [make_enterprise(credit_code=ACME), make_enterprise(credit_code=OTHER)]
        )
        store.upsert_roles(
            [
                make_role(
                    person_id=ALICE,
                    role=RoleType.LEGAL_REPRESENTATIVE,
                    since=date(2019, 1, 1),
                    until=date(2023, 3, 1),
                ),
                make_role(person_id=BOB, role=RoleType.LEGAL_REPRESENTATIVE,
                          since=date(2023, 3, 1)),
            ]
        )  # fmt: skip
        # serious listing for a violation of 2023-01-10: reaches ALICE for 3 years
        store.upsert_sanctions(
            [
                make_sanction(sanction_id="S1"),
                make_sanction(
                    sanction_id="S2",
                    subject_kind=EntityKind.PERSON,
                    subject_id=BOB,
                    type="dishonest_judgment_debtor",
                    violation_date=None,
                ),
            ]
        )
    finally:
        store.close()


def test_propagate_reports_what_it_derived(cli: Cli) -> None:
    _seed(cli)
    first = cli.json("propagate")
    assert first["full"] is False
    assert (first["sanctions"], first["restrictions_written"]) == (2, 4)
    again = cli.json("propagate")
    assert (again["sanctions"], again["restrictions_written"]) == (0, 0)
    full = cli.json("propagate", "--full")
    # only differences are written
    assert (full["sanctions"], full["restrictions_written"]) == (2, 0)
    assert full["restrictions_removed"] == 0
    assert "restrictions written" in cli.run("propagate").stdout


def test_check_accepts_any_form_of_the_number(cli: Cli) -> None:
    _seed(cli)
    forms = [
        ALICE,
        ALICE.lower(),  # lowercase x
        downgrade_to_15(ALICE),
        ALICE.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}),  # full-width
    ]
    for form in forms:
        answer = cli.json(
            "check", "--person", form, "--role", "legal_representative",
            "--enterprise", OTHER, "--on", "2024-01-01", code=1,
        )  # fmt: skip
        assert answer["allowed"] is False
        assert answer["person_id"] == ALICE
        (blocking,) = answer["blocking"]
        assert blocking["sanction_id"] == "S1"
        assert blocking["measure"] == "bar_legal_representative"
        assert blocking["valid_until"] == "2026-06-01"
        assert "法定代表人" in blocking["explanation"]
        assert "legal representative" in blocking["explanation_en"]


def test_check_allows_the_listed_enterprise_and_other_days(cli: Cli) -> None:
    _seed(cli)
    base = ["check", "--person", ALICE, "--role", "legal_representative"]
    assert cli.json(*base, "--enterprise", ACME, "--on", "2024-01-01") == {
        "allowed": True,
        "person_id": ALICE,
        "person_known": True,
        "role": "legal_representative",
        "enterprise": ACME,
        "on": "2024-01-01",
        "blocking": [],
        "incentives": [],
        "outcome": "allowed",
    }
    assert cli.json(*base, "--enterprise", OTHER, "--on", "2026-06-01")["allowed"]
    # no --on: today
    today = cli.json(*base, "--enterprise", ACME)
    assert today["on"] == date.today().isoformat()
    blocked = cli.run(*base, "--enterprise", OTHER, "--on", "2024-01-01", code=1)
    assert "blocked" in blocked.stdout
    assert ALICE not in blocked.stdout  # the table masks the number
    cli.run("check", "--person", "123", "--role", "director", "--enterprise", ACME,
            code=2)  # fmt: skip


def test_restrictions_as_of_a_day(cli: Cli) -> None:
    _seed(cli)
    shown = cli.json("restrictions", BOB, "--on", "2024-01-01")
    assert shown["person_id"] == BOB
    assert [r["measure"] for r in shown["restrictions"]] == [
        "bar_director_supervisor_manager",
        "bar_legal_representative",
        "restrict_high_consumption",
    ]
    first = shown["restrictions"][0]
    assert {"sanction_id", "measure", "valid_from", "valid_until", "explanation"} <= (
        set(first)
    )
    assert (first["valid_from"], first["valid_until"]) == ("2023-06-01", "2025-06-01")
    later = cli.json("restrictions", BOB, "--on", "2025-06-01")
    assert later["restrictions"] == []
    table = cli.run("restrictions", BOB, "--on", "2024-01-01").stdout
    assert mask_id_number(BOB) in table
    assert BOB not in table


def test_lifecycle_commands(cli: Cli) -> None:
    _seed(cli)
    on = ["--on", "2024-01-01"]
    who = ["--by", "张三", "--reason", "依申请"]
    refused = cli.run("repair", "S1", *who, "--on", "2024-05-31", code=2)
    assert "minimum period" in refused.stderr
    objected = cli.json("object", "S1", *who, "--on", "2023-07-01")
    assert objected["sanction"]["status"] == "suspended"
    assert objected["event"]["kind"] == "object"
    assert objected["event"]["seq"] == 0
    assert cli.json("restrictions", ALICE, *on)["restrictions"] == []
    rejected = cli.json("decide", "S1", "--rejected", *who, "--on", "2023-08-01")
    assert rejected["sanction"]["status"] == "active"
    assert len(cli.json("restrictions", ALICE, *on)["restrictions"]) == 1
    corrected = cli.json(
        "correct", "S1", "--set", "violation_date=2023-03-01",
        "--set", "decision_no=成市监严〔2023〕9号", *who, "--on", "2023-09-01",
    )  # fmt: skip
    assert corrected["event"]["changes"] == {
        "violation_date": "2023-03-01",
        "decision_no": "成市监严〔2023〕9号",
    }
    # the correction moved the restriction from ALICE to BOB at once
    assert cli.json("restrictions", ALICE, *on)["restrictions"] == []
    bob = cli.json("restrictions", BOB, *on)["restrictions"]
    assert "S1" in {r["sanction_id"] for r in bob}
    repaired = cli.json("repair", "S1", *who, "--on", "2024-06-01")
    assert repaired["sanction"]["status"] == "repaired"
    objected = cli.run("object", "S2", *who, "--on", "2023-07-01")
    assert "now suspended" in objected.stdout
    upheld = cli.json("decide", "S2", "--upheld", *who, "--on", "2023-07-02")
    assert upheld["sanction"]["status"] == "revoked"
    cli.run("decide", "S2", *who, code=2)  # neither --upheld nor --rejected
    cli.run("correct", "S1", "--set", "nonsense", *who, code=2)
    cli.run("correct", "S1", "--set", "colour=red", *who, code=2)
    cli.run("repair", "S9", *who, code=2)


def test_trace_lists_everyone_reached(cli: Cli) -> None:
    _seed(cli)
    traced = cli.json("trace", "S1")
    assert traced["on"] is None
    assert traced["sanction_id"] == "S1"
    (reached,) = traced["restrictions"]  # the HTTP API's TraceOut
    assert reached["sanction_type"] == "serious_illegal_dishonest"
    assert reached["person_id"] == ALICE  # systems get the full number
    assert reached["role"] == "legal_representative"
    assert (reached["role_since"], reached["role_until"]) == (
        "2019-01-01",
        "2023-03-01",
    )
    assert cli.json("trace", "S1", "--on", "2026-06-01")["restrictions"] == []
    table = cli.run("trace", "S1").stdout
    assert mask_id_number(ALICE) in table
    assert ALICE not in table
    cli.run("trace", "S9", code=2)


def test_propagate_names_sanctions_of_unknown_types(cli: Cli) -> None:
    _seed(cli)
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        store.upsert_sanctions([make_sanction(sanction_id="S9", type="no_such_type")])
    finally:
        store.close()
    report = cli.json("propagate", code=2)
    assert report["skipped"] == ["S9"]
    assert report["sanctions"] == 2  # the others are derived all the same
    assert "S9" in cli.run("propagate", code=2).stderr


# -- the audit record ----------------------------------------------------------------


def _audit(cli: Cli) -> list[dict[str, str]]:
    lines = cli.audit_log.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_every_personal_query_is_audited_first(cli: Cli) -> None:
    _seed(cli)
    who = ("--as", "officer-7", "--purpose", "appointment review")
    cli.run(*who, "check", "--person", ALICE.lower(), "--role",
            "legal_representative", "--enterprise", OTHER, "--on", "2024-01-01",
            code=1)  # fmt: skip
    cli.run(*who, "restrictions", ALICE, "--on", "2024-01-01")
    cli.run(*who, "trace", "S1")
    cli.run(*who, "explain", ALICE)
    cli.run(*who, "candidates")
    entries = _audit(cli)
    assert [(e["action"], e["subject"]) for e in entries] == [
        ("appointment.check", ALICE),  # the canonical number, whatever was typed
        ("person.restrictions", ALICE),
        ("sanction.trace", "S1"),
        ("person.explain", ALICE),
        ("linkage.candidates", "*"),
    ]
    assert {(e["key_name"], e["purpose"], e["via"]) for e in entries} == {
        ("officer-7", "appointment review", "cli")
    }
    # writes and counts are not queries of personal data: nothing more recorded
    cli.run("propagate")
    cli.run("stats")
    assert len(_audit(cli)) == len(entries)


def test_the_requester_defaults_to_the_os_user(cli: Cli) -> None:
    _seed(cli)
    cli.run("restrictions", BOB, "--on", "2024-01-01")
    (entry,) = _audit(cli)
    assert entry["key_name"] == getpass.getuser()
    assert entry["key_id"] == f"cli:{getpass.getuser()}"
    assert (entry["action"], entry["subject"], entry["purpose"]) == (
        "person.restrictions",
        BOB,
        "",
    )


def test_a_query_refused_for_bad_input_is_not_audited(cli: Cli) -> None:
    cli.run("restrictions", "not-a-number", code=2)
    assert not cli.audit_log.exists()


def test_a_repair_shows_on_the_restriction_its_status_date_and_end(cli: Cli) -> None:
    _seed(cli)
    (before,) = cli.json("trace", "S1", "--on", "2024-01-01")["restrictions"]
    assert (before["status"], before["status_on"], before["status_event"]) == (
        "in_force",
        before["valid_from"],
        None,
    )
    assert before["ends_on"] == before["valid_until"] == "2026-06-01"
    who = ["--by", "张三", "--reason", "已履行"]
    cli.json("repair", "S1", *who, "--on", "2024-06-01")
    (after,) = cli.json("trace", "S1")["restrictions"]  # status today
    assert after["valid_until"] == "2026-06-01"  # the original end stays shown
    assert after["ends_on"] == "2024-06-01"  # next to the effective end
    assert (after["status"], after["status_on"]) == ("repaired", "2024-06-01")
    event = after["status_event"]
    assert (event["kind"], event["on"], event["by"], event["reason"]) == (
        "repair",
        "2024-06-01",
        "张三",
        "已履行",
    )
    # before the repair day it was in force, and its end is already known
    (earlier,) = cli.json("restrictions", ALICE, "--on", "2024-03-01")["restrictions"]
    assert (earlier["status"], earlier["ends_on"]) == ("in_force", "2024-06-01")
    assert cli.json("restrictions", ALICE, "--on", "2024-06-01")["restrictions"] == []
    assert "repaired" in cli.run("trace", "S1").stdout
    text = cli.run("restrictions", ALICE, "--on", "2024-03-01").stdout
    assert "2024-06-01" in text


def test_a_correction_and_expiry_show_as_status(cli: Cli) -> None:
    _seed(cli)
    who = ["--by", "李四", "--reason", "异议"]
    cli.json("object", "S1", *who, "--on", "2023-07-01")
    cli.json("decide", "S1", "--rejected", *who, "--on", "2023-08-01")
    cli.json("correct", "S1", "--set", "authority=成都市市场监督管理局", *who,
             "--on", "2023-09-01")  # fmt: skip
    (corrected,) = cli.json("trace", "S1", "--on", "2024-01-01")["restrictions"]
    assert (corrected["status"], corrected["status_on"]) == ("corrected", "2023-09-01")
    assert corrected["status_event"]["kind"] == "correct"
    (expired,) = cli.json("trace", "S1")["restrictions"]  # today: after 2026-06-01
    assert (expired["status"], expired["status_on"]) == ("expired", "2026-06-01")
