"""``POST /connections`` through TestClient, on both stores, with its audit record."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from api.masking import mask_id_number
from graph.model import RoleType
from linkage.ids import downgrade_to_15
from tests.api.conftest import Api, open_api
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

ALICE, BOB = resident_id(1), resident_id(2)
ACME, OTHER = credit_code(1), credit_code(2)


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[Api]:
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
    with open_api(store, tmp_path) as opened:
        yield opened


def _connections(api: Api, **body: Any) -> Any:
    response = api.post("/connections", body)
    assert response.status_code == 200, response.text
    return response.json()


def test_connections_of_two_people(api: Api) -> None:
    body = _connections(api, a=downgrade_to_15(ALICE), b=BOB)
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
    entry = api.audit()[-1]
    assert (entry["action"], entry["subject"], entry["purpose"]) == (
        "connections.find",
        f"{ALICE} {BOB}",
        "执法检查",
    )
    assert entry["persons"] == [ALICE, BOB]  # ends and inner persons, once each


@pytest.mark.parametrize(
    ("on", "roles"),
    [
        ("2017-06-01", [["director", "legal_representative"]]),
        ("2019-12-31", [["director", "legal_representative"],
                        ["shareholder", "legal_representative"]]),
        ("2020-01-01", [["shareholder", "legal_representative"]]),
    ],
)  # fmt: skip
def test_connections_as_of_a_day(api: Api, on: str, roles: list[list[str]]) -> None:
    body = _connections(api, a=ALICE, b=BOB, on=on)
    assert body["on"] == on
    assert [[r["role"] for r in c["roles"]] for c in body["connections"]] == roles


def test_enterprises_and_max_hops_audit_inner_persons(api: Api) -> None:
    body = _connections(api, a=ACME.lower(), b=OTHER)
    assert [[s["key"] for s in c["steps"]] for c in body["connections"]] == [
        [ACME, BOB, OTHER]
    ]
    assert api.audit()[-1]["persons"] == [BOB]  # the inner node
    assert _connections(api, a=ACME, b=OTHER, max_hops=1)["connections"] == []


def test_public_view_masks_person_keys(api: Api) -> None:
    body = _connections(api, a=ALICE, b=OTHER, view="public")
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
    assert role["role_id"].startswith("h:")  # opaque: the id embeds the number
    assert ALICE[6:14] not in role["role_id"]


@pytest.mark.parametrize(
    ("body", "status", "outcome"),
    [
        ({"a": "not-a-key", "b": BOB}, 422, "refused"),
        ({"a": ALICE, "b": BOB, "max_hops": 13}, 422, "refused"),
        ({"a": ALICE, "b": BOB, "max_hops": -1}, 422, "refused"),
        ({"a": ALICE, "b": BOB, "limit": 0}, 422, "refused"),
        ({"a": ALICE, "b": resident_id(99)}, 404, "not_found"),
        ({"a": credit_code(99), "b": BOB}, 404, "not_found"),
    ],
)
def test_bad_and_unknown_ends_are_audited_with_their_outcome(
    api: Api, body: dict[str, str | int], status: int, outcome: str
) -> None:
    response = api.post("/connections", body)
    assert response.status_code == status, response.text
    for value in body.values():
        if isinstance(value, str) and len(value) == 18:
            assert value not in response.text
    assert api.audit()[-1]["outcome"] == outcome
