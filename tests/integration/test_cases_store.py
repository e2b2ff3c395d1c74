"""Explorer cases in the store: saved per key, replaced by name, listed by name,
deleted; both stores alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graph.cases import Case
from tests.factories import resident_id

if TYPE_CHECKING:
    from graph.store import GraphStore

SAVED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _case(owner: str, name: str, content: str = '{"nodes": []}') -> Case:
    return Case(
        owner=owner,
        name=name,
        saved_at=SAVED,
        persons=(resident_id(1), resident_id(2)),
        content=content,
    )


def test_a_case_round_trips_per_owner(store: GraphStore) -> None:
    store.save_case(_case("k1", "梧桐 case"))
    store.save_case(_case("k1", "another"))
    store.save_case(_case("k2", "梧桐 case", '{"nodes": [1]}'))
    assert store.get_case("k1", "梧桐 case") == _case("k1", "梧桐 case")
    assert [c.name for c in store.cases("k1")] == ["another", "梧桐 case"]
    assert store.get_case("k2", "梧桐 case") == _case(
        "k2", "梧桐 case", '{"nodes": [1]}'
    )
    assert store.get_case("k3", "梧桐 case") is None
    assert store.cases("k3") == []


def test_saving_again_replaces_and_delete_says_whether_it_existed(
    store: GraphStore,
) -> None:
    store.save_case(_case("k1", "a"))
    store.save_case(_case("k1", "a", '{"nodes": [2]}'))
    assert [c.content for c in store.cases("k1")] == ['{"nodes": [2]}']
    assert store.delete_case("k1", "a") is True
    assert store.delete_case("k1", "a") is False
    assert store.get_case("k1", "a") is None
