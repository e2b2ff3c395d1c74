"""Evaluation rules as data: a base score, points per input, grades (TOML).

Pydantic checks the file's shape at this edge; callers receive the frozen
``EvaluationRules``. Every error is a PolicyError starting ``file:line:``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.errors import PolicyError
from graph.policy.lines import read_policy_text, validate_toml

DEFAULT_EVALUATION_NAME = "evaluation.toml"
TIERS = ("serious", "general", "minor", "ungraded")


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade and the lowest score that reaches it."""

    grade: str
    name_zh: str
    name_en: str
    min: int


@dataclass(frozen=True, slots=True)
class EvaluationRules:
    """The evaluation rules: base score, bounds, points per input, grades."""

    source: str
    name_zh: str
    name_en: str
    example: bool
    base: int
    min_score: int
    max_score: int
    record_points: tuple[tuple[str, int], ...]
    bars_points: int
    other_restriction_points: int
    repair_points: int
    repair_years: int
    grades: tuple[Grade, ...]

    def points_for_tier(self, tier: str) -> int:
        """The points of one displayed record of ``tier`` ("" is ungraded)."""
        return dict(self.record_points)[tier or "ungraded"]

    def grade_of(self, score: int) -> Grade:
        """The first grade, highest first, whose minimum ``score`` reaches."""
        for grade in self.grades:
            if score >= grade.min:
                return grade
        return self.grades[-1]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Records(_Strict):
    serious: int = Field(le=0)
    general: int = Field(le=0)
    minor: int = Field(le=0)
    ungraded: int = Field(le=0)


class _Restrictions(_Strict):
    bars_appointment: int = Field(le=0)
    other: int = Field(le=0)


class _Repair(_Strict):
    points: int = Field(ge=0)
    years: int = Field(ge=0)


class _Grade(_Strict):
    grade: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    min: int


class _Spec(_Strict):
    version: Literal[1]
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    example: bool = False
    base: int
    min_score: int
    max_score: int
    record_points: _Records
    restriction_points: _Restrictions
    repair: _Repair
    grades: list[_Grade] = Field(min_length=1)


def default_evaluation_path() -> Path:
    """The path of the evaluation rules shipped with credlink (an example)."""
    return Path(str(resources.files("graph.policy").joinpath(DEFAULT_EVALUATION_NAME)))


@lru_cache(maxsize=8)
def load_evaluation(path: Path | None = None) -> EvaluationRules:
    """Read and validate evaluation rules (default: the packaged example)."""
    path = path or default_evaluation_path()
    return parse_evaluation(read_policy_text(path, "evaluation rules"), str(path))


def parse_evaluation(text: str, source: str) -> EvaluationRules:
    """Validate evaluation rules ``text`` read from ``source``."""
    spec, lines = validate_toml(text, source, _Spec)
    if not spec.min_score <= spec.base <= spec.max_score:
        msg = f"{source}:{lines.line_of(('base',))}: base: outside min_score..max_score"
        raise PolicyError(msg)
    minimums = [g.min for g in spec.grades]
    if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(
        minimums
    ):
        msg = f"{source}:{lines.line_of(('grades',))}: grades: list them highest first"
        raise PolicyError(msg)
    if minimums[-1] > spec.min_score:
        msg = (
            f"{source}:{lines.line_of(('grades',))}: grades: the last grade's min "
            "must reach down to min_score"
        )
        raise PolicyError(msg)
    return EvaluationRules(
        source=source,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        example=spec.example,
        base=spec.base,
        min_score=spec.min_score,
        max_score=spec.max_score,
        record_points=tuple(
            (tier, getattr(spec.record_points, tier)) for tier in TIERS
        ),
        bars_points=spec.restriction_points.bars_appointment,
        other_restriction_points=spec.restriction_points.other,
        repair_points=spec.repair.points,
        repair_years=spec.repair.years,
        grades=tuple(
            Grade(grade=g.grade, name_zh=g.name_zh, name_en=g.name_en, min=g.min)
            for g in spec.grades
        ),
    )
