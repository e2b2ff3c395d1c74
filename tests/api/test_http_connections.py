"""``GET /connections`` through TestClient, on both stores, with its audit record."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.masking import mask_id_number
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
    from collections.abc import Iterator
    from pathlib import Path

    from graph.store import GraphStore

WHO = {"X-Requester": "investigator-3", "X-Purpose": "case 42"}
ALICE, BOB = resident_id(1), resident_id(2)
ACME, OTHER = credit_code(1), credit_code(2)


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    """ALICE (until 2020) and BOB share ACME, where ALICE holds two roles; BOB is
    also in OTHER."""
    store.upsert_persons([make_person(), make_person(person_id=BOB, name="王芳")])
    store.upsert_enterprises(
        [make_enterprise(), make_enterprise(credit_code=OTHER, name="乙")]
    )
    store.upsert_roles(
        [
            make_role(until=date(2020, 1, 1)),
            make_role(role=RoleType.SHAREHOLDER, since=date(2018, 1, 1)),
            make_role(person_id=BOB, role=RoleType.LEGAL_REPRESENTATIVE),
            make_role(person_id=BOB, credit_code=OTHER),
        ]
    )
    with TestClient(create_app(store, tmp_path / "audit.jsonl")) as test_client:
        yield test_client


def _audit(tmp_path: Path) -> list[dict[str, str]]:
    lines = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_connections_of_two_people(client: TestClient, tmp_path: Path) -> None:
    response = client.get(
        "/connections", params={"a": downgrade_to_15(ALICE), "b": BOB}, headers=WHO
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["a"], body["b"], body["on"], body["max_hops"]) == (
        ALICE,
        BOB,
        None,
        6,
    )
    # parallel roles of ALICE in ACME: two connections, by role id
    assert [[r["role"] for r in c["roles"]] for c in body["connections"]] == [
        ["director", "legal_representative"],
        ["shareholder", "legal_representative"],
    ]
    first = body["connections"][0]
    assert first["hops"] == 2
    assert first["steps"] == [
        {"kind": "person", "key": ALICE},
        {"kind": "enterprise", "key": ACME},
        {"kind": "person", "key": BOB},
    ]
    assert first["roles"][0]["role_id"] == f"{ALICE}|{ACME}|director|2015-01-01"
    assert [(e["action"], e["subject"], e["requester"], e["purpose"])
            for e in _audit(tmp_path)] == [
        ("connections", ALICE, "investigator-3", "case 42"),
        ("connections", BOB, "investigator-3", "case 42"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("on", "roles"),
    [
        ("2017-06-01", [["director", "legal_representative"]]),
        ("2019-12-31", [["director", "legal_representative"],
                        ["shareholder", "legal_representative"]]),
        ("2020-01-01", [["shareholder", "legal_representative"]]),
    ],
)  # fmt: skip
def test_connections_as_of_a_day(
    client: TestClient, on: str, roles: list[list[str]]
) -> None:
    params = {"a": ALICE, "b": BOB, "on": on}
    body = client.get("/connections", params=params, headers=WHO).json()
    assert body["on"] == on
    assert [[r["role"] for r in c["roles"]] for c in body["connections"]] == roles


def test_enterprises_and_max_hops(client: TestClient) -> None:
    params: dict[str, str | int] = {"a": ACME.lower(), "b": OTHER}
    body = client.get("/connections", params=params, headers=WHO).json()
    assert [[s["key"] for s in c["steps"]] for c in body["connections"]] == [
        [ACME, BOB, OTHER]
    ]
    params["max_hops"] = 1
    assert (
        client.get("/connections", params=params, headers=WHO).json()["connections"]
        == []
    )


def test_public_view_masks_person_keys(client: TestClient) -> None:
    params = {"a": ALICE, "b": OTHER, "view": "public"}
    body = client.get("/connections", params=params, headers=WHO).json()
    assert body["a"] == mask_id_number(ALICE)
    assert body["b"] == OTHER
    text = json.dumps(body)
    assert ALICE not in text
    assert BOB not in text
    steps = body["connections"][0]["steps"]
    assert [s["key"] for s in steps] == [
        mask_id_number(ALICE),
        ACME,
        mask_id_number(BOB),
        OTHER,
    ]
    role = body["connections"][0]["roles"][0]
    assert role["person_id"] == mask_id_number(ALICE)
    assert role["role_id"].startswith(mask_id_number(ALICE) + "|" + ACME)


@pytest.mark.parametrize(
    ("params", "headers", "status"),
    [
        ({"a": ALICE, "b": BOB}, {}, 422),  # no X-Requester
        ({"a": "not-a-key", "b": BOB}, WHO, 422),
        ({"a": ALICE, "b": BOB, "max_hops": 13}, WHO, 422),
        ({"a": ALICE, "b": BOB, "max_hops": -1}, WHO, 422),
        ({"a": ALICE, "b": BOB, "limit": 0}, WHO, 422),
        ({"a": ALICE, "b": resident_id(99)}, WHO, 404),
        ({"a": credit_code(99), "b": BOB}, WHO, 404),
    ],
)
def test_bad_and_unknown_ends(
    client: TestClient,
    tmp_path: Path,
    params: dict[str, str | int],
    headers: dict[str, str],
    status: int,
) -> None:
    response = client.get("/connections", params=params, headers=headers)
    assert response.status_code == status, response.text
    audited = (tmp_path / "audit.jsonl").exists()
    assert audited is (status == 404)  # refused input is not a query of anyone
