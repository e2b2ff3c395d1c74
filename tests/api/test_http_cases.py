"""The explorer's routes over HTTP on both stores: the session says what the key
may do; cases are kept per key, and reading one back is audited with its persons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.api.conftest import Api, open_api
from tests.factories import credit_code, resident_id

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from graph.store import GraphStore


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[Api]:
    with open_api(store, tmp_path) as opened:
        yield opened


def _case(name: str = "Jinjiang") -> dict[str, Any]:
    return {
        "name": name,
        "on": "2021-06-01",
        "notes": "两名董事",
        "nodes": [
            {"id": f"p:{resident_id(1)}", "kind": "person", "key": resident_id(1),
             "label": "王建国", "x": 10.5, "y": -3, "pinned": True},
            {"id": f"e:{credit_code(1)}", "kind": "enterprise",
             "key": credit_code(1), "label": "示例科技", "x": 0, "y": 0},
        ],
        "edges": [
            {"id": "r1", "source": f"p:{resident_id(1)}",
             "target": f"e:{credit_code(1)}", "role": "director",
             "since": "2015-01-01", "until": None, "label": "director"},
        ],
    }  # fmt: skip


def test_the_session_names_the_role_view_and_purposes(api: Api) -> None:
    mine = api.get("/session").json()
    assert mine["role"] == "investigator"
    assert mine["view"] == "full"
    assert "cases.manage" in mine["actions"]
    assert mine["purposes"] == [{"code": "enforcement_inspection", "name": "执法检查"}]
    public = api.get("/session", role="public").json()
    assert public["view"] == "masked"
    assert "cases.manage" not in public["actions"]
    assert public["default_purpose"] == "public_disclosure"


def test_save_list_open_delete(api: Api) -> None:
    saved = api.post("/cases", _case())
    assert saved.status_code == 200, saved.text
    assert saved.json()["nodes"] == 2
    assert saved.json()["persons"] == 1
    listed = api.get("/cases").json()
    assert [(c["name"], c["nodes"]) for c in listed] == [("Jinjiang", 2)]

    opened = api.post("/cases/open", {"name": "Jinjiang"})
    assert opened.status_code == 200, opened.text
    case = opened.json()
    assert case["on"] == "2021-06-01"
    assert case["notes"] == "两名董事"
    assert case["nodes"][0]["pinned"] is True
    assert case["nodes"][0]["x"] == 10.5
    assert case["edges"][0]["since"] == "2015-01-01"
    entry = api.audit()[-1]
    assert entry["action"] == "cases.manage"
    assert entry["persons"] == [resident_id(1)]  # reading it back is audited
    assert entry["purpose"] == "执法检查"

    # another key of the same role sees none of it
    assert api.get("/cases", role="sanctions_officer").json() == []
    other = api.post("/cases/open", {"name": "Jinjiang"}, role="sanctions_officer")
    assert other.status_code == 404

    gone = api.post("/cases/delete", {"name": "Jinjiang"}).json()
    assert gone == {"name": "Jinjiang", "deleted": True}
    assert api.get("/cases").json() == []


def test_a_case_name_may_not_carry_a_number(api: Api) -> None:
    refused = api.post("/cases", _case(name=f"about {resident_id(1)}"))
    assert refused.status_code == 422
    assert resident_id(1) not in refused.text
    assert resident_id(1) not in api.audit_log.read_text(encoding="utf-8")


def test_saving_states_a_purpose_and_the_public_may_not(api: Api) -> None:
    assert api.post("/cases", _case(), purpose="").status_code == 403
    assert api.post("/cases", _case(), role="public").status_code == 403
