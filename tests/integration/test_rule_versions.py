"""Rules in force by decision date (order 58 until 2026-03-31, the 2026 NDRC credit
repair measures from 2026-04-01), on both stores."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from graph import enforcement
from graph.errors import LifecycleError
from graph.model import EntityKind, RoleType
from graph.policy import load_catalogue
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
    from graph.store import GraphStore

CATALOGUE = load_catalogue()
FIRM = credit_code(41)
HEAD = resident_id(41)
OLD_RULE = "ndrc_order58_2023"
NEW_RULE = "ndrc_credit_repair_2026"


def _seed(store: GraphStore) -> None:
    store.upsert_persons([make_person(person_id=HEAD)])
    store.upsert_enterprises([make_enterprise(credit_code=FIRM)])
    store.upsert_roles(
        [
            make_role(
                person_id=HEAD,
                credit_code=FIRM,
                role=RoleType.LEGAL_REPRESENTATIVE,
                since=date(2020, 1, 1),
            )
        ]
    )
    # the same sanction type decided under each rule version
    store.upsert_sanctions(
        [
            make_sanction(
                sanction_id="V2025",
                subject_id=FIRM,
                type="administrative_penalty",
                decided_on=date(2025, 6, 1),
                violation_date=None,
            ),
            make_sanction(
                sanction_id="V2026",
                subject_id=FIRM,
                type="administrative_penalty",
                decided_on=date(2026, 6, 1),
                violation_date=None,
            ),
        ]
    )


def _event(
    sanction_id: str, kind: EventKind, on: date, **extra: object
) -> SanctionEvent:
    return SanctionEvent(
        sanction_id=sanction_id,
        kind=kind,
        on=on,
        by="officer-1",
        reason="test",
        **extra,  # type: ignore[arg-type]
    )


def test_each_record_follows_the_rule_of_its_decision_date(store: GraphStore) -> None:
    _seed(store)
    found = enforcement.restrictions_on(store, CATALOGUE, HEAD, date(2026, 7, 1))
    by_sanction = {r.sanction_id: r for r in found}
    old, new = by_sanction["V2025"], by_sanction["V2026"]
    # display: 3 years under order 58, 1 year (general) under the 2026 measures
    assert old.valid_until == date(2028, 6, 1)
    assert new.valid_until == date(2027, 6, 1)
    assert old.rule.endswith(f"[{OLD_RULE}]")
    assert new.rule.endswith(f"[{NEW_RULE}]")
    assert OLD_RULE in old.explanation_en
    assert NEW_RULE not in old.explanation_en
    assert NEW_RULE in new.explanation_en
    assert "graded general" in new.explanation_en
    assert "公示期1y，最短修复期3m" in new.explanation_zh
    # the 2026 record's display has ended a year on; the 2025 one is still shown
    later = enforcement.restrictions_on(store, CATALOGUE, HEAD, date(2027, 7, 1))
    assert [r.sanction_id for r in later] == ["V2025"]


def test_repair_follows_the_rule_of_each_record(store: GraphStore) -> None:
    _seed(store)
    # 3 months and a day after each decision: enough under 2026, not under order 58
    with pytest.raises(LifecycleError, match=f"6m under {OLD_RULE}"):
        enforcement.record_event(
            store,
            CATALOGUE,
            _event("V2025", EventKind.REPAIR, date(2025, 9, 2)),
        )
    enforcement.record_event(
        store, CATALOGUE, _event("V2026", EventKind.REPAIR, date(2026, 9, 2))
    )
    found = enforcement.restrictions_on(store, CATALOGUE, HEAD, date(2026, 9, 2))
    assert [r.sanction_id for r in found] == ["V2025"]
    conditions = {
        version.key: [c.key for c in version.repair_conditions]
        for version in CATALOGUE.versions
    }
    assert conditions[NEW_RULE] == [
        "minimum_period",
        "duty_performed",
        "public_commitment",
    ]
    assert conditions[OLD_RULE] != conditions[NEW_RULE]


def test_moving_the_decision_date_across_the_change_changes_the_rule(
    store: GraphStore,
) -> None:
    _seed(store)
    day = date(2026, 5, 1)
    (before,) = [
        r
        for r in enforcement.restrictions_on(store, CATALOGUE, HEAD, day)
        if r.sanction_id == "V2025"
    ]
    assert OLD_RULE in before.explanation_en
    correction = _event(
        "V2025",
        EventKind.CORRECT,
        date(2026, 4, 1),
        changes=(("decided_on", "2026-04-01"),),
    )
    enforcement.record_event(store, CATALOGUE, correction)
    (after,) = [
        r
        for r in enforcement.restrictions_on(store, CATALOGUE, HEAD, day)
        if r.sanction_id == "V2025"
    ]
    assert NEW_RULE in after.explanation_en
    assert OLD_RULE not in after.explanation_en
    assert after.valid_until == date(2027, 4, 1)
    # a day earlier: back under order 58
    back = _event(
        "V2025",
        EventKind.CORRECT,
        date(2026, 4, 1),
        changes=(("decided_on", "2026-03-31"),),
    )
    enforcement.record_event(store, CATALOGUE, back)
    (again,) = [
        r
        for r in enforcement.restrictions_on(store, CATALOGUE, HEAD, day)
        if r.sanction_id == "V2025"
    ]
    assert OLD_RULE in again.explanation_en
    assert again.valid_until == date(2029, 3, 31)
    assert again.chain.subject_kind is EntityKind.ENTERPRISE
