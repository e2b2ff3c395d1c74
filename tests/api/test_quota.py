"""Quotas per key: requests per minute (429 with Retry-After), and distinct
persons per hour, which stops harvesting through ``related``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest

from api.access.quota import QuotaBook
from api.access.roles import default_roles_path, parse_roles
from graph.errors import QuotaExceededError
from graph.model import RoleType
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

HOLDERS = [resident_id(n) for n in range(1, 13)]


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[Api]:
    """Twelve people in one enterprise; investigators may make 8 requests a
    minute and see 5 distinct persons an hour."""
    store.upsert_persons([make_person(person_id=p) for p in HOLDERS])
    store.upsert_enterprises([make_enterprise()])
    store.upsert_roles(
        [make_role(person_id=p, role=RoleType.DIRECTOR, since=date(2015, 1, 1))
         for p in HOLDERS]
    )  # fmt: skip
    text = default_roles_path().read_text(encoding="utf-8")
    investigator = text.index("[roles.investigator]")
    head, tail = text[:investigator], text[investigator:]
    tail = tail.replace("requests_per_minute = 600", "requests_per_minute = 8", 1)
    tail = tail.replace("persons_per_hour = 1000", "persons_per_hour = 5", 1)
    policy = parse_roles(head + tail, "test-roles.toml")
    with open_api(store, tmp_path, policy) as opened:
        yield opened


def test_related_cannot_harvest_a_hub(api: Api) -> None:
    response = api.post("/persons/related", {"id_number": HOLDERS[0]})
    assert response.status_code == 429  # it would carry 12 persons
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["reason"] == "persons"
    assert HOLDERS[1] not in response.text  # nothing of the answer leaves
    entry = api.audit()[-1]
    assert (entry["outcome"], entry["subject"]) == ("denied", HOLDERS[0])
    assert "distinct persons" in entry["detail"]
    for person in HOLDERS[:5]:  # one at a time: five fit in the hour
        assert api.post("/persons/lookup", {"id_number": person}).status_code == 200
    assert api.post("/persons/lookup", {"id_number": HOLDERS[0]}).status_code == 200
    sixth = api.post("/persons/lookup", {"id_number": HOLDERS[5]})
    assert sixth.status_code == 429


def test_requests_per_minute(api: Api) -> None:
    statuses = [
        api.post("/persons/lookup", {"id_number": HOLDERS[0]}).status_code
        for _ in range(10)
    ]
    assert statuses == [200] * 8 + [429] * 2
    refused = api.post("/persons/lookup", {"id_number": HOLDERS[0]})
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["reason"] == "requests"
    # another key of another role is not held back by it
    check = {"person": HOLDERS[0], "role": "director", "enterprise": credit_code(1)}
    other = api.post("/checks/appointment", check, role="appointment_checker")
    assert other.status_code == 200


def test_windows_reset(tmp_path: Path) -> None:
    book = QuotaBook(tmp_path / "q.sqlite")
    minute = datetime(2026, 1, 1, 9, 0, 10, tzinfo=UTC)
    book.take_request("k", 1, minute)
    with pytest.raises(QuotaExceededError) as caught:
        book.take_request("k", 1, minute)
    assert caught.value.retry_after == 50
    book.take_request("k", 1, minute.replace(minute=1))
    book.take_persons("k", ["a", "b"], 2, minute)
    with pytest.raises(QuotaExceededError):
        book.take_persons("k", ["c"], 2, minute)
    book.take_persons("k", ["a"], 2, minute)  # already counted this hour
    book.take_persons("k", ["c"], 2, minute.replace(hour=10))
    shared = QuotaBook(tmp_path / "q.sqlite")  # another worker, same file
    with pytest.raises(QuotaExceededError):
        shared.take_persons("k", ["d", "e"], 2, minute.replace(hour=10))
