"""Authorised queries: a person's authorisation of a third party's key, recorded on
both stores, revocable; the report only under a valid one (403, audited, else); the
authorisation and each use appear in the person's query record."""

from __future__ import annotations

from datetime import date
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
            return api.client.post(
                "/reports/authorised", json=body, headers=headers
            ).status_code

        assert ask() == 403  # missing
        granted = api.post(
            "/authorisations",
            {
                "person": PERSON,
                "grantee_key_id": bank_key,
                "purpose": "employment_screening",
                "granted_on": "2026-06-01",
                "expires_on": "2026-12-31",
            },
            role="sanctions_officer",
        )
        assert granted.status_code == 200, granted.text
        auth_id = granted.json()["authorisation_id"]
        (kept,) = store.authorisations_of(PERSON)
        assert (kept.grantee_key_id, kept.expires_on) == (bank_key, date(2026, 12, 31))
        assert ask() == 200  # the default purpose: employment_screening
        assert ask(BANK_PURPOSE) == 403  # another purpose
        assert ask(key=other.key) == 403  # another key
        body["on"] = "2027-01-01"
        assert ask() == 403  # expired
        body["on"] = "2026-07-01"
        revoked = api.post(
            "/authorisations/revoke",
            {"authorisation_id": auth_id, "on": "2026-07-01"},
            role="sanctions_officer",
        )
        assert revoked.json()["revoked_on"] == "2026-07-01"
        stored = store.get_authorisation(auth_id)
        assert stored is not None
        assert stored.revoked_on == date(2026, 7, 1)
        assert ask() == 403  # revoked
        entries = api.audit()
        report = api.post("/reports", {"person": PERSON, "on": "2026-07-01"})
    uses = [e for e in entries if e["action"] == "report.authorised"]
    assert [e["outcome"] for e in uses] == ["denied", "answered"] + ["denied"] * 4
    assert all(e["subject"] == PERSON for e in uses)
    record = report.json()["queries"]
    actions = [q["action"] for q in record]
    assert actions.count("authorisation.grant") == 1
    assert actions.count("authorisation.revoke") == 1
    assert actions.count("report.authorised") == 6
