"""A restriction's lifecycle on a day: status, since when, the event, its end."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from graph.model import RoleType, Sanction, SanctionStatus
from graph.policy import load_catalogue
from graph.propagation import (
    EventKind,
    Restriction,
    RestrictionStatus,
    SanctionEvent,
    apply_event,
    derive_restrictions,
    restriction_lifecycle,
)
from tests.factories import make_role, make_sanction

CATALOGUE = load_catalogue()
# The default sanction: decided 2023-06-01; its bar on legal representatives lasts
# three years (until 2026-06-01); the minimum repair period is a year.
VALID_UNTIL = date(2026, 6, 1)


def _event(kind: EventKind, on: str) -> SanctionEvent:
    return SanctionEvent("S1", kind, date.fromisoformat(on), by="officer 7", reason="r")


def _history(
    *kinds: tuple[EventKind, str],
) -> tuple[Sanction, tuple[SanctionEvent, ...]]:
    sanction: Sanction = make_sanction()
    events: tuple[SanctionEvent, ...] = ()
    for kind, on in kinds:
        sanction, events = apply_event(sanction, events, _event(kind, on), CATALOGUE)
    return sanction, events


def _bar(sanction: Sanction) -> Restriction:
    roles = [make_role(role=RoleType.LEGAL_REPRESENTATIVE, since=None)]
    rule = CATALOGUE.rule("serious_illegal_dishonest")
    derived = derive_restrictions(sanction, roles, rule)
    return next(r for r in derived if r.measure == "bar_legal_representative")


@pytest.mark.parametrize(
    ("events", "day", "status", "since", "ends_on", "event"),
    [
        ((), "2023-05-31", "not_yet", "2023-06-01", "2026-06-01", None),
        ((), "2024-01-01", "in_force", "2023-06-01", "2026-06-01", None),
        ((), "2026-06-01", "expired", "2026-06-01", "2026-06-01", None),
        # a repair ends it on its day, seen before that day too
        (((EventKind.REPAIR, "2024-07-01"),), "2024-01-01", "in_force", "2023-06-01",
         "2024-07-01", None),
        (((EventKind.REPAIR, "2024-07-01"),), "2024-07-01", "repaired", "2024-07-01",
         "2024-07-01", "repair"),
        (((EventKind.OBJECT, "2023-07-01"),), "2023-08-01", "suspended", "2023-07-01",
         "2026-06-01", "object"),
        (((EventKind.OBJECT, "2023-07-01"), (EventKind.UPHOLD, "2023-08-01")),
         "2023-07-15", "suspended", "2023-07-01", "2023-08-01", "object"),
        (((EventKind.OBJECT, "2023-07-01"), (EventKind.UPHOLD, "2023-08-01")),
         "2024-01-01", "revoked", "2023-08-01", "2023-08-01", "uphold"),
        (((EventKind.OBJECT, "2023-07-01"), (EventKind.REJECT, "2023-08-01")),
         "2024-01-01", "in_force", "2023-08-01", "2026-06-01", "reject"),
    ],
)  # fmt: skip
def test_lifecycle_on_a_day(
    events: tuple[tuple[EventKind, str], ...],
    day: str,
    status: str,
    since: str,
    ends_on: str,
    event: str | None,
) -> None:
    sanction, history = _history(*events)
    on = date.fromisoformat(day)
    lifecycle = restriction_lifecycle(_bar(sanction), sanction, history, on)
    assert lifecycle.status is RestrictionStatus(status)
    assert lifecycle.since == date.fromisoformat(since)
    assert lifecycle.ends_on == date.fromisoformat(ends_on)
    assert (lifecycle.event.kind.value if lifecycle.event else None) == event


def test_a_measure_that_survives_repair_keeps_its_end() -> None:
    sanction, history = _history((EventKind.REPAIR, "2024-07-01"))
    bar = replace(_bar(sanction), survives_repair=True)
    lifecycle = restriction_lifecycle(bar, sanction, history, date(2025, 1, 1))
    assert (lifecycle.status, lifecycle.ends_on) == (
        RestrictionStatus.IN_FORCE,
        VALID_UNTIL,
    )
    assert lifecycle.event is not None
    assert lifecycle.event.kind is EventKind.REPAIR


def test_a_status_loaded_without_history_has_no_date() -> None:
    sanction = make_sanction(status=SanctionStatus.REPAIRED)
    lifecycle = restriction_lifecycle(_bar(sanction), sanction, (), date(2024, 1, 1))
    assert (lifecycle.status, lifecycle.since) == (RestrictionStatus.REPAIRED, None)
