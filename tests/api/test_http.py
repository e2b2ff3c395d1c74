"""The HTTP API through TestClient, on both stores, with its audit record."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from api.masking import mask_id_number
from graph.enforcement import record_event
from graph.model import RoleType
from graph.policy.catalogue import load_catalogue
from graph.propagation import EventKind, SanctionEvent
from tests.api.conftest import Api, open_api
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


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[Api]:
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
    with open_api(store, tmp_path) as opened:
        yield opened


def test_person_by_any_form_of_the_number(api: Api) -> None:
    spaced_lower = " ".join(resident_id(1)).lower()
    response = api.post("/persons/lookup", {"id_number": spaced_lower})
    assert response.status_code == 200, response.text
    assert response.json()["person_id"] == resident_id(1)
    assert response.json()["name"] == "张伟"
    entry = api.audit()[-1]
    assert entry["key_name"] == "investigator system"
    assert entry["role"] == "investigator"
    assert entry["purpose"] == "执法检查"  # stated as UTF-8 bytes, stored as sent
    assert (entry["action"], entry["subject"]) == ("person.lookup", resident_id(1))
    assert entry["persons"] == [resident_id(1)]
    assert entry["outcome"] == "answered"
    assert response.headers["X-Request-ID"] == entry["request_id"]


def test_purpose_by_code_or_percent_encoded(api: Api) -> None:
    body = {"id_number": resident_id(1)}
    by_code = api.post("/persons/lookup", body, purpose="enforcement_inspection")
    assert by_code.status_code == 200
    encoded = api.post(
        "/persons/lookup", body, purpose="%E6%89%A7%E6%B3%95%E6%A3%80%E6%9F%A5"
    )
    assert encoded.status_code == 200
    assert [e["purpose"] for e in api.audit()[-2:]] == ["执法检查", "执法检查"]


def test_a_full_role_may_ask_for_the_public_view(api: Api) -> None:
    body = api.post(
        "/persons/lookup", {"id_number": resident_id(1), "view": "public"}
    ).json()
    assert body["person_id"] == mask_id_number(resident_id(1))
    assert body["name"] == "张*"
    assert body["birth_date"] is None


@pytest.mark.parametrize(
    ("number", "reason"),
    [("11010519491231002", "length"), ("110105194912310021", "checksum")],
)
def test_bad_numbers_say_why_without_echoing_them(
    api: Api, number: str, reason: str
) -> None:
    response = api.post("/persons/lookup", {"id_number": number})
    assert response.status_code == 422
    assert response.json()["reason"] == reason
    assert number not in response.text


def test_unknown_person_is_404_audited_and_not_echoed(api: Api) -> None:
    response = api.post("/persons/lookup", {"id_number": resident_id(5)})
    assert response.status_code == 404
    assert resident_id(5) not in response.text
    entry = api.audit()[-1]
    assert (entry["subject"], entry["outcome"]) == (resident_id(5), "not_found")


@pytest.mark.parametrize(
    ("on", "codes", "associates"),
    [
        (None, [credit_code(1), credit_code(2)], [resident_id(2)]),
        ("2017-06-01", [credit_code(1)], [resident_id(2)]),
        ("2020-06-01", [credit_code(1)], []),  # the other left on 2020-01-01
        ("2014-06-01", [], []),
    ],
)
def test_related_as_of_a_date_names_every_associate_in_the_audit(
    api: Api, on: str | None, codes: list[str], associates: list[str]
) -> None:
    body = api.post("/persons/related", {"id_number": resident_id(1), "on": on}).json()
    assert [e["credit_code"] for e in body["enterprises"]] == codes
    assert [a["person"]["person_id"] for a in body["associates"]] == associates
    assert all(a["via"] == [credit_code(1)] for a in body["associates"])
    assert api.audit()[-1]["persons"] == [resident_id(1), *associates]


def test_people_of_an_enterprise_names_every_holder(api: Api) -> None:
    response = api.get(
        f"/enterprises/{credit_code(1).lower()}/people",
        params={"on": "2017-06-01", "view": "public"},
    )
    body = response.json()
    assert body["enterprise"]["name"] == make_enterprise().name
    holders = {(h["role"]["role"], h["person"]["name"]) for h in body["holders"]}
    assert holders == {("director", "张*"), ("legal_representative", "王*")}
    entry = api.audit()[-1]
    assert entry["action"] == "enterprise.people"
    assert sorted(entry["persons"]) == sorted([resident_id(1), resident_id(2)])


def test_enterprise_lookup_needs_a_key_and_is_404_when_unknown(api: Api) -> None:
    assert api.get(f"/enterprises/{credit_code(2)}").json()["name"] == "乙"
    assert api.get(f"/enterprises/{credit_code(8)}").status_code == 404
    assert api.client.get(f"/enterprises/{credit_code(2)}").status_code == 401
    assert api.client.get("/health").json()["status"] == "ok"


# -- restrictions, appointment checks, traces -----------------------------------------

WANG = resident_id(2)  # legal representative of credit_code(1) over [2016, 2020)


@pytest.fixture
def listed(api: Api, store: GraphStore) -> Api:
    """credit_code(1) listed in 2023 for a violation of 2018, when 王芳 ran it."""
    store.upsert_sanctions(
        [make_sanction(sanction_id="S9", violation_date=date(2018, 5, 1))]
    )
    return api


def _check(api: Api, person: str, code: str, on: str) -> dict[str, object]:
    body = {"person": person, "role": "legal_representative", "enterprise": code}
    response = api.post(
        "/checks/appointment", {**body, "on": on}, role="appointment_checker"
    )
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def test_restrictions_in_force_with_their_chain(listed: Api) -> None:
    fullwidth = WANG.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    response = listed.post(
        "/persons/restrictions", {"id_number": fullwidth, "on": "2024-01-01"}
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
    entry = listed.audit()[-1]
    assert (entry["action"], entry["subject"]) == ("person.restrictions", WANG)
    later = listed.post(
        "/persons/restrictions", {"id_number": WANG, "on": "2031-01-01"}
    ).json()
    assert later["restrictions"] == []  # after the display period


def test_appointment_check_answers_only_what_the_checker_needs(listed: Api) -> None:
    blocked = _check(listed, WANG, credit_code(2), "2024-01-01")
    assert blocked["allowed"] is False
    assert blocked["person_known"] is True
    assert set(blocked) == {
        "person_known", "role", "enterprise", "on", "allowed", "blocking",
        "incentives", "outcome",
    }  # fmt: skip
    blocking = blocked["blocking"]
    assert isinstance(blocking, list)
    assert [(b["measure"], b["valid_until"]) for b in blocking] == [
        (blocking[0]["measure"], "2026-06-01")
    ]
    assert "explanation" not in blocking[0]
    assert WANG not in str(blocked)
    entry = listed.audit()[-1]
    assert (entry["action"], entry["role"]) == (
        "appointment.check",
        "appointment_checker",
    )
    assert entry["purpose"] == "企业高管任职审查"
    # the bar is on *other* enterprises; and it ends after three years
    assert _check(listed, WANG, credit_code(1), "2024-01-01")["allowed"] is True
    assert _check(listed, WANG, credit_code(2), "2026-06-01")["allowed"] is True
    # 张伟 was a director, not the legal representative: not reached
    assert _check(listed, resident_id(1), credit_code(2), "2024-01-01")["allowed"]


def test_an_unknown_person_is_said_to_be_unknown(listed: Api) -> None:
    body = _check(listed, resident_id(9), credit_code(2), "2024-01-01")
    assert (body["allowed"], body["person_known"], body["blocking"]) == (
        True,
        False,
        [],
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"role": "emperor", "enterprise": credit_code(2)}, None),
        ({"role": "director", "enterprise": "12345"}, "length"),
        ({"role": "director"}, None),
    ],
)
def test_a_bad_check_request_is_refused(
    listed: Api, body: dict[str, str], reason: str | None
) -> None:
    response = listed.post(
        "/checks/appointment", {"person": WANG, **body}, role="appointment_checker"
    )
    assert response.status_code == 422
    assert WANG not in response.text
    if reason is not None:
        assert response.json()["reason"] == reason


def test_public_role_is_masked_whatever_it_asks(listed: Api) -> None:
    answers = [
        listed.post(
            "/persons/restrictions",
            {"id_number": WANG, "on": "2024-01-01", "view": "full"},
            role="public",
        ),
        listed.post("/sanctions/trace", {"sanction_id": "S9"}, role="public"),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        assert WANG not in response.text  # nowhere: ids, chains, explanations
        assert mask_id_number(WANG) in response.text
    assert listed.audit()[-1]["purpose"] == "信用信息公示查询"  # the role's default


def test_trace_lists_everyone_reached_and_audits_them(listed: Api) -> None:
    body = listed.post("/sanctions/trace", {"sanction_id": "S9"}).json()
    assert body["on"] is None
    assert {r["person_id"] for r in body["restrictions"]} == {WANG}
    entry = listed.audit()[-1]
    assert (entry["action"], entry["subject"]) == ("sanction.trace", "S9")
    assert entry["persons"] == [WANG]
    in_force = listed.post(
        "/sanctions/trace", {"sanction_id": "S9", "on": "2030-01-01"}
    ).json()
    assert in_force["restrictions"] == []  # every measure has ended by then
    assert listed.post("/sanctions/trace", {"sanction_id": "S404"}).status_code == 404
    assert (
        listed.client.post("/sanctions/trace", json={"sanction_id": "S9"}).status_code
        == 401
    )


def test_lifecycle_writes_take_who_from_the_key(listed: Api) -> None:
    denied = listed.post(
        "/sanctions/repair", {"sanction_id": "S9", "reason": "duty performed"}
    )
    assert denied.status_code == 403  # investigators read only
    response = listed.post(
        "/sanctions/repair",
        {"sanction_id": "S9", "reason": "duty performed", "on": "2024-06-01"},
        role="sanctions_officer",
    )
    assert response.status_code == 200, response.text
    event = response.json()["event"]
    assert event["kind"] == "repair"
    assert event["by"].startswith("sanctions_officer system (")
    assert response.json()["status"] == "repaired"
    after = listed.post(
        "/persons/restrictions", {"id_number": WANG, "on": "2024-07-01"}
    ).json()
    assert not any("legal_representative" in r["bars"] for r in after["restrictions"])


def test_a_key_revoked_through_the_api_stops_at_once(api: Api) -> None:
    body = {"id_number": resident_id(1)}
    assert api.post("/persons/lookup", body).status_code == 200
    key_id = api.keys["investigator"][len("clk_") : len("clk_") + 10]
    revoked = api.post(f"/keys/{key_id}/revoke", {}, role="admin")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["usable"] is False
    refused = api.post("/persons/lookup", body)
    assert refused.status_code == 401
    assert refused.json()["reason"] == "revoked"


def test_restrictions_carry_their_lifecycle(listed: Api, store: GraphStore) -> None:
    def bars(path: str, body: dict[str, str]) -> list[dict[str, object]]:
        answer = listed.post(path, body).json()["restrictions"]
        return [r for r in answer if r["measure"] == "bar_legal_representative"]

    (bar,) = bars("/persons/restrictions", {"id_number": WANG, "on": "2024-01-01"})
    assert (bar["status"], bar["status_on"], bar["status_event"]) == (
        "in_force",
        "2023-06-01",
        None,
    )
    assert bar["ends_on"] == bar["valid_until"] == "2026-06-01"
    repair = SanctionEvent("S9", EventKind.REPAIR, date(2024, 6, 1), "officer", "done")
    record_event(store, load_catalogue(), repair)
    (after,) = bars("/sanctions/trace", {"sanction_id": "S9"})
    assert (after["valid_until"], after["ends_on"]) == ("2026-06-01", "2024-06-01")
    assert (after["status"], after["status_on"]) == ("repaired", "2024-06-01")
    event = after["status_event"]
    assert isinstance(event, dict)
    assert (event["kind"], event["by"]) == ("repair", "officer")


def test_an_unknown_person_checks_as_no_record_held(listed: Api) -> None:
    body = _check(listed, resident_id(9), credit_code(2), "2024-01-01")
    assert body["outcome"] == "no_record_held"
    known = _check(listed, WANG, credit_code(2), "2024-01-01")
    assert known["outcome"] == "blocked"
