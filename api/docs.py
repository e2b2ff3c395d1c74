"""The API's documentation pages, served with their assets by credlink itself.

Swagger UI and ReDoc normally load their scripts from a CDN, which leaves the pages
blank on a network without the internet. Their built files come from the
``fastapi-offline`` package instead and are served under ``/docs-assets`` (ReDoc's
one reference to its CDN, a badge image, pointed at a local file); nothing on
these pages loads from outside the server.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import TYPE_CHECKING, Final

from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.responses import Response

from graph.errors import EntityNotFoundError

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.responses import HTMLResponse

ASSETS: Final = "/docs-assets"
"""Where the Swagger UI and ReDoc files are served."""

DOC_PATHS: Final = ("/docs", "/redoc", "/openapi.json", ASSETS)
"""Paths of the documentation (answered even while the service has no store)."""

_FILES: Final = {
    "swagger-ui-bundle.js": ("swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("swagger-ui.css", "text/css"),
    "redoc.js": ("redoc.standalone.js", "text/javascript"),
    "favicon.png": ("favicon.png", "image/png"),
}
# ReDoc's "API docs by Redocly" badge is an image on its CDN: shown from here.
_REDOC_LOGO: Final = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@functools.cache
def _asset(name: str) -> bytes:
    """The packaged file served as ``name``, with no reference to the outside."""
    file, _ = _FILES[name]
    data = (resources.files("fastapi_offline") / "static" / file).read_bytes()
    return data.replace(_REDOC_LOGO, f"{ASSETS}/favicon.png".encode())


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (Swagger UI) and ``/redoc`` from packaged assets.

    The app must be created with ``docs_url=None, redoc_url=None``.
    """
    oauth2_redirect = "/docs/oauth2-redirect"

    @app.get(ASSETS + "/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in _FILES:
            raise EntityNotFoundError("documentation file", name)
        return Response(
            _asset(name),
            media_type=_FILES[name][1],
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=oauth2_redirect,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )

    @app.get(oauth2_redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
