"""The ``credlink`` command.

The store is chosen by ``--store LOCATION`` or ``CREDLINK_STORE``: a file path means the
embedded store (default ``./credlink.db``), a ``bolt://`` or ``neo4j://`` URI means
Neo4j with credentials from ``NEO4J_USER`` / ``NEO4J_PASSWORD``. Every command that
reports something takes ``--json``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.deps import is_neo4j_location, open_store, store_location
from graph.errors import GraphUnavailableError, LinkageError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType

    from graph.store import GraphStore

app = typer.Typer(
    name="credlink",
    help="Link identities and roles so that credit sanctions reach the people "
    "responsible for them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
neo4j_app = typer.Typer(
    help="Run a local Neo4j 5.26 server without Docker (jars fetched with Maven).",
    no_args_is_help=True,
)
app.add_typer(neo4j_app, name="neo4j")

console = Console()
err_console = Console(stderr=True)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="CREDLINK_STORE",
        help="Embedded store file (default ./credlink.db) or a bolt:// or neo4j:// "
        "URI of a Neo4j server.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]

_ROOT = Path(__file__).resolve().parents[1]
# Exit codes: 1 = the command's own "no" (e.g. blocked), 2 = bad input, 3 = store.
_EXIT_INPUT = 2
_EXIT_STORE = 3


@dataclasses.dataclass
class _State:
    store: str | None = None


@app.callback()
def _main(
    ctx: typer.Context,
    store: StoreOption = None,
) -> None:
    ctx.obj = _State(store=store)


def main() -> None:
    """Entry point of the ``credlink`` console script."""
    try:
        app()
    except GraphUnavailableError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        sys.exit(_EXIT_STORE)
    except LinkageError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        sys.exit(_EXIT_INPUT)


def print_json(value: Any) -> None:
    """Print ``value`` as JSON (dataclasses, dates and enums included)."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


@contextmanager
def opened_store(ctx: typer.Context) -> Iterator[GraphStore]:
    """The store chosen by ``--store`` / ``CREDLINK_STORE``, closed afterwards."""
    state: _State = ctx.obj if isinstance(ctx.obj, _State) else _State()
    location = store_location(state.store)
    user = password = None
    if is_neo4j_location(location) and "NEO4J_PASSWORD" not in os.environ:
        # A server started by `credlink neo4j start` lends its generated password.
        local = launcher().status()
        if local is not None and local.uri == location:
            user, password = local.user, local.password
    store = open_store(location, user=user, password=password)
    try:
        yield store
    finally:
        store.close()


def launcher() -> ModuleType:
    """The local Neo4j launcher, ``docker/neo4j_launcher.py`` of the source tree."""
    path = _ROOT / "docker" / "neo4j_launcher.py"
    if not path.is_file():
        raise GraphUnavailableError(
            f"the local Neo4j launcher is not at {path}: `credlink neo4j` needs a "
            "source checkout (or set NEO4J_URI to an existing server)",
            retryable=False,
        )
    cached = sys.modules.get("neo4j_launcher")
    if cached is not None:
        return cached
    spec = importlib.util.spec_from_file_location("neo4j_launcher", path)
    if spec is None or spec.loader is None:
        raise GraphUnavailableError(f"cannot load {path}", retryable=False)
    module = importlib.util.module_from_spec(spec)
    sys.modules["neo4j_launcher"] = module
    spec.loader.exec_module(module)
    return module


# -- stats -------------------------------------------------------------------------


@app.command()
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Count persons, enterprises, roles, sanctions and source records."""
    with opened_store(ctx) as store:
        counts = store.counts()
        location = store.location
    if as_json:
        print_json(dataclasses.asdict(counts))
        return
    table = Table(title=f"credlink store {location}")
    table.add_column("kind")
    table.add_column("count", justify="right")
    for field, value in dataclasses.asdict(counts).items():
        table.add_row(field.replace("_", " "), f"{value:,}")
    console.print(table)


# -- neo4j -------------------------------------------------------------------------

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
