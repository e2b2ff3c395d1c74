"""``GET /enterprises/{code}/people`` in pages, on both stores; ``credlink people``
with ``--limit`` and ``--cursor``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graph.model import Person
from tests.api.conftest import Api, open_api
from tests.factories import credit_code, make_enterprise, make_role, resident_id

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from graph.store import GraphStore

HUB = credit_code(1)
PEOPLE = [resident_id(n) for n in range(1, 8)]


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[Api]:
    store.upsert_persons([Person(key, "张三") for key in PEOPLE])
    store.upsert_enterprises([make_enterprise(credit_code=HUB)])
    store.upsert_roles(
        [make_role(person_id=key, credit_code=HUB, record_id=key) for key in PEOPLE]
    )
    with open_api(store, tmp_path) as opened:
        yield opened


def test_people_in_pages_audit_each_page(api: Api) -> None:
    path = f"/enterprises/{HUB}/people"
    first = api.get(path, params={"limit": "3"}).json()
    assert len(first["holders"]) == 3
    assert first["next_cursor"]
    assert api.audit()[-1]["persons"] == [h["person"]["person_id"]
                                          for h in first["holders"]]  # fmt: skip
    seen = [h["person"]["person_id"] for h in first["holders"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(path, params={"limit": "3", "cursor": cursor}).json()
        seen += [h["person"]["person_id"] for h in page["holders"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(PEOPLE)
    assert len(seen) == len(PEOPLE)
    whole = api.get(path).json()  # the default page holds them all
    assert whole["next_cursor"] is None
    assert len(whole["holders"]) == len(PEOPLE)
    other = api.get(path, params={"on": "2020-01-01", "cursor": first["next_cursor"]})
    assert other.status_code == 422
    assert api.get(path, params={"limit": "0"}).status_code == 422
