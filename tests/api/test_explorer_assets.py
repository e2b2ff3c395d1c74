"""/ui: the page and its files with a strict CSP; without the installed graph
library, a page naming the command to run (never a traceback)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from api.app import create_app
from api.explorer.assets import INSTALL_COMMAND
from graph.embedded_store import EmbeddedStore

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _client(tmp_path: Path) -> TestClient:
    store = EmbeddedStore(tmp_path / "ui.db")
    return TestClient(create_app(store, tmp_path / "audit.jsonl"))


def test_the_page_and_its_files_carry_the_policy(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        for path in ("/ui", "/ui/", "/ui/app.js", "/ui/vendor/cytoscape.esm.min.mjs"):
            answer = client.get(path)
            assert answer.status_code == 200, path
            csp = answer.headers["content-security-policy"]
            assert csp.startswith("default-src 'none'; script-src 'self';")
        assert client.get("/ui/../pyproject.toml").status_code == 404
        assert client.get("/ui/vendor/../package.json").status_code == 404


def test_without_the_library_ui_says_which_command_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "explorer" / "src").mkdir(parents=True)
    monkeypatch.setenv("CREDLINK_EXPLORER_DIR", str(tmp_path / "explorer"))
    with _client(tmp_path) as client:
        for path in ("/ui", "/ui/app.js"):
            answer = client.get(path)
            assert answer.status_code == 503
            assert answer.headers["content-type"].startswith("text/html")
            assert INSTALL_COMMAND in answer.text
            assert "Traceback" not in answer.text
