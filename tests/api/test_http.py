"""The HTTP API through TestClient, on both stores, with its audit record."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.enforcement import record_event
from graph.model import RoleType
from graph.policy.catalogue import load_catalogue
from graph.propagation import EventKind, SanctionEvent
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
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


# -- restrictions, appointment checks, traces -----------------------------------------

WANG = resident_id(2)  # legal representative of credit_code(1) over [2016, 2020)


@pytest.fixture
def listed(client: TestClient, store: GraphStore) -> TestClient:
    """credit_code(1) listed in 2023 for a violation of 2018, when 王芳 ran it."""
    store.upsert_sanctions(
        [make_sanction(sanction_id="S9", violation_date=date(2018, 5, 1))]
    )
    return client


def _check(client: TestClient, person: str, code: str, on: str) -> dict[str, object]:
    response = client.get(
        f"/persons/{person}/appointment-check",
        params={"role": "legal_representative", "enterprise": code, "on": on},
        headers=WHO,
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_restrictions_in_force_with_their_chain(
    listed: TestClient, tmp_path: Path
) -> None:
    fullwidth = WANG.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    response = listed.get(
        f"/persons/{fullwidth}/restrictions", params={"on": "2024-01-01"}, headers=WHO
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["person_id"], body["person_known"], body["on"]) == (
        WANG,
        True,
        "2024-01-01",
    )
    bar = next(r for r in body["restrictions"] if "legal_representative" in r["bars"])
    assert bar["sanction_id"] == "S9"
    assert bar["valid_until"] == "2026-06-01"  # three years from the decision
    assert (bar["role"], bar["role_since"], bar["role_until"]) == (
        "legal_representative",
        "2016-01-01",
        "2020-01-01",
    )
    assert credit_code(1) in bar["explanation"]
    assert bar["except_enterprise"] == credit_code(1)
    entry = _audit(tmp_path)[-1]
    assert (entry["action"], entry["subject"]) == ("restrictions", WANG)
    # after the display period: nothing in force
    later = listed.get(
        f"/persons/{WANG}/restrictions", params={"on": "2031-01-01"}, headers=WHO
    ).json()
    assert later["restrictions"] == []


def test_appointment_check_blocks_until_the_bar_ends(
    listed: TestClient, tmp_path: Path
) -> None:
    blocked = _check(listed, WANG, credit_code(2), "2024-01-01")
    assert blocked["allowed"] is False
    blocking = blocked["blocking"]
    assert isinstance(blocking, list)
    assert {(b["sanction_id"], b["valid_until"]) for b in blocking} == {
        ("S9", "2026-06-01")
    }
    assert _audit(tmp_path)[-1]["action"] == "appointment_check"
    # the bar is on *other* enterprises; and it ends after three years
    assert _check(listed, WANG, credit_code(1), "2024-01-01")["allowed"] is True
    assert _check(listed, WANG, credit_code(2), "2026-06-01")["allowed"] is True
    # 张伟 was a director, not the legal representative: not reached
    assert _check(listed, resident_id(1), credit_code(2), "2024-01-01")["allowed"]


def test_an_unknown_person_is_allowed_and_said_to_be_unknown(
    listed: TestClient,
) -> None:
    body = _check(listed, resident_id(9), credit_code(2), "2024-01-01")
    assert (body["allowed"], body["person_known"], body["blocking"]) == (
        True,
        False,
        [],
    )


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"role": "emperor", "enterprise": credit_code(2)}, None),
        ({"role": "director", "enterprise": "12345"}, "length"),
        ({"role": "director"}, None),
    ],
)
def test_a_bad_check_request_is_refused(
    listed: TestClient, params: dict[str, str], reason: str | None
) -> None:
    response = listed.get(
        f"/persons/{WANG}/appointment-check", params=params, headers=WHO
    )
    assert response.status_code == 422
    if reason is not None:
        assert response.json()["reason"] == reason


def test_public_view_masks_restrictions_and_traces(listed: TestClient) -> None:
    answers = [
        listed.get(
            f"/persons/{WANG}/restrictions",
            params={"on": "2024-01-01", "view": "public"},
            headers=WHO,
        ),
        listed.get("/sanctions/S9/trace", params={"view": "public"}, headers=WHO),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        assert WANG not in response.text  # nowhere: ids, chains, explanations
        assert WANG[:6] + "********" + WANG[-4:] in response.text


def test_trace_lists_everyone_reached_and_is_audited(
    listed: TestClient, tmp_path: Path
) -> None:
    body = listed.get("/sanctions/S9/trace", headers=WHO).json()
    assert body["on"] is None
    assert {r["person_id"] for r in body["restrictions"]} == {WANG}
    in_force = listed.get(
        "/sanctions/S9/trace", params={"on": "2030-01-01"}, headers=WHO
    ).json()
    assert in_force["restrictions"] == []  # every measure has ended by then
    entry = _audit(tmp_path)[-1]
    assert (entry["action"], entry["subject"]) == ("trace", "S9")
    assert listed.get("/sanctions/S404/trace", headers=WHO).status_code == 404
    assert listed.get("/sanctions/S9/trace").status_code == 422  # no requester


def test_restrictions_carry_their_lifecycle(
    listed: TestClient, store: GraphStore
) -> None:
    on = {"on": "2024-01-01"}
    (bar,) = [
        r
        for r in listed.get(
            f"/persons/{WANG}/restrictions", params=on, headers=WHO
        ).json()["restrictions"]
        if r["measure"] == "bar_legal_representative"
    ]
    assert (bar["status"], bar["status_on"], bar["status_event"]) == (
        "in_force",
        "2023-06-01",
        None,
    )
    assert bar["ends_on"] == bar["valid_until"] == "2026-06-01"
    repair = SanctionEvent("S9", EventKind.REPAIR, date(2024, 6, 1), "officer", "done")
    record_event(store, load_catalogue(), repair)
    traced = listed.get("/sanctions/S9/trace", headers=WHO).json()["restrictions"]
    (after,) = [r for r in traced if r["measure"] == "bar_legal_representative"]
    assert (after["valid_until"], after["ends_on"]) == ("2026-06-01", "2024-06-01")
    assert (after["status"], after["status_on"]) == ("repaired", "2024-06-01")
    assert after["status_event"]["kind"] == "repair"
    assert after["status_event"]["by"] == "officer"


def test_an_unknown_person_checks_as_no_record_held(listed: TestClient) -> None:
    body = _check(listed, resident_id(9), credit_code(2), "2024-01-01")
    assert body["outcome"] == "no_record_held"
    known = _check(listed, WANG, credit_code(2), "2024-01-01")
    assert known["outcome"] == "blocked"
