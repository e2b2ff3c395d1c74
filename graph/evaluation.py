"""A personal credit score and grade as of a date, each point explained (pure).

Computed only from the catalogue's inputs: each record (a sanction against the
person or reaching them, with the rule of its decision date and its events), the
restrictions in force, and repairs. A record counts while it is displayed on the
day (decided, before the end of its display period, ACTIVE): once expired,
repaired, suspended by an objection or revoked it stops counting. A repair within
the rules' ``repair.years`` before the day adds the repair component.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from graph.policy.catalogue import Period
from graph.propagation import EventKind, display_end, is_displayed_on

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from graph.model import Sanction
    from graph.policy.catalogue import SanctionRule
    from graph.policy.evaluation import EvaluationRules
    from graph.propagation import Restriction, SanctionEvent


@dataclass(frozen=True, slots=True)
class Point:
    """One line of the score: the indicator, its points, and the record behind it."""

    indicator: str
    points: int
    record: str
    reason_zh: str
    reason_en: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The score and grade on ``on`` under ``rules_name``, with every point."""

    on: date
    rules_name: str
    example: bool
    base: int
    score: int
    grade: str
    grade_name_zh: str
    points: tuple[Point, ...]


def evaluate(
    records: Sequence[tuple[Sanction, SanctionRule, Sequence[SanctionEvent]]],
    restrictions: Sequence[Restriction],
    rules: EvaluationRules,
    on: date,
) -> Evaluation:
    """The person's score on ``on``: base, plus each line, clamped to the bounds."""
    points: list[Point] = []
    for sanction, rule, events in sorted(records, key=lambda r: r[0].sanction_id):
        version = rule.version.key if rule.version else "-"
        if is_displayed_on(sanction, events, rule, on):
            tier = rule.severity or "ungraded"
            points.append(
                Point(
                    indicator=f"record.{tier}",
                    points=rules.points_for_tier(rule.severity),
                    record=sanction.sanction_id,
                    reason_zh=(
                        f"{rule.name_zh}（{sanction.decision_no}，"
                        f"{sanction.decided_on.isoformat()}作出）公示至"
                        f"{display_end(sanction, rule).isoformat()}前，"
                        f"按规则版本{version}属{tier}"
                    ),
                    reason_en=(
                        f"{rule.name_en} ({sanction.decision_no}, decided "
                        f"{sanction.decided_on.isoformat()}) is displayed until before "
                        f"{display_end(sanction, rule).isoformat()}; {tier} under "
                        f"{version}"
                    ),
                )
            )
        window_start = Period(years=rules.repair_years).before(on)
        for event in events:
            if event.kind is EventKind.REPAIR and window_start <= event.on <= on:
                points.append(
                    Point(
                        indicator="repair",
                        points=rules.repair_points,
                        record=sanction.sanction_id,
                        reason_zh=(
                            f"{event.on.isoformat()}完成信用修复（{rule.name_zh}，"
                            f"{sanction.decision_no}）"
                        ),
                        reason_en=(
                            f"credit repair on {event.on.isoformat()} ({rule.name_en}, "
                            f"{sanction.decision_no})"
                        ),
                    )
                )
    for restriction in sorted(restrictions, key=lambda r: r.restriction_id):
        bars = bool(restriction.bars)
        points.append(
            Point(
                indicator="restriction.bars" if bars else "restriction.other",
                points=rules.bars_points if bars else rules.other_restriction_points,
                record=restriction.sanction_id,
                reason_zh=(
                    f"限制措施{restriction.measure}在"
                    f"{on.isoformat()}有效（至{restriction.valid_until.isoformat()}前）"
                ),
                reason_en=(
                    f"restriction {restriction.measure} in force on {on.isoformat()} "
                    f"(until before {restriction.valid_until.isoformat()})"
                ),
            )
        )
    raw = rules.base + sum(p.points for p in points)
    score = max(rules.min_score, min(rules.max_score, raw))
    grade = rules.grade_of(score)
    return Evaluation(
        on=on,
        rules_name=rules.name_zh,
        example=rules.example,
        base=rules.base,
        score=score,
        grade=grade.grade,
        grade_name_zh=grade.name_zh,
        points=tuple(points),
    )
