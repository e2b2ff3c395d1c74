"""Good records (commendations) of persons and enterprises, for demos and benches.

A few persons are 诚信道德模范, 优秀志愿者 or 守信激励对象 and a few enterprises are
守信激励对象 (kinds of graph/policy/incentives.toml). A sanctioned subject is
commended more often, before its first sanction, so that a generated registry
holds commendations that a later sanction suspends (and that come back once it is
repaired or runs out). Dates start in 2014, as sanctions do; none is after the
registry's today.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final

from graph.model import EntityKind
from loaders.generator.persons import add_years

if TYPE_CHECKING:
    from collections.abc import Sequence

    from loaders.generator.config import GeneratorConfig
    from loaders.generator.enterprises import TrueEnterprise
    from loaders.generator.persons import TruePerson

START: Final = date(2014, 3, 1)
PERSON_RATE: Final = 0.01  # share of persons with a commendation
SANCTIONED_RATE: Final = 0.25  # share of sanctioned subjects commended before it
ENTERPRISE_RATE: Final = 0.02
_PERSON_KINDS: Final = (
    ("moral_model", "中央精神文明建设指导委员会", 0.2),
    ("outstanding_volunteer", "共青团中央", 0.5),
    ("trustworthy_subject", "发展和改革委员会", 0.3),
)
_ENTERPRISE_AUTHORITIES: Final = (
    "税务局",
    "发展和改革委员会",
    "市场监督管理局",
)
_RECENT_DAYS: Final = 700  # commendations fall within this many days before the
# first sanction (or today), so that most are valid when it is decided
_DECIDED_ON: Final = 7  # column of decided_on in a sanctions.csv row


def _pick_kind(pick: float) -> tuple[str, str]:
    """The person kind (and issuing body) that ``pick`` in [0, 1) falls on."""
    for kind, authority, share in _PERSON_KINDS:
        if pick < share:
            return kind, authority
        pick -= share
    return _PERSON_KINDS[-1][:2]


class CommendationMaker:
    """commendations.csv rows, from a random stream of their own (the other files
    do not change when commendations are added)."""

    def __init__(self, seed: int, config: GeneratorConfig) -> None:
        self._rng = random.Random(f"credlink:{seed}:commendations")
        self._today = config.today
        self._count = 0

    def for_person(
        self, person: TruePerson, against: Sequence[tuple[str, ...]]
    ) -> list[tuple[str, ...]]:
        """Rows of the person's commendations (usually none)."""
        rng = self._rng
        earliest = max(START, add_years(person.birth_date, 16))
        latest = self._before(against)
        rate = SANCTIONED_RATE if against else PERSON_RATE
        if rng.random() >= rate or earliest >= latest:
            return []
        kind, authority = _pick_kind(rng.random())
        return [self._row(EntityKind.PERSON, person.person_id, kind, authority,
                          earliest, latest)]  # fmt: skip

    def for_enterprise(
        self, enterprise: TrueEnterprise, against: Sequence[tuple[str, ...]]
    ) -> list[tuple[str, ...]]:
        """Rows of the enterprise's commendations (usually none)."""
        rng = self._rng
        earliest = max(START, enterprise.founded_on + timedelta(days=365))
        latest = min(self._before(against), enterprise.closed_on or self._today)
        rate = SANCTIONED_RATE if against else ENTERPRISE_RATE
        if rng.random() >= rate or earliest >= latest:
            return []
        body = _ENTERPRISE_AUTHORITIES[int(rng.random() * len(_ENTERPRISE_AUTHORITIES))]
        return [
            self._row(
                EntityKind.ENTERPRISE,
                enterprise.credit_code,
                "trustworthy_subject",
                body,
                earliest,
                latest,
            )
        ]

    def _before(self, against: Sequence[tuple[str, ...]]) -> date:
        """The last day a commendation may be decided: before the first sanction
        (so that it suspends it), else before today."""
        if not against:
            return self._today - timedelta(days=1)
        first = min(date.fromisoformat(row[_DECIDED_ON]) for row in against)
        return first - timedelta(days=1)

    def _row(
        self,
        kind: EntityKind,
        subject_id: str,
        commendation: str,
        authority: str,
        earliest: date,
        latest: date,
    ) -> tuple[str, ...]:
        rng = self._rng
        decided = earliest + timedelta(
            days=int(rng.random() * (latest - earliest).days)
        )
        valid_until = add_years(decided, 3).isoformat() if rng.random() < 0.5 else ""
        self._count += 1
        return (
            "commendations",
            f"C{self._count:08d}",
            kind.value,
            subject_id,
            commendation,
            authority,
            decided.isoformat(),
            valid_until,
        )
