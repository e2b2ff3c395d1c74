"""The bounds a date must keep to be accepted: checked at the door, never later.

A register's date outside them is a typo or a placeholder (``9999-12-31`` for
"open", ``0001-01-01`` for "unknown"); accepted, it would make every period
computed from it (display ends, liability windows) fall outside what a date can
hold, and one such record would stop the derivation for everyone.

* births: from :data:`EARLIEST_BIRTH` to today;
* enterprise founding: from :data:`EARLIEST_FOUNDING` to the horizon;
* roles, violations, decisions and ends of display: from :data:`EARLIEST_EVENT`
  to the horizon.

The horizon is today plus :data:`DEFAULT_HORIZON_YEARS` years, or the number of
years in the environment variable :data:`HORIZON_ENV` (a planned end of office or
a court-set end of display may lie ahead; a decade is more than any registry
states).
"""

from __future__ import annotations

import os
from datetime import date
from enum import StrEnum
from typing import Final

EARLIEST_BIRTH: Final = date(1880, 1, 1)
"""No living person was born earlier (the ID-number check allows 1850 to flag
typos of older records as such, but a stated birth date before 1880 is refused)."""

EARLIEST_FOUNDING: Final = date(1800, 1, 1)
"""Old firms (老字号) state founding dates long before the register existed."""

EARLIEST_EVENT: Final = date(1880, 1, 1)
"""Roles, violations and decisions concern living people."""

DEFAULT_HORIZON_YEARS: Final = 10
HORIZON_ENV: Final = "CREDLINK_DATE_HORIZON_YEARS"


class DateKind(StrEnum):
    """What a date says, which decides its bounds."""

    BIRTH = "birth"
    FOUNDING = "founding"
    EVENT = "event"


def date_horizon(today: date | None = None) -> date:
    """The latest date accepted for events: today + the horizon's years.

    Raises ValueError when :data:`HORIZON_ENV` holds no whole number from 0 to 100.
    """
    day = today or date.today()
    text = os.environ.get(HORIZON_ENV, "").strip()
    years = DEFAULT_HORIZON_YEARS
    if text:
        if not text.isascii() or not text.isdigit() or int(text) > 100:
            msg = f"{HORIZON_ENV} must be a number of years from 0 to 100: {text!r}"
            raise ValueError(msg)
        years = int(text)
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def date_bound_problem(
    value: date, kind: DateKind, *, horizon: date, today: date | None = None
) -> str | None:
    """Why ``value`` is out of the bounds of ``kind``, or None when it is within."""
    latest = (today or date.today()) if kind is DateKind.BIRTH else horizon
    earliest = {
        DateKind.BIRTH: EARLIEST_BIRTH,
        DateKind.FOUNDING: EARLIEST_FOUNDING,
        DateKind.EVENT: EARLIEST_EVENT,
    }[kind]
    if value < earliest:
        return f"{value.isoformat()} is before {earliest.isoformat()}"
    if value > latest:
        limit = "today" if kind is DateKind.BIRTH else "the horizon"
        return f"{value.isoformat()} is after {limit} ({latest.isoformat()})"
    return None
