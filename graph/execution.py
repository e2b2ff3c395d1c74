"""Execution feedback and status: what each department did about each event.

Pure. A department reports per outbox event that it executed the change, that it
does not apply (with a reason) or that it failed (with a reason); the last report
of a department on an event stands. An event of a department's subscription with
no report is pending, and overdue once the measure's ``execute_within_days`` (in
the catalogue) have passed since the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from graph.outbox import OutboxEvent
    from graph.subscriptions import Subscription


class Outcome(StrEnum):
    """What a department reports about one event."""

    EXECUTED = "executed"
    NOT_APPLICABLE = "not_applicable"
    FAILED = "failed"


class State(StrEnum):
    """Where one event stands at one department."""

    PENDING = "pending"
    EXECUTED = "executed"
    NOT_APPLICABLE = "not_applicable"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Feedback:
    """One department's (key's) report on one event."""

    event_id: str
    key_id: str
    outcome: Outcome
    reason: str
    at: datetime


def feedback_problem(outcome: Outcome, reason: str) -> str | None:
    """Why a report cannot be taken, or None: not applicable and failed need a
    reason."""
    if outcome is not Outcome.EXECUTED and not reason.strip():
        return f"a report of {outcome.value} needs a reason"
    return None


@dataclass(frozen=True, slots=True)
class Department:
    """A department: its key, its name and its subscription."""

    key_id: str
    name: str
    subscription: Subscription


@dataclass(frozen=True, slots=True)
class ExecutionLine:
    """One event at one department: its state, the reason given, when it is due."""

    department: Department
    event: OutboxEvent
    state: State
    reason: str
    due: datetime | None
    overdue: bool


def execution_lines(
    departments: Sequence[Department],
    events: Iterable[OutboxEvent],
    feedback: Iterable[Feedback],
    deadlines: Mapping[str, int | None],
    now: datetime,
) -> list[ExecutionLine]:
    """Every (department, event of its subscription) with its state, by
    (department key, seq). ``deadlines`` gives each measure's days to act."""
    reports = {(f.event_id, f.key_id): f for f in sorted(feedback, key=_when)}
    lines: list[ExecutionLine] = []
    listed = list(events)
    for department in sorted(departments, key=lambda d: d.key_id):
        for event in listed:
            if not department.subscription.matches(event):
                continue
            days = deadlines.get(event.measure)
            due = event.at + timedelta(days=days) if days is not None else None
            report = reports.get((event.event_id, department.key_id))
            state = State.PENDING if report is None else State(report.outcome.value)
            lines.append(
                ExecutionLine(
                    department=department,
                    event=event,
                    state=state,
                    reason=report.reason if report is not None else "",
                    due=due,
                    overdue=state is State.PENDING and due is not None and now > due,
                )
            )
    return lines


def _when(report: Feedback) -> datetime:
    return report.at


def departments_acted(
    events: Iterable[OutboxEvent],
    feedback: Iterable[Feedback],
    names: Mapping[str, str],
    sanction_id: str,
) -> dict[str, list[tuple[str, Outcome]]]:
    """For each person the sanction's events reach, the departments (by name,
    ``names`` maps key ids) that reported on one of those events and their last
    report, sorted by name; persons no department reported on are left out."""
    person_of = {
        e.event_id: e.person_id for e in events if e.sanction_id == sanction_id
    }
    last: dict[tuple[str, str], Feedback] = {}
    for report in sorted(feedback, key=_when):
        person = person_of.get(report.event_id)
        if person is not None:
            last[(person, report.key_id)] = report
    acted: dict[str, list[tuple[str, Outcome]]] = {}
    for (person, key_id), report in sorted(last.items()):
        acted.setdefault(person, []).append((names.get(key_id, key_id), report.outcome))
    return {person: sorted(found) for person, found in acted.items()}
