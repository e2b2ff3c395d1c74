"""``credlink expire`` (and the execution commands), on both stores."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from api.stores import open_store
from graph.model import RoleType
from tests.factories import (
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from tests.api.conftest import Cli

ALICE, BOB = resident_id(1), resident_id(2)


def _seed(cli: Cli) -> None:
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        store.upsert_persons([make_person(person_id=ALICE), make_person(person_id=BOB)])
        store.upsert_enterprises([make_enterprise()])
        store.upsert_roles(
            [
                make_role(person_id=ALICE, role=RoleType.LEGAL_REPRESENTATIVE,
                          since=date(2019, 1, 1), record_id="a"),
                make_role(person_id=BOB, role=RoleType.LEGAL_REPRESENTATIVE,
                          since=date(2021, 1, 1), record_id="b"),
            ]
        )  # fmt: skip
        # a court list at the decision (2023-06-01), shown for 2 years: reaches both
        store.upsert_sanctions(
            [make_sanction(type="dishonest_judgment_debtor", violation_date=None)]
        )
    finally:
        store.close()


def test_expire_ends_each_restriction_once(cli: Cli) -> None:
    _seed(cli)
    assert cli.json("propagate")["restrictions_written"] == 2
    assert cli.json("expire", "--on", "2025-05-31") == {"on": "2025-05-31", "ended": 0}
    assert cli.json("expire", "--on", "2025-06-01") == {"on": "2025-06-01", "ended": 2}
    assert cli.json("expire", "--on", "2025-06-01")["ended"] == 0
    assert "0 restriction(s) ended" in cli.run("expire", "--on", "2030-01-01").stdout


def test_expire_refuses_a_bad_date(cli: Cli) -> None:
    result = cli.run("expire", "--on", "2025-13-01", code=2)
    assert "--on" in result.output
