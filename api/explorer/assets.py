"""The explorer's page and files, served by credlink itself with a strict
Content-Security-Policy: nothing on ``/ui`` loads from outside the server.

The sources live in ``explorer/src`` and the graph library in
``explorer/node_modules`` (``npm ci --prefix explorer``, pinned by its lock file);
``CREDLINK_EXPLORER_DIR`` points elsewhere. Without the installed library ``/ui``
answers a page naming the command to run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import Receive, Scope, Send

UI: Final = "/ui"

CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""No inline script or style, no other origin: the page, its modules, its
stylesheet and the API of this server only (PNG exports are ``data:``/``blob:``)."""

INSTALL_COMMAND: Final = "npm ci --prefix explorer"

_LIBRARY: Final = Path("node_modules/cytoscape/dist/cytoscape.esm.min.mjs")
_HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def explorer_dir() -> Path:
    """The explorer's folder: ``CREDLINK_EXPLORER_DIR``, else ``explorer/`` beside
    the ``api`` package (a source checkout)."""
    configured = os.environ.get("CREDLINK_EXPLORER_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "explorer"


def _missing_page(folder: Path) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>credlink explorer: not installed</title></head><body>"
        "<h1>The explorer's files are not installed</h1>"
        f"<p>The graph library is missing from <code>{folder}/node_modules</code>. "
        "From the repository's root, run:</p>"
        f"<pre>{INSTALL_COMMAND}</pre><p>then reload this page.</p></body></html>",
        status_code=503,
        headers=_HEADERS,
    )


class _Files:
    """Static files under ``/ui``: the page, the explorer's modules and styles
    (``src``), the graph library (``vendor``), each with the page's headers."""

    def __init__(self) -> None:
        folder = explorer_dir()
        self.folder = folder
        self.src = StaticFiles(directory=folder / "src", check_dir=False)
        self.vendor = StaticFiles(directory=folder / _LIBRARY.parent, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"].removeprefix(UI)
        if not (self.folder / _LIBRARY).is_file():
            response: Response = _missing_page(self.folder)
        elif path in ("", "/"):
            response = FileResponse(
                self.folder / "src" / "index.html", headers=_HEADERS
            )
        else:
            vendor = path.startswith("/vendor/")
            files = self.vendor if vendor else self.src
            inner = {**scope, "root_path": "", "path": path.removeprefix("/vendor")}
            if not vendor:
                inner["path"] = path
            response = await files.get_response(files.get_path(inner), inner)
            response.headers.update(_HEADERS)
        await response(scope, receive, send)


def install_explorer(app: FastAPI) -> None:
    """Serve ``/ui`` (the page) and the files under it (the page names them by
    absolute paths, so ``/ui`` and ``/ui/`` both work)."""
    files = _Files()

    @app.get(UI, include_in_schema=False)
    def explorer_page() -> Response:
        if not (files.folder / _LIBRARY).is_file():
            return _missing_page(files.folder)
        return FileResponse(files.folder / "src" / "index.html", headers=_HEADERS)

    app.mount(UI, files, name="explorer")
