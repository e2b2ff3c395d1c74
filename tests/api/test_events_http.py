"""GET /events: each department receives exactly its subscription's events, from
any cursor, on both stores."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

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


def _all_events(api: Api, key: str, limit: int) -> list[dict[str, Any]]:
    """Every event of the key's subscription, page by page from cursor 0."""
    headers = {"Authorization": f"Bearer {key}"}
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
