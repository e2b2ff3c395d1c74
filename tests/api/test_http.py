"""The HTTP API through TestClient, on both stores, with its audit record."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.model import RoleType
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

WHO = {"X-Requester": "officer-7", "X-Purpose": "appointment review"}


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    """The API on a seeded store: two people share one enterprise."""
    store.upsert_persons(
        [make_person(), make_person(person_id=resident_id(2), name="王芳")]
    )
    store.upsert_enterprises(
        [make_enterprise(), make_enterprise(credit_code=credit_code(2), name="乙")]
    )
    store.upsert_roles(
        [
            make_role(),
            make_role(
                person_id=resident_id(2),
                role=RoleType.LEGAL_REPRESENTATIVE,
                since=date(2016, 1, 1),
                until=date(2020, 1, 1),
            ),
            make_role(credit_code=credit_code(2), since=date(2021, 1, 1)),
        ]
    )
    with TestClient(create_app(store, tmp_path / "audit.jsonl")) as test_client:
        yield test_client


def _audit(tmp_path: Path) -> list[dict[str, str]]:
    lines = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_person_by_any_form_of_the_number(client: TestClient, tmp_path: Path) -> None:
    spaced_lower = " ".join(resident_id(1)).lower()
    response = client.get(f"/persons/{spaced_lower}", headers=WHO)
    assert response.status_code == 200
    assert response.json()["person_id"] == resident_id(1)
    assert response.json()["name"] == "张伟"
    entry = _audit(tmp_path)[-1]
    assert entry["requester"] == "officer-7"
    assert entry["purpose"] == "appointment review"
    assert entry["subject"] == resident_id(1)
    assert entry["action"] == "get_person"


def test_public_view_masks_personal_data(client: TestClient) -> None:
    body = client.get(
        f"/persons/{resident_id(1)}", params={"view": "public"}, headers=WHO
    ).json()
    assert body["person_id"] == resident_id(1)[:6] + "********" + resident_id(1)[-4:]
    assert body["name"] == "张*"
    assert body["birth_date"] is None


def test_a_request_without_a_requester_is_refused_and_not_answered(
    client: TestClient, tmp_path: Path
) -> None:
    response = client.get(f"/persons/{resident_id(1)}")
    assert response.status_code == 422
    assert not (tmp_path / "audit.jsonl").exists()


@pytest.mark.parametrize(
    ("number", "status", "reason"),
    [
        ("11010519491231002", 422, "length"),
        ("110105194912310021", 422, "checksum"),
    ],
)
def test_bad_numbers_say_why(
    client: TestClient, number: str, status: int, reason: str
) -> None:
    response = client.get(f"/persons/{number}", headers=WHO)
    assert response.status_code == status
    assert response.json()["reason"] == reason


def test_unknown_person_is_404_but_still_audited(
    client: TestClient, tmp_path: Path
) -> None:
    response = client.get(f"/persons/{resident_id(5)}", headers=WHO)
    assert response.status_code == 404
    assert _audit(tmp_path)[-1]["subject"] == resident_id(5)


@pytest.mark.parametrize(
    ("on", "codes", "associates"),
    [
        (None, [credit_code(1), credit_code(2)], [resident_id(2)]),
        ("2017-06-01", [credit_code(1)], [resident_id(2)]),
        ("2020-06-01", [credit_code(1)], []),  # the other left on 2020-01-01
        ("2014-06-01", [], []),
    ],
)
def test_related_as_of_a_date(
    client: TestClient, on: str | None, codes: list[str], associates: list[str]
) -> None:
    params = {"on": on} if on else {}
    body = client.get(
        f"/persons/{resident_id(1)}/related", params=params, headers=WHO
    ).json()
    assert [e["credit_code"] for e in body["enterprises"]] == codes
    assert [a["person"]["person_id"] for a in body["associates"]] == associates
    assert all(a["via"] == [credit_code(1)] for a in body["associates"])


def test_people_of_an_enterprise(client: TestClient, tmp_path: Path) -> None:
    body = client.get(
        f"/enterprises/{credit_code(1).lower()}/people",
        params={"on": "2017-06-01", "view": "public"},
        headers=WHO,
    ).json()
    assert body["enterprise"]["name"] == make_enterprise().name
    holders = {(h["role"]["role"], h["person"]["name"]) for h in body["holders"]}
    assert holders == {("director", "张*"), ("legal_representative", "王*")}
    assert _audit(tmp_path)[-1]["action"] == "people_of"


def test_enterprise_lookup_is_public_and_404_when_unknown(client: TestClient) -> None:
    assert client.get(f"/enterprises/{credit_code(2)}").json()["name"] == "乙"
    assert client.get(f"/enterprises/{credit_code(8)}").status_code == 404
    assert client.get("/health").json()["status"] == "ok"
