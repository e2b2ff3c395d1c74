"""The stored form of an outbox event: every field, keys sorted, read back whole;
and the rule lookup a derivation shares between its events."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import UTC, date, datetime

import pytest

from graph.outbox import (
    Cause,
    ChangeKind,
    OutboxEvent,
    Rules,
    encode_body,
    event_from_body,
    rule_version,
)
from graph.policy import load_catalogue

EVENT = OutboxEvent(
    event_id="evt_1", at=datetime(2026, 1, 1, 8, 30, tzinfo=UTC),
    kind=ChangeKind.BREACHED, cause=Cause.ROLE_STARTED, restriction_id="S|p|m|r",
    person_id="p", measure="m", sanction_id="S", sanction_type="t",
    enterprise="E", valid_from=date(2025, 1, 1), valid_until=date(2027, 1, 1),
    rule_version="t@x", explanation_zh="说明", explanation_en="why", region="510104",
    enterprise_region="510100", seq=7, role="director", role_enterprise="F",
    role_since=date(2026, 1, 1),
)  # fmt: skip


@pytest.mark.parametrize(
    "event", [EVENT, replace(EVENT, role=None, role_enterprise=None, role_since=None)]
)
def test_the_body_carries_every_field_and_reads_back(event: OutboxEvent) -> None:
    body = event.body()
    assert list(body) == sorted(f.name for f in fields(OutboxEvent))
    text = encode_body(event)
    assert text == json.dumps(body, ensure_ascii=False, sort_keys=True)
    assert event_from_body(json.loads(text), event.seq) == event


def test_rules_are_the_catalogues_rules() -> None:
    catalogue = load_catalogue()
    rules = Rules(catalogue)
    days = [None, date(2010, 1, 1), date(2026, 3, 31), date(2026, 4, 1)]
    for sanction_type in catalogue.types():
        for day in days:
            rule, version = rules(sanction_type, day)
            assert rule == catalogue.rule(sanction_type, day), (sanction_type, day)
            assert version == rule_version(rule)
