"""What every ``credlink`` command shares: the app, store selection, output.

The store is chosen by ``--store LOCATION`` or ``CREDLINK_STORE``: a file path means the
embedded store (default ``./credlink.db``), a ``bolt://`` or ``neo4j://`` URI means
Neo4j with credentials from ``NEO4J_USER`` / ``NEO4J_PASSWORD``. Every command that
reports something takes ``--json``.

Every command that answers a query about a person (``check``, ``restrictions``,
``trace``, ``explain``, ``candidates``, ``related``, ``people``, ``connections``) first
appends who asked, why and about whom
to the audit file, as the HTTP API does: ``--as NAME`` / ``CREDLINK_REQUESTER``
(default: the operating-system user), ``--purpose`` / ``CREDLINK_PURPOSE``, and
``--audit-log`` / ``CREDLINK_AUDIT_LOG`` (default ``./credlink-audit.jsonl``).
"""

from __future__ import annotations

import dataclasses
import getpass
import importlib.util
import json
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from api.audit import DEFAULT_AUDIT_LOG, AuditLog
from api.deps import is_neo4j_location, open_store, store_location
from graph.errors import GraphUnavailableError

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
app.add_typer(neo4j_app, name="neo4j", rich_help_panel="Service")

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
RequesterOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        envvar="CREDLINK_REQUESTER",
        help="Who asks, for the audit record [default: the operating-system user].",
        show_default=False,
    ),
]
PurposeOption = Annotated[
    str,
    typer.Option("--purpose", envvar="CREDLINK_PURPOSE", help="Why, for the audit."),
]
AuditLogOption = Annotated[
    Path | None,
    typer.Option(
        "--audit-log",
        envvar="CREDLINK_AUDIT_LOG",
        help=f"Audit file [default: ./{DEFAULT_AUDIT_LOG}].",
        show_default=False,
    ),
]

_ROOT = Path(__file__).resolve().parents[1]


@dataclasses.dataclass
class _State:
    store: str | None = None
    requester: str | None = None
    purpose: str = ""
    audit_log: Path | None = None


@app.callback()
def _main(
    ctx: typer.Context,
    store: StoreOption = None,
    requester: RequesterOption = None,
    purpose: PurposeOption = "",
    audit_log: AuditLogOption = None,
) -> None:
    ctx.obj = _State(
        store=store, requester=requester, purpose=purpose, audit_log=audit_log
    )


def audit(ctx: typer.Context, action: str, subject: str) -> None:
    """Record a query of personal data (durably) before it is answered."""
    state: _State = ctx.obj if isinstance(ctx.obj, _State) else _State()
    AuditLog(state.audit_log or Path(DEFAULT_AUDIT_LOG)).record(
        requester=state.requester or _os_user(),
        action=action,
        subject=subject,
        purpose=state.purpose,
    )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        return f"uid:{os.getuid()}"


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls (escape sequences, carriage returns) and the bidirectional
overrides that make a terminal show text other than what is stored."""


def shown(text: object) -> str:
    """Stored text made safe to print with rich: controls visible, markup escaped.

    A control character is shown as its Python escape (``\\x1b``, ``\\u202e``);
    rich markup (``[/bold]``, ``[link=…]``) is escaped so that it prints as the
    text it is. Every value that comes from input or the store goes through this
    before rich sees it; markup of credlink's own goes around it.
    """
    visible = _CONTROLS.sub(
        lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text)
    )
    return escape(visible)


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
