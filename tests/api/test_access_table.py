"""Every operation of the OpenAPI document × every role × every credential state,
against a hand-written table of who may do what (deny by default), on both
stores. Every refusal is audited; no key ever reaches the audit file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from api.access.apikeys import create_key, revoke_key
from api.access.roles import load_roles
from graph.model import EntityKind, RoleType
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

PUBLIC, INVESTIGATOR, OFFICER = "public", "investigator", "sanctions_officer"
CHECKER, AUDITOR, ADMIN = "appointment_checker", "auditor", "admin"
EXCHANGE = "exchange_partner"
DEPARTMENT = "department"
AUTHORISED = "authorised_party"
CITIZEN = "citizen"  # bound to resident_id(1), whom the sanction P1 names
READERS = {PUBLIC, INVESTIGATOR, OFFICER}
INVESTIGATORS = {INVESTIGATOR, OFFICER}

# (method, path) -> (the roles that may, the status they get, a body)
TABLE: dict[tuple[str, str], tuple[set[str], int, dict[str, Any] | None]] = {
    ("get", "/enterprises/{credit_code}"): (READERS, 200, None),
    ("get", "/enterprises/{credit_code}/people"): (READERS, 200, None),
    ("post", "/persons/lookup"): (INVESTIGATORS, 200, {"id_number": resident_id(1)}),
    ("post", "/persons/related"): (INVESTIGATORS, 200, {"id_number": resident_id(1)}),
    ("post", "/persons/restrictions"): (
        READERS, 200, {"id_number": resident_id(2), "on": "2024-01-01"}
    ),
    ("post", "/checks/appointment"): (
        {CHECKER}, 200,
        {"person": resident_id(2), "role": "director", "enterprise": credit_code(2)},
    ),
    ("post", "/sanctions/trace"): (READERS, 200, {"sanction_id": "S9"}),
    ("post", "/reports"): (
        READERS, 200, {"person": resident_id(2), "on": "2024-01-01"}
    ),
    ("post", "/authorisations"): (
        {OFFICER}, 422,
        {"person": resident_id(1), "grantee_key_id": "nokey", "purpose": "x",
         "expires_on": "2030-01-01"},
    ),
    ("post", "/authorisations/revoke"): ({OFFICER}, 404, {"authorisation_id": "A-0"}),
    ("post", "/reports/authorised"): ({AUTHORISED}, 403, {"person": resident_id(2)}),
    ("post", "/reports/verify"): (
        READERS | {AUDITOR, AUTHORISED, CITIZEN}, 200,
        {"report": {"digest": "sha256:0"}}
    ),
    ("post", "/sanctions/repair"): (
        {OFFICER}, 200,
        {"sanction_id": "R1", "reason": "duty performed", "on": "2024-06-01"},
    ),
    ("post", "/sanctions/objection"): (
        {OFFICER}, 200,
        {"sanction_id": "O1", "reason": "wrong person", "on": "2024-01-01"},
    ),
    ("post", "/sanctions/decision"): (
        {OFFICER}, 200, {"sanction_id": "D1", "reason": "reviewed", "upheld": False,
         "on": "2024-02-01"}
    ),
    ("post", "/sanctions/correction"): (
        {OFFICER}, 200,
        {"sanction_id": "C1", "reason": "typo", "changes": {"authority": "市监局"},
         "on": "2024-01-01"},
    ),
    ("post", "/connections"): (
        INVESTIGATORS, 200, {"a": resident_id(1), "b": resident_id(2)}
    ),
    ("get", "/audit/verify"): ({AUDITOR}, 200, None),
    ("post", "/audit/who-queried"): ({AUDITOR}, 200, {"person": resident_id(1)}),
    ("post", "/audit/review"): ({AUDITOR}, 200, {"since": "2020-01-01"}),
    ("post", "/exports"): (
        {PUBLIC, EXCHANGE}, 200, {"format": "ftm", "view": "public"}
    ),
    ("get", "/keys"): ({ADMIN}, 200, None),
    ("post", "/keys"): ({ADMIN}, 201, {"role": PUBLIC, "name": "a kiosk"}),
    ("post", "/keys/{key_id}/revoke"): ({ADMIN}, 200, None),
    ("post", "/keys/{key_id}/rotate"): ({ADMIN}, 201, {}),
    ("get", "/session"): (
        {PUBLIC, INVESTIGATOR, OFFICER, CHECKER, AUDITOR, ADMIN, EXCHANGE, DEPARTMENT,
         AUTHORISED, CITIZEN},
        200,
        None,
    ),
    # the citizen asks about another person above (/persons/restrictions, /reports):
    # refused by the route, 403 and audited, as the roles without the action
    ("post", "/requests"): (
        {CITIZEN}, 200, {"sanction_id": "P1", "kind": "statement", "text": "说明"}
    ),
    ("get", "/requests"): ({CITIZEN}, 200, None),
    ("post", "/requests/open"): ({OFFICER}, 200, {}),
    ("post", "/requests/review"): ({OFFICER}, 404, {"request_id": "Q-0"}),
    ("get", "/cases"): (INVESTIGATORS, 200, None),
    ("post", "/cases"): (INVESTIGATORS, 200, {"name": "c", "nodes": [], "edges": []}),
    ("post", "/cases/open"): (INVESTIGATORS, 404, {"name": "none saved"}),
    ("post", "/cases/delete"): (INVESTIGATORS, 200, {"name": "c"}),
    ("post", "/search"): (READERS, 200, {"q": "张伟", "kind": "any"}),
    ("get", "/enterprises/{credit_code}/standing"): (READERS, 200, None),
    ("get", "/events"): ({DEPARTMENT, *INVESTIGATORS}, 200, None),
    ("post", "/events/watch"): (INVESTIGATORS, 200, {"person": resident_id(1)}),
    ("get", "/events/subscription"): ({DEPARTMENT}, 200, None),
    ("post", "/events/subscription"): ({DEPARTMENT}, 200, {"regions": ["51"]}),
    # no such event (of its subscription): 404 once allowed
    ("post", "/events/{event_id}/feedback"): (
        {DEPARTMENT}, 404, {"outcome": "executed"}
    ),
    ("post", "/events/webhook"): (
        {DEPARTMENT}, 200, {"url": "http://127.0.0.1:9/hook", "secret": "s" * 32}
    ),
    ("post", "/events/webhook/redeliver"): ({DEPARTMENT}, 200, {}),
    ("post", "/submissions"): (
        {DEPARTMENT}, 200,
        {"source": "t", "kind": "persons", "rows": [{"id_number": resident_id(7),
                                                     "name": "李四"}]},
    ),
    ("post", "/events/feedback"): (
        {DEPARTMENT}, 404, {"reports": [{"event_id": "evt_0", "outcome": "executed"}]}
    ),
}  # fmt: skip
OPEN = {("get", "/health")}  # no credentials needed
BAD_CREDENTIALS = ("none", "malformed", "wrong", "expired", "revoked", "other-scheme")


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[Api]:
    """Two people and two enterprises; sanctions to trace and to act on."""
    store.upsert_persons([make_person(), make_person(person_id=resident_id(2))])
    store.upsert_enterprises(
        [make_enterprise(), make_enterprise(credit_code=credit_code(2))]
    )
    store.upsert_roles(
        [
            make_role(),
            make_role(
                person_id=resident_id(2),
                role=RoleType.LEGAL_REPRESENTATIVE,
                since=date(2016, 1, 1),
            ),
        ]
    )
    store.upsert_sanctions(
        [make_sanction(sanction_id=s) for s in ("S9", "R1", "O1", "D1", "C1")]
        + [make_sanction(sanction_id="P1", subject_kind=EntityKind.PERSON,
                         subject_id=resident_id(1))]
    )  # fmt: skip
    with open_api(store, tmp_path) as opened:
        # D1 needs a pending objection to decide
        made = opened.post(
            "/sanctions/objection",
            {"sanction_id": "D1", "reason": "contested", "on": "2024-01-01"},
            role=OFFICER,
        )
        assert made.status_code == 200, made.text
        assert CITIZEN in opened.keys
        yield opened


def _bad_keys(store: GraphStore, api: Api) -> dict[str, str | None]:
    policy = load_roles()
    then = datetime.now(UTC) - timedelta(days=3)
    expired = create_key(
        store, policy, role=ADMIN, name="old", expires_in=timedelta(days=1), now=then
    ).key
    revoked = create_key(store, policy, role=ADMIN, name="gone")
    revoke_key(store, revoked.record.key_id)
    valid = api.keys[ADMIN]
    return {
        "none": None,
        "malformed": "clk_short",
        "wrong": valid[:-2] + ("AA" if not valid.endswith("AA") else "BB"),
        "expired": expired,
        "revoked": revoked.key,
        "other-scheme": "eyJhbGciOiJub25lIn0.e30.",
    }


def _send(
    api: Api, method: str, path: str, body: dict[str, Any] | None, headers: Any
) -> Any:
    if method == "get":
        return api.client.get(path, headers=headers)
    return api.client.post(path, json=body if body is not None else {}, headers=headers)


def test_the_table_covers_every_operation(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    operations = {
        (method, path) for path, item in document["paths"].items() for method in item
    }
    assert operations == set(TABLE) | OPEN
    assert api.client.get("/health").status_code == 200  # open to all


@pytest.mark.parametrize("operation", sorted(TABLE), ids=lambda op: f"{op[0]} {op[1]}")
def test_operation_by_role_and_credential(
    api: Api, store: GraphStore, operation: tuple[str, str]
) -> None:
    method, template = operation
    allowed, status, body = TABLE[operation]
    spare = create_key(store, load_roles(), role=PUBLIC, name="spare").record.key_id
    path = template.format(credit_code=credit_code(1), key_id=spare, event_id="evt_0")
    before = len(api.audit())
    denials = 0
    for state, key in _bad_keys(store, api).items():
        headers = {} if key is None else {"Authorization": f"Bearer {key}"}
        response = _send(api, method, path, body, headers)
        assert response.status_code == 401, (state, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["error"] == "AuthenticationError"
        denials += 1
    for role in sorted(set(api.keys) - allowed):
        response = _send(api, method, path, body, api.headers(role))
        assert response.status_code == 403, (role, response.text)
        denials += 1
    for role in sorted(allowed):
        response = _send(api, method, path, body, api.headers(role))
        assert response.status_code == status, (role, response.text)
        denials += status == 403  # a refusal by the route (no authorisation)
    entries = api.audit()[before:]
    refused = [e for e in entries if e["outcome"] == "denied"]
    assert len(refused) == denials  # every refusal audited
    text = api.audit_log.read_text(encoding="utf-8")
    for key in api.keys.values():
        assert key not in text
        assert key[len("clk_") + 11 :] not in text  # not even the secret part


def test_a_personal_action_needs_a_purpose_of_the_role(api: Api) -> None:
    body = {"id_number": resident_id(1)}
    for stated in ("", "干部选拔任职", "curiosity"):
        response = api.post("/persons/lookup", body, purpose=stated)
        assert response.status_code == 403
        assert "执法检查" in response.json()["detail"]  # names the allowed ones
        assert response.json()["reason"] == "purpose"
    assert api.audit()[-1]["outcome"] == "denied"
