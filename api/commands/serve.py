"""``credlink serve``: the HTTP API."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from api.console import app, audit_log_file
from api.stores import store_location


@app.command(rich_help_panel="Service")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (they share the audit log).")
    ] = 1,
    ssl_certfile: Annotated[
        Path | None,
        typer.Option("--ssl-certfile", help="TLS certificate (PEM) to serve HTTPS."),
    ] = None,
    ssl_keyfile: Annotated[
        Path | None,
        typer.Option("--ssl-keyfile", help="The certificate's private key (PEM)."),
    ] = None,
    roles: Annotated[
        Path | None,
        typer.Option(
            "--roles", envvar="CREDLINK_ROLES", help="Roles file [default: packaged]."
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) on the chosen store. Every route
    but /health needs an API key (`credlink keys create`)."""
    import uvicorn

    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise typer.BadParameter("give both --ssl-certfile and --ssl-keyfile")
    for path in (ssl_certfile, ssl_keyfile):
        if path is not None and not path.is_file():
            raise typer.BadParameter(f"{path} is not a file")
    state = ctx.obj
    # the workers read their configuration from the environment
    os.environ["CREDLINK_STORE"] = store_location(getattr(state, "store", None))
    os.environ["CREDLINK_AUDIT_LOG"] = str(audit_log_file(state).resolve())
    if roles is not None:
        os.environ["CREDLINK_ROLES"] = str(roles.resolve())
    uvicorn.run(
        "api.app:app",
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        server_header=False,
    )
