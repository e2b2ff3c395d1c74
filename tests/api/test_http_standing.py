"""``GET /enterprises/{code}/standing`` and ``credlink enterprise standing``, on both
stores: the answer, masking for the public, the audit entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from api.stores import open_store
from tests.api.conftest import Api, open_api
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
    assert set(answer) == {"on", "enterprise", "sanctions", "restricted", "irregular"}
    assert [h["role"]["person_id"] for h in answer["restricted"]] == [WANG]
    (irregular,) = answer["irregular"]
    assert irregular["role"]["since"] == "2024-01-01"
    assert irregular["blocking"][0]["sanction_id"] == "S1"
    entry = api.audit()[-1]
    assert (entry["action"], entry["subject"], entry["persons"]) == (
        "enterprise.people", LATER, [WANG]
    )  # fmt: skip
    public = api.get(path, role="public", params={"on": "2024-06-01"})
    assert public.status_code == 200
    assert WANG not in public.text


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
    out = cli.run("enterprise", "standing", LATER, "--on", "2024-06-01").stdout
    assert "违规任职" in out
    assert WANG not in out
