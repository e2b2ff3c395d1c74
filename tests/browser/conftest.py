"""Browser tests: real headless Chromium (Debian's, not a downloaded build) driven by
Playwright, against ``credlink serve`` in its own process."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import sync_playwright

from graph.embedded_store import EmbeddedStore
from tests.factories import make_person
from tests.serving import serving

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"  # scripts/test installs it when missing
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``credlink serve`` on a small embedded store; its base URL."""
    db = tmp_path / "served.db"
    store = EmbeddedStore(db)
    store.upsert_persons([make_person()])
    store.close()
    with serving(db, tmp_path) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium, without its own network traffic (updates, sync)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
