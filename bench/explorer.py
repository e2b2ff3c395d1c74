"""Benchmark of the explorer in Chromium on a 2,000-node neighbourhood.

A hub enterprise with 1,999 holders (2,000 nodes with the hub) is drawn in one
expansion; its first holder is expanded (a second enterprise and its 300 other
holders: 2,301 nodes); the as-of date is changed (the roles not held that day
vanish); the view is panned and zoomed for 30 frames. Times are measured in the
page (``performance.now()`` up to two animation frames after the action, so the
canvas is drawn), against a real ``credlink serve`` on an embedded store, through
the audited routes. The baseline measured in the same run is the same steps on a
20-node neighbourhood (ratio: how the time grows with 100× the nodes).

Run: ``.venv/bin/python bench/explorer.py`` (needs /usr/bin/chromium and
``npm ci --prefix explorer``); ``--hub 999`` for another size.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.explorer_scale import build_neighbourhood, measure
from tests.serving import serving


def _run(hub: int, second: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        place = build_neighbourhood(Path(folder), hub_size=hub, second_size=second)
        os.environ["CREDLINK_ROLES"] = str(place.roles)
        with (
            serving(place.db, Path(folder)) as base,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            figures = measure(page, base, place)
            browser.close()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", type=int, default=1999, help="holders of the hub")
    parser.add_argument("--second", type=int, default=300, help="of the second")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    base = _run(19, 3)
    big = _run(args.hub, args.second)
    print(f"{'step':<10}{'small (ms)':>12}{'large (ms)':>12}{'ratio':>8}")
    for step in ("draw_ms", "expand_ms", "date_ms", "frame_ms"):
        ratio = big[step] / base[step] if base[step] else float("nan")
        print(f"{step:<10}{base[step]:>12.1f}{big[step]:>12.1f}{ratio:>8.1f}")
    print(
        f"nodes: {big['drawn_nodes']:.0f} drawn, {big['expanded_nodes']:.0f} after "
        f"the expansion; {big['dated_edges']:.0f} roles held on 2015-06-01"
    )
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")


if __name__ == "__main__":
    main()
