"""``credlink score``: score and grade as of a day from the evaluation rules (an
example set), each point explained; records stop counting once expired or
repaired; on both stores; audited as score.read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from graph.errors import PolicyError
from graph.policy.evaluation import load_evaluation, parse_evaluation
from tests.api.test_report import HEAD, _seed_cli

if TYPE_CHECKING:
    from tests.api.conftest import Cli


def test_score_explains_every_point(cli: Cli) -> None:
    _seed_cli(cli)
    found = cli.json("score", HEAD, "--on", "2026-07-01")
    lines = {(p["indicator"], p["record"]): p for p in found["points"]}
    # P2025 displayed (ungraded under order 58), P2026 suspended by an objection,
    # L2024 repaired within 3 years, P2025's credit-file note in force
    assert set(lines) == {
        ("record.ungraded", "P2025"),
        ("repair", "L2024"),
        ("restriction.other", "P2025"),
    }
    assert "ndrc_order58_2023" in lines["record.ungraded", "P2025"]["reason_en"]
    assert (found["score"], found["grade"]) == (700 - 100 + 20 - 10, "B")
    assert found["example"] is True
    # two years on: the record expired, the repair left the window
    later = cli.json("score", HEAD, "--on", "2028-07-01")
    assert (later["score"], later["grade"], later["points"]) == (700, "A", [])
    text = cli.run("score", HEAD, "--on", "2026-07-01").stdout
    assert "score 610 grade B" in text
    entries = [json.loads(line) for line in cli.audit_log.read_text().splitlines()]
    assert [e["action"] for e in entries] == ["score.read"] * 3


def test_evaluation_rules_are_checked() -> None:
    shipped = Path(load_evaluation().source).read_text(encoding="utf-8")
    bad = shipped.replace("min = 700", "min = 100", 1)
    with pytest.raises(PolicyError, match=r"evaluation\.toml:\d+: grades: "):
        parse_evaluation(bad, "evaluation.toml")
    with pytest.raises(PolicyError, match=r"x\.toml:\d+: record_points\.serious"):
        parse_evaluation(shipped.replace("serious = -150", "serious = 5"), "x.toml")
