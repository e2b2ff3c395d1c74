"""``credlink related``, ``people`` and ``connections``, on both stores, with their
audit record and masking."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from api.masking import mask_id_number
from api.stores import open_store
from graph.model import RoleType
from linkage.ids import downgrade_to_15
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    resident_id,
)

if TYPE_CHECKING:
    from tests.api.conftest import Cli

# GB 11643's own example number: its check character is X
ALICE = "11010519491231002X"
BOB = resident_id(2)
CAROL = resident_id(3)
LONER = resident_id(4)
ACME = credit_code(1)
OTHER = credit_code(2)
WHO = ("--as", "investigator-3", "--purpose", "case 42")


def _seed(cli: Cli) -> None:
    """ALICE and BOB in ACME (ALICE until 2023-03-01), BOB and CAROL in OTHER."""
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        store.upsert_persons(
            [
                make_person(person_id=ALICE, name="张伟"),
                make_person(person_id=BOB, name="王芳"),
                make_person(person_id=CAROL, name="李娜"),
                make_person(person_id=LONER, name="刘洋"),
            ]
        )
        store.upsert_enterprises(
            [make_enterprise(credit_code=ACME), make_enterprise(credit_code=OTHER)]
        )
        store.upsert_roles(
            [
                make_role(person_id=ALICE, role=RoleType.LEGAL_REPRESENTATIVE,
                          since=date(2019, 1, 1), until=date(2023, 3, 1)),
                make_role(person_id=BOB, role=RoleType.DIRECTOR,
                          since=date(2020, 1, 1)),
                make_role(person_id=BOB, credit_code=OTHER,
                          role=RoleType.SHAREHOLDER),
                make_role(person_id=CAROL, credit_code=OTHER,
                          role=RoleType.SUPERVISOR),
            ]
        )  # fmt: skip
    finally:
        store.close()


def _entries(cli: Cli) -> list[dict[str, Any]]:
    lines = cli.audit_log.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _audit(cli: Cli) -> list[tuple[str, str, str]]:
    return [(e["action"], e["subject"], e["key_name"]) for e in _entries(cli)]


def test_connections_by_any_written_form(cli: Cli) -> None:
    _seed(cli)
    found = cli.json(*WHO, "connections", downgrade_to_15(ALICE), CAROL.lower())
    assert (found["a"], found["b"], found["on"], found["max_hops"]) == (
        ALICE,
        CAROL,
        None,
        6,
    )
    (chain,) = found["connections"]
    assert chain["hops"] == 4
    assert [s["key"] for s in chain["steps"]] == [ALICE, ACME, BOB, OTHER, CAROL]
    assert [s["kind"] for s in chain["steps"]] == [
        "person",
        "enterprise",
        "person",
        "enterprise",
        "person",
    ]
    assert [(r["person_id"], r["role"]) for r in chain["roles"]] == [
        (ALICE, "legal_representative"),
        (BOB, "director"),
        (BOB, "shareholder"),
        (CAROL, "supervisor"),
    ]
    assert chain["roles"][0]["until"] == "2023-03-01"
    assert chain["roles"][0]["role_id"].startswith(ALICE + "|" + ACME)
    assert _audit(cli) == [("connections.find", f"{ALICE} {CAROL}", "investigator-3")]
    (entry,) = _entries(cli)
    assert entry["persons"] == [ALICE, CAROL, BOB]  # the ends, then inner persons
    assert (entry["via"], entry["outcome"]) == ("cli", "answered")


def test_connections_as_of_a_day_and_within_max_hops(cli: Cli) -> None:
    _seed(cli)
    # ALICE left ACME on 2023-03-01 (exclusive end)
    assert cli.json("connections", ALICE, BOB, "--on", "2023-02-28")["connections"]
    assert (
        cli.json("connections", ALICE, BOB, "--on", "2023-03-01")["connections"] == []
    )
    assert cli.json("connections", ALICE, CAROL, "--max-hops", "3")["connections"] == []
    enterprises = cli.json("connections", ACME, OTHER)["connections"]
    assert [[s["key"] for s in c["steps"]] for c in enterprises] == [[ACME, BOB, OTHER]]


def test_connections_table_masks_id_numbers(cli: Cli) -> None:
    _seed(cli)
    out = cli.run("connections", ALICE, CAROL).stdout
    assert mask_id_number(ALICE) in out
    assert mask_id_number(BOB) in out
    for key in (ALICE, BOB, CAROL):
        assert key not in out
    assert ACME in out
    assert "legal_representative" in out
    none = cli.run("connections", ALICE, LONER).stdout
    assert "no connection" in none
    assert LONER not in none


def test_connections_refuses_bad_and_unknown_ends(cli: Cli) -> None:
    _seed(cli)
    assert "neither" in cli.run("connections", "not-a-key", ALICE, code=2).stderr
    assert not cli.audit_log.exists()  # refused before anything was asked
    unknown = resident_id(99)
    held = cli.run("connections", ALICE, unknown, code=1).stdout
    assert "no record held" in held
    assert mask_id_number(unknown) in held
    cli.run("connections", ALICE, BOB, "--max-hops", "13", code=2)
    cli.run("connections", ALICE, BOB, "--limit", "0", code=2)


def test_related_lists_roles_and_associates(cli: Cli) -> None:
    _seed(cli)
    found = cli.json(*WHO, "related", BOB, "--on", "2022-06-01")
    assert found["person"]["person_id"] == BOB
    assert [(r["credit_code"], r["role"]) for r in found["roles"]] == [
        (ACME, "director"),
        (OTHER, "shareholder"),
    ]
    # sorted by person id: 110105... before 510104...
    assert [(a["person"]["person_id"], a["via"]) for a in found["associates"]] == [
        (ALICE, [ACME]),
        (CAROL, [OTHER]),
    ]
    later = cli.json("related", BOB, "--on", "2023-03-01")
    assert [a["person"]["person_id"] for a in later["associates"]] == [CAROL]
    table = cli.run("related", BOB).stdout
    assert mask_id_number(ALICE) in table
    assert ALICE not in table
    assert BOB not in table
    assert _audit(cli)[:1] == [("person.related", BOB, "investigator-3")]
    assert _entries(cli)[0]["persons"] == [BOB, ALICE, CAROL]  # and every associate
    assert [a for a, _, _ in _audit(cli)] == ["person.related"] * 3


def test_people_of_an_enterprise(cli: Cli) -> None:
    _seed(cli)
    found = cli.json(*WHO, "people", ACME.lower(), "--on", "2019-06-01")
    assert found["enterprise"]["credit_code"] == ACME
    assert [
        (h["person"]["person_id"], h["role"]["role"]) for h in found["holders"]
    ] == [(ALICE, "legal_representative")]
    table = cli.run("people", ACME).stdout
    assert mask_id_number(ALICE) in table
    assert mask_id_number(BOB) in table
    assert ALICE not in table
    entries = _audit(cli)
    assert [(action, subject) for action, subject, _ in entries] == [
        ("enterprise.people", ACME),
        ("enterprise.people", ACME),
    ]
    assert _entries(cli)[0]["persons"] == [ALICE]
    assert entries[0][2] == "investigator-3"


def test_related_and_people_refuse_what_the_store_lacks(cli: Cli) -> None:
    _seed(cli)
    cli.run("related", "not-a-number", code=2)
    cli.run("people", "nonsense", code=2)
    assert not cli.audit_log.exists()
    assert "no record held" in cli.run("related", resident_id(99), code=1).stdout
    assert "no record held" in cli.run("people", credit_code(99), code=1).stdout
    assert [(e["subject"], e["outcome"]) for e in _entries(cli)] == [
        (resident_id(99), "not_found"),
        (credit_code(99), "not_found"),
    ]  # asked about: recorded, though nothing was answered
