"""Execution status from events, subscriptions and reports (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from graph.execution import (
    Department,
    Feedback,
    Outcome,
    State,
    execution_lines,
    feedback_problem,
)
from graph.outbox import Cause, ChangeKind, OutboxEvent
from graph.subscriptions import Subscription

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _event(n: int, measure: str, region: str) -> OutboxEvent:
    return OutboxEvent(
        event_id=f"evt_{n}", at=T0, kind=ChangeKind.STARTED, cause=Cause.DERIVED,
        restriction_id=f"S|{n}", person_id=f"{region}19800101{n:03d}X",
        measure=measure, sanction_id="S", sanction_type="t", enterprise=None,
        valid_from=date(2025, 1, 1), valid_until=date(2027, 1, 1), rule_version="t@x",
        explanation_zh="", explanation_en="", region=region, seq=n,
    )  # fmt: skip


EVENTS = [_event(1, "bar", "510104"), _event(2, "exit", "510104"),
          _event(3, "bar", "110101")]  # fmt: skip
DEPARTMENTS = [
    Department("k1", "bank", Subscription("k1", measures=("bar",))),
    Department("k2", "border", Subscription("k2", measures=("exit",), regions=("51",))),
]
DEADLINES = {"bar": 5, "exit": None}


@pytest.mark.parametrize(
    ("now", "reports", "expected"),
    [
        # before the deadline nothing is overdue
        (T0 + timedelta(days=4), [],
         [("k1", 1, State.PENDING, False), ("k1", 3, State.PENDING, False),
          ("k2", 2, State.PENDING, False)]),
        # after it, pending ones with a deadline are; a measure without one never is
        (T0 + timedelta(days=6), [],
         [("k1", 1, State.PENDING, True), ("k1", 3, State.PENDING, True),
          ("k2", 2, State.PENDING, False)]),
        # a report settles it; the last report of a key on an event stands
        (T0 + timedelta(days=6),
         [Feedback("evt_1", "k1", Outcome.FAILED, "offline", T0),
          Feedback("evt_1", "k1", Outcome.EXECUTED, "", T0 + timedelta(days=1)),
          Feedback("evt_3", "k2", Outcome.EXECUTED, "", T0)],
         [("k1", 1, State.EXECUTED, False), ("k1", 3, State.PENDING, True),
          ("k2", 2, State.PENDING, False)]),
    ],
)  # fmt: skip
def test_execution_lines(
    now: datetime, reports: list[Feedback], expected: list[tuple[str, int, State, bool]]
) -> None:
    lines = execution_lines(DEPARTMENTS, EVENTS, reports, DEADLINES, now)
    got = [(ln.department.key_id, ln.event.seq, ln.state, ln.overdue) for ln in lines]
    assert got == expected


@pytest.mark.parametrize(
    ("outcome", "reason", "refused"),
    [(Outcome.EXECUTED, "", False), (Outcome.FAILED, " ", True),
     (Outcome.NOT_APPLICABLE, "", True), (Outcome.FAILED, "offline", False)],
)  # fmt: skip
def test_a_reason_is_needed_unless_executed(
    outcome: Outcome, reason: str, refused: bool
) -> None:
    assert (feedback_problem(outcome, reason) is not None) is refused
