"""``credlink neo4j``: a local Neo4j 5.26 server without Docker."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.console import (
    JsonOption,
    console,
    launcher,
    neo4j_app,
    print_json,
)
from graph.errors import GraphUnavailableError

HomeOption = Annotated[
    Path | None,
    typer.Option(help="Server folder [default: ~/.cache/credlink/servers/default]."),
]


def _server_dict(info: Any) -> dict[str, Any]:
    return {
        "running": True,
        "uri": info.uri,
        "user": info.user,
        "password": info.password,
        "pid": info.pid,
        "home": str(info.home),
        "version": info.version,
    }


def _launch(call: Any) -> Any:
    module = launcher()
    try:
        return call(module)
    except module.LauncherError as exc:
        raise GraphUnavailableError(str(exc), retryable=False) from exc


@neo4j_app.command("start")
def neo4j_start(
    home: HomeOption = None,
    port: Annotated[int | None, typer.Option(help="Bolt port [default: free]")] = None,
    auth: Annotated[
        bool, typer.Option(help="Require a password (generated on first start).")
    ] = True,
    heap: Annotated[str, typer.Option(help="JVM heap, e.g. 1g.")] = "1g",
    pagecache: Annotated[str, typer.Option(help="Page cache, e.g. 512m.")] = "512m",
    as_json: JsonOption = False,
) -> None:
    """Fetch Neo4j 5.26 (once) and start it on 127.0.0.1."""
    info = _launch(
        lambda m: m.start(home, port=port, auth=auth, heap=heap, pagecache=pagecache)
    )
    if as_json:
        print_json(_server_dict(info))
        return
    console.print(f"Neo4j {info.version} answers at {info.uri} (pid {info.pid})")
    console.print("Use it with:")
    typer.echo(f"export CREDLINK_STORE={info.uri}")
    if info.password:
        typer.echo(f"export NEO4J_USER={info.user} NEO4J_PASSWORD={info.password}")


@neo4j_app.command("status")
def neo4j_status(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Say whether the local server answers; exit 1 when it does not."""
    info = _launch(lambda m: m.status(home))
    if as_json:
        print_json(_server_dict(info) if info else {"running": False})
    elif info:
        console.print(f"running: Neo4j {info.version} at {info.uri} (pid {info.pid})")
    else:
        console.print("not running")
    if info is None:
        raise typer.Exit(1)


@neo4j_app.command("stop")
def neo4j_stop(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Stop the local server (SIGTERM, then SIGKILL after a minute)."""
    stopped = _launch(lambda m: m.stop(home))
    if as_json:
        print_json({"stopped": stopped})
    else:
        console.print("stopped" if stopped else "no server was running")


@neo4j_app.command("fetch")
def neo4j_fetch(as_json: JsonOption = False) -> None:
    """Fetch the Neo4j 5.26 jars with Maven into the cache (once per machine)."""
    module = launcher()
    lib = _launch(lambda m: m.fetch())
    version = module.installed_version(lib)
    if as_json:
        print_json({"lib": str(lib), "version": version})
    else:
        console.print(f"Neo4j {version} jars in {lib}")
