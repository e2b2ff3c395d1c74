"""Authorised queries: a person's authorisation of a third party's key, recorded on
both stores, revocable; the report only under a valid one (403, audited, else); the
authorisation and each use appear in the person's query record."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from api.access.apikeys import create_key, key_id_of
from api.access.roles import load_roles
from api.audience import View
from api.report.make import make_report
from graph.policy import load_catalogue
from tests.api.conftest import open_api
from tests.factories import make_person, resident_id

if TYPE_CHECKING:
    from pathlib import Path

    from graph.store import GraphStore

PERSON = resident_id(61)
BANK_PURPOSE = "信贷审批（本人授权）"


def test_authorisations_are_kept_and_revoked(store: GraphStore, tmp_path: Path) -> None:
    """Judged on the day of the request (the server's date, so the grants are
    relative to today): a report as of an earlier day does not reach back into an
    expired or revoked authorisation."""
    today = date.today()
    store.upsert_persons([make_person(person_id=PERSON)])
    # the report's queries planned once outside the request deadline (10 s): a
    # cold Neo4j on a loaded machine may take longer to plan them all
    make_report(store, load_catalogue(), (), PERSON, date(2026, 7, 1), View.FULL)
    policy = load_roles()
    other = create_key(store, policy, role="authorised_party", name="other bank")
    with open_api(store, tmp_path, policy) as api:
        bank_key = key_id_of(api.keys["authorised_party"]) or ""
        body = {"person": PERSON, "on": "2026-07-01"}

        def ask(purpose: str | None = None, key: str | None = None) -> int:
            headers = api.headers("authorised_party", purpose)
            if key is not None:
                headers[b"Authorization"] = f"Bearer {key}".encode()
            answer = api.client.post("/reports/authorised", json=body, headers=headers)
            reasons.append(answer.text)
            return answer.status_code

        def grant(purpose: str, granted: date, expires: date) -> str:
            granted_answer = api.post(
                "/authorisations",
                {
                    "person": PERSON,
                    "grantee_key_id": bank_key,
                    "purpose": purpose,
                    "granted_on": granted.isoformat(),
                    "expires_on": expires.isoformat(),
                },
                role="sanctions_officer",
            )
            assert granted_answer.status_code == 200, granted_answer.text
            return str(granted_answer.json()["authorisation_id"])

        reasons: list[str] = []
        assert ask() == 403  # missing
        auth_id = grant(
            "employment_screening", today - timedelta(days=30), today + timedelta(30)
        )
        (kept,) = store.authorisations_of(PERSON)
        assert (kept.grantee_key_id, kept.expires_on) == (
            bank_key, today + timedelta(30)
        )  # fmt: skip
        assert ask() == 200  # the default purpose: employment_screening
        assert ask(BANK_PURPOSE) == 403  # another purpose
        assert "another purpose" in reasons[-1]
        assert ask(key=other.key) == 403  # another key
        # for lending, until yesterday: expired, even for a report as of a day it held
        grant("credit_lending", today - timedelta(days=60), today - timedelta(1))
        body["on"] = (today - timedelta(days=10)).isoformat()
        assert ask(BANK_PURPOSE) == 403  # expired
        assert "expired" in reasons[-1]
        revoked = api.post(
            "/authorisations/revoke",
            {"authorisation_id": auth_id},
            role="sanctions_officer",
        )
        assert revoked.json()["revoked_on"] == today.isoformat()
        stored = store.get_authorisation(auth_id)
        assert stored is not None
        assert stored.revoked_on == today
        assert ask() == 403  # revoked, even for a report as of ten days ago
        assert "revoked" in reasons[-1]
        entries = api.audit()
        report = api.post("/reports", {"person": PERSON, "on": "2026-07-01"})
    uses = [e for e in entries if e["action"] == "report.authorised"]
    assert [e["outcome"] for e in uses] == ["denied", "answered"] + ["denied"] * 4
    assert all(e["subject"] == PERSON for e in uses)
    record = report.json()["queries"]
    actions = [q["action"] for q in record]
    assert actions.count("authorisation.grant") == 2
    assert actions.count("authorisation.revoke") == 1
    assert actions.count("report.authorised") == 6
