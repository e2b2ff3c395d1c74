"""The API documentation works offline: ``/docs`` and ``/redoc`` load every file from
credlink itself and show the operations, with the outside network cut off."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Browser, Page, Route

SHOTS = "docs-screenshots"


def _offline_page(browser: Browser, base: str) -> tuple[Page, list[str], list[str]]:
    """A page whose requests to anywhere but the server fail (the network to the
    outside is cut); the URLs it tried outside, and its console errors."""
    page = browser.new_page()
    server = urlsplit(base).netloc
    outside: list[str] = []
    errors: list[str] = []

    def only_the_server(route: Route) -> None:
        if urlsplit(route.request.url).netloc == server:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", only_the_server)
    page.on(
        "console", lambda message: errors.append(message.text)
        if message.type == "error" else None
    )  # fmt: skip
    return page, outside, errors


def test_swagger_ui_shows_the_operations_offline(
    browser: Browser, served: str, tmp_path: Path
) -> None:
    page, outside, errors = _offline_page(browser, served)
    page.goto(f"{served}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/persons/" in path for path in paths), paths
    assert any("/health" in path for path in paths), paths
    assert "credlink" in page.title()
    page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)
    assert outside == []
    assert errors == []


def test_redoc_shows_the_operations_offline(browser: Browser, served: str) -> None:
    page, outside, errors = _offline_page(browser, served)
    page.goto(f"{served}/redoc")
    page.wait_for_selector("text=/persons/", timeout=20_000)
    assert page.get_by_text("health", exact=False).count() > 0
    assert outside == []
    assert errors == []
