"""``POST /search`` through TestClient, on both stores: the contract the explorer
relies on, masking per role, the audit entry and the persons quota."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from api.access.roles import RoleView, load_roles
from graph.model import Person
from tests.api.conftest import Api, open_api
from tests.factories import credit_code, make_enterprise, resident_id

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from graph.store import GraphStore

WANG, WANG_TOO = resident_id(1), resident_id(2)
FIRM = credit_code(1)


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[Api]:
    store.upsert_persons([Person(WANG, "王建国"), Person(WANG_TOO, "王建国")])
    store.upsert_enterprises(
        [make_enterprise(credit_code=FIRM, name="建国科技有限公司")]
    )
    with open_api(store, tmp_path) as opened:
        yield opened


def test_an_investigator_finds_persons_and_enterprises(api: Api) -> None:
    response = api.post("/search", {"q": "建国", "kind": "any", "limit": 10})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"hits", "next_cursor"}
    assert answer["next_cursor"] is None
    hits = answer["hits"]
    assert {(h["kind"], h["key"]) for h in hits} == {
        ("person", WANG), ("person", WANG_TOO), ("enterprise", FIRM)
    }  # fmt: skip
    for hit in hits:
        assert set(hit) == {"kind", "key", "label", "score", "reasons"}
        assert hit["reasons"]
        assert 0 < hit["score"] <= 1
    assert [h["score"] for h in hits] == sorted(
        (h["score"] for h in hits), reverse=True
    )
    entry = api.audit()[-1]
    assert entry["action"] == "search.persons"
    assert entry["outcome"] == "answered"
    assert set(entry["persons"]) == {WANG, WANG_TOO}
    assert "建国" not in entry["subject"]  # the query is not written down


def test_pages_follow_the_cursor_and_refuse_another_querys(api: Api) -> None:
    body = {"q": "wang jianguo", "kind": "person", "limit": 1}
    first = api.post("/search", body).json()
    assert [h["key"] for h in first["hits"]] == [WANG]
    second = api.post("/search", {**body, "cursor": first["next_cursor"]}).json()
    assert [h["key"] for h in second["hits"]] == [WANG_TOO]
    assert second["next_cursor"] is None
    other = api.post("/search", {**body, "q": "wjg", "cursor": first["next_cursor"]})
    assert other.status_code == 422
    assert api.audit()[-1]["outcome"] == "refused"


def test_the_public_finds_enterprises_only(api: Api) -> None:
    refused = api.post("/search", {"q": "王建国", "kind": "person"}, role="public")
    assert refused.status_code == 403
    assert api.audit()[-1]["outcome"] == "denied"
    answer = api.post("/search", {"q": "建国", "kind": "any"}, role="public").json()
    assert [(h["kind"], h["key"]) for h in answer["hits"]] == [("enterprise", FIRM)]
    assert api.audit()[-1]["persons"] == []


def test_a_masked_role_sees_no_key_and_a_masked_name(
    store: GraphStore, tmp_path: Path
) -> None:
    policy = load_roles()
    roles = dict(policy.roles)
    roles["investigator"] = replace(roles["investigator"], view=RoleView.MASKED)
    policy = replace(policy, roles=roles)
    store.upsert_persons([Person(WANG, "王建国")])
    with open_api(store, tmp_path, policy) as api:
        hits = api.post("/search", {"q": "王建国", "kind": "person"}).json()["hits"]
    assert hits == [
        {"kind": "person", "key": None, "label": "王**", "score": 1.0,
         "reasons": ["same name"]}
    ]  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        {"q": ""},
        {"q": "x" * 201},
        {"q": "王", "kind": "robot"},
        {"q": "王", "limit": 0},
        {"q": "王", "limit": 101},
        {"q": "王", "cursor": "not-a-cursor"},
        {"q": "王", "extra": 1},
    ],
)
def test_bad_bodies_are_422(api: Api, body: dict[str, object]) -> None:
    assert api.post("/search", body).status_code == 422
