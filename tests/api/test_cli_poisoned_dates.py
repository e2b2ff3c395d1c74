"""Poisoned dates: refused at the door, and never able to stop propagation.

A sanction dated 9999-12-31 used to be loaded; ``propagate`` then died with
``ValueError: year 10001`` and every read that derives first (restrictions,
check, trace) failed for every person.
"""

from __future__ import annotations

import csv
from datetime import date
from typing import TYPE_CHECKING

from api.stores import open_store
from graph.model import RoleType
from graph.propagation import DATES_OUT_OF_RANGE
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

    from tests.api.conftest import Cli

ALICE = resident_id(1)
ACME = credit_code(1)
OTHER = credit_code(2)


def _seed_with_poison(cli: Cli) -> None:
    """A store written before the bounds existed: one sound, one poisoned sanction."""
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        store.upsert_persons([make_person(person_id=ALICE)])
        store.upsert_enterprises(
            [make_enterprise(credit_code=ACME), make_enterprise(credit_code=OTHER)]
        )
        store.upsert_roles(
            [
                make_role(person_id=ALICE, credit_code=code,
                          role=RoleType.LEGAL_REPRESENTATIVE, since=date(2019, 1, 1))
                for code in (ACME, OTHER)
            ]
        )  # fmt: skip
        store.upsert_sanctions(
            [
                make_sanction(sanction_id="S1", subject_id=ACME),
                make_sanction(
                    sanction_id="S9",
                    subject_id=OTHER,
                    decided_on=date(9999, 12, 31),
                    violation_date=None,
                ),
            ]
        )
    finally:
        store.close()


def test_a_sanction_beyond_the_calendar_is_set_aside_and_the_rest_derived(
    cli: Cli,
) -> None:
    _seed_with_poison(cli)
    report = cli.json("propagate", code=2)
    assert report["set_aside"] == [{"sanction_id": "S9", "error": DATES_OUT_OF_RANGE}]
    assert report["restrictions_written"] == 1  # S1 reached ALICE
    # every read that derives first still answers
    found = cli.json("restrictions", ALICE, "--on", "2024-01-01")
    assert [r["sanction_id"] for r in found["restrictions"]] == ["S1"]
    cli.run("check", "--person", ALICE, "--role", "legal_representative",
            "--enterprise", credit_code(3), "--on", "2024-01-01", code=1)  # fmt: skip
    assert cli.json("trace", "S1")["restrictions"]
    assert cli.json("trace", "S9")["restrictions"] == []
    stats = cli.json("stats")
    assert stats["set_aside"] == [{"sanction_id": "S9", "error": DATES_OUT_OF_RANGE}]
    assert "S9" in cli.run("stats").stdout
    # once set aside it is not derived again until it is written again
    again = cli.json("propagate", code=2)
    assert (again["sanctions"], again["restrictions_written"]) == (0, 0)


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _quarantined(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_dates_out_of_bounds_are_quarantined_at_the_door(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder / "persons.csv", [
        {"name": "张伟", "id_number": resident_id(5), "birth_date": "1700-01-01"},
        {"name": "李娜", "id_number": resident_id(6), "birth_date": ""},
    ])  # fmt: skip
    _write(folder / "roles.csv", [
        {"id_number": resident_id(6), "credit_code": ACME, "role": "法定代表人",
         "since": "0001-01-01", "until": ""},
        {"id_number": resident_id(6), "credit_code": ACME, "role": "董事",
         "since": "2019-01-01", "until": "9999-12-31"},
        {"id_number": resident_id(6), "credit_code": ACME, "role": "监事",
         "since": "2019-01-01", "until": ""},
    ])  # fmt: skip
    _write(folder / "sanctions.csv", [
        {"credit_code": ACME, "type": "serious_illegal_dishonest",
         "decided_on": "9999-12-31", "display_until": ""},
        {"credit_code": ACME, "type": "serious_illegal_dishonest",
         "decided_on": "2023-06-01", "display_until": "9999-12-31"},
        {"credit_code": ACME, "type": "serious_illegal_dishonest",
         "decided_on": "2023-06-01", "display_until": ""},
    ])  # fmt: skip
    report = cli.json("load", str(folder))
    counts = {f["path"].rsplit("/", 1)[-1]: f for f in report["files"]}
    assert counts["persons.csv"]["quarantined"] == 1
    assert counts["roles.csv"]["quarantined"] == 2
    assert counts["sanctions.csv"]["quarantined"] == 2
    reasons = [
        (row["_file"], row["_field"], row["_reason"])
        for kind in ("persons", "roles", "sanctions")
        for row in _quarantined(folder / "quarantine" / f"{kind}.quarantine.csv")
    ]
    assert reasons[0][:2] == ("persons.csv", "birth_date")
    assert "1700-01-01 is before 1880-01-01" in reasons[0][2]
    assert [r[1] for r in reasons[1:]] == [
        "since", "until", "decided_on", "display_until"
    ]  # fmt: skip
    assert all("out of bounds" in r[2] for r in reasons)
    assert cli.json("propagate")["set_aside"] == []


def test_the_horizon_is_configurable(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    ahead = date.today().replace(year=date.today().year + 3).isoformat()
    _write(folder / "roles.csv", [
        {"id_number": resident_id(6), "credit_code": ACME, "role": "董事",
         "since": "2019-01-01", "until": ahead},
    ])  # fmt: skip
    assert cli.json("load", str(folder))["files"][0]["quarantined"] == 0
    narrow = type(cli)(
        cli.location, {**cli.env, "CREDLINK_DATE_HORIZON_YEARS": "1"}, cli.audit_log
    )
    refused = narrow.json("load", str(folder), code=2)  # the one row quarantined
    assert refused["files"][0]["quarantined"] == 1


def test_a_correction_beyond_the_horizon_is_refused(cli: Cli) -> None:
    _seed_with_poison(cli)
    result = cli.run(
        "correct", "S1", "--set", "decided_on=9999-12-31", "--by", "clerk",
        "--reason", "typo", code=2,
    )  # fmt: skip
    assert "out of bounds" in result.output
