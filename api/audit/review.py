"""Reading the audit log: every query about one person (the person's right to
know who used their data, PIPL art. 45), and a review of each key's use with
outliers flagged (bursts, harvesting, denials, queries outside office hours)."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from api.audit.log import Outcome

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from api.audit.log import AuditEntry

DEFAULT_TIMEZONE = "Asia/Shanghai"


def who_queried(entries: Iterable[AuditEntry], person: str) -> list[AuditEntry]:
    """Every entry that asked about ``person`` or whose answer carried their data,
    oldest first."""
    return [
        entry
        for entry in entries
        if person in entry.persons or person in entry.subject.split()
    ]


@dataclass(frozen=True, slots=True)
class ReviewRules:
    """What makes a key stand out in a review.

    ``window``: the sliding window of the burst measure; ``burst_persons``: that
    many distinct persons in one window is a burst; ``office``: local office hours
    on weekdays in ``timezone``; ``harvest_factor``: a key whose distinct persons
    exceed this multiple of its role's median (and ``harvest_min``) is flagged;
    ``denial_share``: a key refused at least this share of its requests (and
    ``denial_min`` times).
    """

    window: timedelta = timedelta(minutes=10)
    burst_persons: int = 50
    office: tuple[time, time] = (time(8), time(20))
    timezone: str = DEFAULT_TIMEZONE
    harvest_factor: float = 3.0
    harvest_min: int = 20
    denial_share: float = 0.2
    denial_min: int = 5


@dataclass(frozen=True, slots=True)
class KeyReview:
    """One key's use over the reviewed period."""

    key_id: str
    key_name: str
    role: str
    requests: int
    persons: int
    denials: int
    max_persons_per_window: int
    off_hours: int
    flags: tuple[str, ...]


def review(
    entries: Iterable[AuditEntry],
    since: date,
    until: date | None = None,
    rules: ReviewRules | None = None,
) -> list[KeyReview]:
    """Per key, over entries on or after ``since`` and before ``until`` (local
    dates): requests, distinct persons, denials, the most distinct persons in one
    window, requests outside office hours, and the flags that make it stand out."""
    rules = rules or ReviewRules()
    zone = ZoneInfo(rules.timezone)
    by_key: dict[str, list[tuple[datetime, AuditEntry]]] = {}
    for entry in entries:
        moment = datetime.fromisoformat(entry.at).astimezone(zone)
        day = moment.date()
        if day < since or (until is not None and day >= until):
            continue
        by_key.setdefault(entry.key_id or "(none)", []).append((moment, entry))
    found = [_review_key(key, rows, rules) for key, rows in sorted(by_key.items())]
    return _flag_outliers(found, rules)


def _review_key(
    key_id: str, rows: Sequence[tuple[datetime, AuditEntry]], rules: ReviewRules
) -> KeyReview:
    persons: set[str] = set()
    denials = off_hours = 0
    for moment, entry in rows:
        if entry.outcome == Outcome.DENIED:
            denials += 1
        if _off_hours(moment, rules):
            off_hours += 1
        persons.update(entry.persons)
    last = rows[-1][1]
    names = [e.key_name for _, e in rows if e.key_name]
    roles = [e.role for _, e in rows if e.role]
    burst = _max_in_window(rows, rules.window)
    flags = []
    if burst >= rules.burst_persons:
        flags.append(f"burst: {burst} distinct persons within {rules.window}")
    if off_hours:
        flags.append(f"off hours: {off_hours} requests outside office hours")
    if denials >= rules.denial_min and denials >= rules.denial_share * len(rows):
        flags.append(f"denials: {denials} of {len(rows)} requests refused")
    return KeyReview(
        key_id=key_id,
        key_name=names[-1] if names else last.key_name,
        role=roles[-1] if roles else last.role,
        requests=len(rows),
        persons=len(persons),
        denials=denials,
        max_persons_per_window=burst,
        off_hours=off_hours,
        flags=tuple(flags),
    )


def _off_hours(moment: datetime, rules: ReviewRules) -> bool:
    start, end = rules.office
    return moment.weekday() >= 5 or not start <= moment.time() < end


def _max_in_window(
    rows: Sequence[tuple[datetime, AuditEntry]], window: timedelta
) -> int:
    """The most distinct persons carried by the key's answers in any window."""
    inside: deque[tuple[datetime, tuple[str, ...]]] = deque()
    counts: Counter[str] = Counter()
    best = 0
    for moment, entry in sorted(rows, key=lambda row: row[0]):
        inside.append((moment, entry.persons))
        counts.update(entry.persons)
        while inside and moment - inside[0][0] > window:
            _, gone = inside.popleft()
            counts.subtract(gone)
            for person in gone:
                if counts[person] <= 0:
                    del counts[person]
        best = max(best, len(counts))
    return best


def _flag_outliers(found: list[KeyReview], rules: ReviewRules) -> list[KeyReview]:
    """Flag keys whose distinct persons stand far above their role's median."""
    by_role: dict[str, list[int]] = {}
    for item in found:
        by_role.setdefault(item.role, []).append(item.persons)
    flagged = []
    for item in found:
        typical = median(by_role[item.role])
        if (
            len(by_role[item.role]) > 1
            and item.persons >= rules.harvest_min
            and item.persons > rules.harvest_factor * typical
        ):
            flag = f"outlier: {item.persons} distinct persons, role median {typical:g}"
            item = replace(item, flags=(*item.flags, flag))
        flagged.append(item)
    return flagged
