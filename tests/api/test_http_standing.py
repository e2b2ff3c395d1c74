"""``GET /enterprises/{code}/standing`` and ``credlink enterprise standing``, on both
stores: the answer (good records and incentives included), masking for the public,
the audit entry."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from api.stores import open_store
from graph import enforcement
from graph.policy import load_catalogue
from tests.api.conftest import Api, open_api
from tests.factories import make_sanction
from tests.integration.test_standing import LATER, WANG, seed_standing

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from graph.store import GraphStore
    from tests.api.conftest import Cli


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[Api]:
    seed_standing(store)
    with open_api(store, tmp_path) as opened:
        yield opened


def test_standing_over_http(api: Api) -> None:
    path = f"/enterprises/{LATER}/standing"
    answer = api.get(path, params={"on": "2024-06-01"}).json()
    assert set(answer) == {
        "on", "enterprise", "sanctions", "restricted", "irregular", "good_records",
        "incentives",
    }  # fmt: skip
    assert [h["role"]["person_id"] for h in answer["restricted"]] == [WANG]
    (irregular,) = answer["irregular"]
    assert irregular["role"]["since"] == "2024-01-01"
    assert irregular["blocking"][0]["sanction_id"] == "S1"
    entry = api.audit()[-1]
    assert (entry["action"], entry["subject"], entry["persons"]) == (
        "enterprise.people", LATER, [WANG]
    )  # fmt: skip
    (good,) = answer["good_records"]
    assert (good["commendation_id"], good["kind"], good["status"]) == (
        "G1", "trustworthy_subject", "in_force"
    )  # fmt: skip
    assert (good["valid_until"], good["suspended_by"]) == ("2025-01-01", [])
    (earned,) = answer["incentives"]
    assert earned["name_zh"] == "守信激励对象"
    assert earned["facilitations"]
    public = api.get(path, role="public", params={"on": "2024-06-01"})
    assert public.status_code == 200
    assert WANG not in public.text
    # good records are public record; their ids carry no ID number here
    assert public.json()["good_records"] == answer["good_records"]


def test_a_later_sanction_withdraws_the_good_record_over_http(
    api: Api, store: GraphStore
) -> None:
    store.upsert_sanctions(
        [
            make_sanction(
                sanction_id="P1", subject_id=LATER, type="administrative_penalty",
                decision_no="成市监罚〔2024〕7号", decided_on=date(2024, 7, 1),
                violation_date=None,
            )
        ]
    )  # fmt: skip
    enforcement.propagate(store, load_catalogue())
    path = f"/enterprises/{LATER}/standing"
    answer = api.get(path, params={"on": "2024-08-01"}).json()
    (good,) = answer["good_records"]
    assert good["status"] == "withdrawn"
    assert [s["sanction_id"] for s in good["suspended_by"]] == ["P1"]
    assert good["suspended_by"][0]["until"] is None
    assert answer["incentives"] == []


def test_standing_on_the_command_line(cli: Cli) -> None:
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        seed_standing(store)
    finally:
        store.close()
    found = cli.json("enterprise", "standing", LATER, "--on", "2024-06-01")
    assert [a["role"]["person_id"] for a in found["irregular"]] == [WANG]
    assert [g["status"] for g in found["good_records"]] == ["in_force"]
    assert [i["kind"] for i in found["incentives"]] == ["trustworthy_subject"]
    out = cli.run("enterprise", "standing", LATER, "--on", "2024-06-01").stdout
    assert "违规任职" in out
    assert "守信记录" in out
    assert "守信激励对象" in out
    assert WANG not in out
