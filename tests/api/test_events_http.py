"""GET /events: each department receives exactly its subscription's events, from
any cursor, on both stores."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest
from typer.testing import CliRunner

from api.access.apikeys import create_key
from api.access.roles import load_roles
from graph.model import RoleType
from graph.policy import load_catalogue
from tests.api.conftest import open_api
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from typer.testing import Result

    from graph.store import GraphStore
    from tests.api.conftest import Api

LR, MANAGER = RoleType.LEGAL_REPRESENTATIVE, RoleType.SENIOR_MANAGER
CHENGDU_CO, BEIJING_CO = (
    credit_code(1, region="510100"),
    credit_code(2, region="110100"),
)
# (person, region of the ID number, enterprise, role)
HOLDERS = [
    (resident_id(1, region="510104"), CHENGDU_CO, LR),
    (resident_id(2, region="510107"), CHENGDU_CO, MANAGER),
    (resident_id(3, region="110101"), BEIJING_CO, LR),
    (resident_id(4, region="110105"), BEIJING_CO, MANAGER),
]


class Seen(NamedTuple):
    """What a subscription looks at: the person's and the enterprise's region
    codes, the measure and the sanction type."""

    person: str
    enterprise: str
    measure: str
    type: str


def _in(seen: Seen, prefix: str) -> bool:
    return seen.person.startswith(prefix) or seen.enterprise.startswith(prefix)


# subscription -> what it must receive, decided apart from the code under test
TABLE: list[tuple[dict[str, list[str]], Callable[[Seen], bool]]] = [
    ({"regions": ["51"]}, lambda x: _in(x, "51")),
    ({"regions": ["11"]}, lambda x: _in(x, "11")),
    ({"regions": ["510104"]}, lambda x: x.person == "510104"),
    ({"regions": ["1101"]}, lambda x: _in(x, "1101")),
    ({"regions": ["44"]}, lambda x: _in(x, "44")),
    (
        {"measures": ["restrict_high_consumption"]},
        lambda x: x.measure == "restrict_high_consumption",
    ),
    (
        {"sanction_types": ["serious_illegal_dishonest"], "regions": ["11"]},
        lambda x: x.type == "serious_illegal_dishonest" and _in(x, "11"),
    ),
    ({}, lambda x: isinstance(x, Seen)),
]


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[Api]:
    persons = [
        make_person(person_id=p, name=f"P{n}") for n, (p, _, _) in enumerate(HOLDERS)
    ]
    store.upsert_persons(persons)
    store.upsert_enterprises(
        [
            make_enterprise(credit_code=CHENGDU_CO),
            make_enterprise(credit_code=BEIJING_CO),
        ]
    )
    store.upsert_roles(
        [
            make_role(person_id=p, credit_code=c, role=r, since=date(2018, 1, 1),
                      record_id=str(n))
            for n, (p, c, r) in enumerate(HOLDERS)
        ]
    )  # fmt: skip
    store.upsert_sanctions(
        [
            make_sanction(sanction_id=f"{kind[:3]}-{code[2:8]}", subject_id=code,
                          type=kind, violation_date=None)
            for code in (CHENGDU_CO, BEIJING_CO)
            for kind in ("serious_illegal_dishonest", "dishonest_judgment_debtor")
        ]
    )  # fmt: skip
    store.propagate(load_catalogue())
    with open_api(store, tmp_path) as opened:
        yield opened


def _all_events(
    api: Api, key: str, limit: int, purpose: str = ""
) -> list[dict[str, Any]]:
    """Every event of the key's subscription, page by page from cursor 0."""
    headers = {b"Authorization": f"Bearer {key}".encode()}
    if purpose:
        headers[b"X-Purpose"] = purpose.encode()
    found: list[dict[str, Any]] = []
    after = 0
    for _ in range(1000):
        response = api.client.get(
            "/events", params={"after": after, "limit": limit}, headers=headers
        )
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["events"]
        if page["next"] == after:
            return found
        after = page["next"]
    raise AssertionError("the cursor never stopped")


def test_each_department_receives_exactly_its_subscription(
    api: Api, store: GraphStore
) -> None:
    everything = store.outbox_events(after=0, limit=10_000)
    assert len(everything) >= 6
    assert {e.region[:2] for e in everything if e.region} == {"51", "11"}
    assert {e.measure for e in everything} > {"restrict_high_consumption"}
    for subscription, wanted in TABLE:
        key = create_key(store, load_roles(), role="department", name="dept").key
        headers = {"Authorization": f"Bearer {key}"}
        saved = api.client.post(
            "/events/subscription", json=subscription, headers=headers
        )
        assert saved.status_code == 200, saved.text
        expected = [
            e.event_id
            for e in everything
            if wanted(
                Seen(
                    e.region or "",
                    e.enterprise_region or "",
                    e.measure,
                    e.sanction_type,
                )
            )
        ]
        for limit in (1, 3, 1000):  # resumable: any page size gives the same events
            received = _all_events(api, key, limit)
            assert [e["event_id"] for e in received] == expected, (subscription, limit)
        for event in received:
            assert event["person_id"] in {p for p, _, _ in HOLDERS}


def test_a_department_without_subscription_receives_nothing(api: Api) -> None:
    response = api.get("/events", role="department")
    assert response.status_code == 200
    assert response.json()["events"] == []
    assert response.json()["next"] > 0  # it read past them


def test_a_region_that_is_no_code_is_refused(api: Api) -> None:
    for bad in ("5", "5101041", "ab"):
        response = api.post(
            "/events/subscription", {"regions": [bad]}, role="department"
        )
        assert response.status_code == 422, bad


def test_events_are_audited_with_the_persons_they_carry(api: Api) -> None:
    api.post("/events/subscription", {"regions": ["11"]}, role="department")
    response = api.get("/events", role="department")
    carried = {e["person_id"] for e in response.json()["events"]}
    assert carried
    entry = api.audit()[-1]
    assert entry["action"] == "events.read"
    assert set(entry["persons"]) == carried


def test_feedback_and_execution_status(
    api: Api, store: GraphStore, tmp_path: Path
) -> None:
    api.post("/events/subscription", {"regions": ["11"]}, role="department")
    events = api.get("/events", role="department").json()["events"]
    assert len(events) >= 3
    first, second, third = (e["event_id"] for e in events[:3])
    one = api.post(
        f"/events/{first}/feedback", {"outcome": "executed"}, role="department"
    )
    assert one.status_code == 200, one.text
    assert one.json() == {"accepted": 1, "event_ids": [first]}
    # not applicable and failed need a reason; nothing is taken from a bad batch
    for outcome in ("not_applicable", "failed"):
        refused = api.post(f"/events/{second}/feedback", {"outcome": outcome},
                           role="department")  # fmt: skip
        assert refused.status_code == 422
    bulk = api.post(
        "/events/feedback",
        {"reports": [
            {"event_id": second, "outcome": "failed", "reason": "register offline"},
            {"event_id": third, "outcome": "not_applicable", "reason": "not a client"},
        ]},
        role="department",
    )  # fmt: skip
    assert bulk.status_code == 200, bulk.text
    # an event outside the subscription is not the department's to report on
    chengdu = next(
        e for e in store.outbox_events(after=0, limit=1000) if e.region == "510104"
    )
    outside = api.post(
        f"/events/{chengdu.event_id}/feedback", {"outcome": "executed"},
        role="department",
    )  # fmt: skip
    assert outside.status_code == 404
    lines = _status(store, tmp_path)
    states = {line["event"]["event_id"]: line["state"] for line in lines}
    assert states[first] == "executed"
    assert states[second] == "failed"
    assert states[third] == "not_applicable"
    assert {states[e["event_id"]] for e in events[3:]} <= {"pending"}
    assert chengdu.event_id not in states
    # events of 2026 are due within days of being written: none overdue yet
    assert _status(store, tmp_path, "--overdue") == []
    assert all(
        line["due"] for line in lines if line["event"]["measure"] != "disclose_identity"
    )


def _status(store: GraphStore, tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    result = _cli(store, tmp_path, "execution", "status", "--json", *args)
    lines: list[dict[str, Any]] = json.loads(result.stdout)["lines"]
    return lines


def _cli(store: GraphStore, tmp_path: Path, *args: str) -> Result:
    import api.cli  # noqa: F401 - registers the commands on the app
    from api.console import app

    result = CliRunner().invoke(
        app,
        ["--store", store.location, *args],
        env={"CREDLINK_AUDIT_LOG": str(tmp_path / "cli-audit.jsonl")},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result


def test_an_investigator_watches_a_person_and_an_enterprise(
    api: Api, store: GraphStore
) -> None:
    everything = store.outbox_events(after=0, limit=10_000)
    person = HOLDERS[0][0]
    assert api.get("/events").json()["events"] == []  # nothing watched yet
    # any written form of the number: lowercase, spaces
    watched = api.post("/events/watch", {"person": f" {person.lower()} "})
    assert watched.status_code == 200, watched.text
    got = [
        e["event_id"] for e in _all_events(api, api.keys["investigator"], 2, "执法检查")
    ]
    assert got == [e.event_id for e in everything if e.person_id == person]
    assert got
    api.post("/events/watch", {"enterprise": BEIJING_CO})
    got = [
        e["event_id"]
        for e in _all_events(api, api.keys["investigator"], 100, "执法检查")
    ]
    assert got == [
        e.event_id
        for e in everything
        if e.person_id == person or e.enterprise == BEIJING_CO
    ]
    # another investigator's feed is its own
    assert api.get("/events", role="sanctions_officer").json()["events"] == []
    for bad in ({}, {"person": "123"}, {"enterprise": "nope"}):
        assert api.post("/events/watch", bad).status_code == 422, bad


def test_a_submission_loads_like_a_file_and_is_idempotent(
    api: Api, store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDLINK_QUARANTINE_DIR", str(tmp_path / "q"))
    before = len(store.outbox_events(after=0, limit=10_000))
    body = {
        "source": "court-feed",
        "kind": "sanctions",
        "rows": [
            {"record_id": "r1", "type": "dishonest_judgment_debtor",
             "credit_code": CHENGDU_CO, "authority": "法院", "decision_no": "执9号",
             "decided_on": "2024-03-01"},
            {"record_id": "r2", "type": "dishonest_judgment_debtor",
             "credit_code": CHENGDU_CO, "decided_on": "2024-13-01"},
        ],
    }  # fmt: skip
    first = api.post("/submissions", body, role="department")
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["read"], report["loaded"], report["quarantined"]) == (2, 1, 1)
    assert [(r["row"], r["field"]) for r in report["rows"]] == [(2, "decided_on")]
    assert report["restrictions_written"] > 0
    added = store.outbox_events(after=0, limit=10_000)[before:]
    assert {e.sanction_type for e in added} == {"dishonest_judgment_debtor"}
    assert len(added) == report["restrictions_written"]
    again = api.post("/submissions", body, role="department").json()
    assert (again["loaded"], again["restrictions_written"]) == (1, 0)
    assert len(store.outbox_events(after=0, limit=10_000)) == before + len(added)
    assert (tmp_path / "q" / "submissions").is_dir()  # quarantined as a load is
    assert (
        api.post("/submissions", {**body, "rows": []}, role="department").status_code
        == 422
    )
