"""``credlink serve``: the HTTP API."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from api.console import app
from api.stores import store_location


@app.command(rich_help_panel="Service")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) on the chosen store."""
    import uvicorn

    state = ctx.obj
    os.environ["CREDLINK_STORE"] = store_location(getattr(state, "store", None))
    uvicorn.run("api.app:app", host=host, port=port)
