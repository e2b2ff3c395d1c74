"""The explorer stays responsive on a 2,000-node neighbourhood: drawn, expanded,
redated and panned within generous bounds (bench/explorer.py prints the figures)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.explorer_scale import build_neighbourhood, measure
from tests.serving import serving

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import Browser

# Generous: a busy 2-core machine shared with other test runs.
BOUNDS_MS = {"draw_ms": 15_000, "expand_ms": 10_000, "date_ms": 3_000, "frame_ms": 250}


def test_a_2000_node_neighbourhood_is_drawn_and_expanded(
    browser: Browser, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    place = build_neighbourhood(tmp_path, hub_size=1999, second_size=300)
    errors: list[str] = []
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CREDLINK_ROLES", str(place.roles))
        with serving(place.db, tmp_path) as base:
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            page.on(
                "console",
                lambda m: errors.append(m.text) if m.type == "error" else None,
            )
            figures = measure(page, base, place)
            page.close()
    for name, value in figures.items():
        record_property(name, round(value, 1))
    assert figures["drawn_nodes"] == 2000
    assert figures["expanded_nodes"] == 2000 + 1 + 300
    assert 0 < figures["dated_edges"] < 1999 + 1 + 300
    for name, bound in BOUNDS_MS.items():
        assert figures[name] < bound, (name, figures)
    assert errors == []
