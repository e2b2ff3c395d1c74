"""What every ``credlink`` command shares: the app, store selection, output.

The store is chosen by ``--store LOCATION`` or ``CREDLINK_STORE``: a file path means the
embedded store (default ``./credlink.db``), a ``bolt://`` or ``neo4j://`` URI means
Neo4j with credentials from ``NEO4J_USER`` / ``NEO4J_PASSWORD``. Every command that
reports something takes ``--json``.

Every command that answers a query about a person (``check``, ``restrictions``,
``trace``, ``explain``, ``candidates``, ``related``, ``people``, ``connections``)
appends who asked, why, about whom and whose data the answer carries to the audit
file before printing it, as the HTTP API does (``audited``): ``--as NAME`` /
``CREDLINK_REQUESTER``
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

from api.audit import DEFAULT_AUDIT_LOG, AuditDraft, AuditLog, Outcome
from api.stores import is_neo4j_location, open_store, store_location
from graph.errors import EntityNotFoundError, GraphUnavailableError, LinkageError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from types import ModuleType

    from pydantic import BaseModel

    from graph.propagation import Restriction
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

# Exit codes of every command (README, "Exit codes"): 0 answered; 1 the answer is
# "no" (blocked, refused while another run works) or the store holds no record of
# whom was asked about; 2 usage or bad input; 3 the store is missing or unavailable.
EXIT_NEGATIVE = 1
EXIT_INPUT = 2
EXIT_STORE = 3

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


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"credlink {version('credlink')}")
        except PackageNotFoundError:  # run from a source tree, not installed
            typer.echo("credlink (not installed)")
        raise typer.Exit


VersionOption = Annotated[
    bool,
    typer.Option(
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print credlink's version and exit.",
    ),
]


@app.callback()
def _main(
    ctx: typer.Context,
    store: StoreOption = None,
    requester: RequesterOption = None,
    purpose: PurposeOption = "",
    audit_log: AuditLogOption = None,
    show_version: VersionOption = False,  # noqa: ARG001 - handled by its callback
) -> None:
    ctx.obj = _State(
        store=store, requester=requester, purpose=purpose, audit_log=audit_log
    )


def state_of(ctx: typer.Context) -> _State:
    """The options given before the command (``--store``, ``--as`` …)."""
    if not isinstance(ctx.obj, _State):
        ctx.obj = _State()
    state: _State = ctx.obj
    return state


class AuditedQuery:
    """One command's query of personal data, recorded once: ``answered(persons)``
    before anything is printed, or the outcome of the error that ended it."""

    def __init__(
        self, ctx: typer.Context, store: GraphStore, action: str, subject: str
    ) -> None:
        state: _State = ctx.obj if isinstance(ctx.obj, _State) else _State()
        self._log = AuditLog(audit_log_file(state), anchor=store.save_audit_checkpoint)
        self._draft = AuditDraft(
            action=action,
            subject=subject,
            key_id=f"cli:{_os_user()}",
            key_name=state.requester or _os_user(),
            role="operator",
            purpose=state.purpose,
            via="cli",
        )
        self.recorded = False

    def answered(self, persons: Iterable[str] = ()) -> None:
        """Record the answer and whose data it carries (before it is shown)."""
        self._write(Outcome.ANSWERED, "", tuple(persons))

    def failed(self, outcome: Outcome, detail: str) -> None:
        """Record a query that ended without an answer (once)."""
        if not self.recorded:
            self._write(outcome, detail, ())

    def _write(self, outcome: Outcome, detail: str, persons: tuple[str, ...]) -> None:
        try:
            self._log.append(
                dataclasses.replace(
                    self._draft, outcome=outcome, detail=detail, persons=persons
                )
            )
        finally:
            self._log.close()
        self.recorded = True


@contextmanager
def audited(
    ctx: typer.Context, store: GraphStore, action: str, subject: str
) -> Iterator[AuditedQuery]:
    """Audit one query of personal data (``action`` names its permission in the
    roles file): the block calls ``answered(persons)`` before printing; an error
    leaving the block is recorded with its outcome, and the block's end without
    either records an answer that carried no one's data."""
    query = AuditedQuery(ctx, store, action, subject)
    try:
        yield query
    except EntityNotFoundError as exc:
        query.failed(Outcome.NOT_FOUND, str(exc))
        raise
    except GraphUnavailableError as exc:
        query.failed(Outcome.FAILED, str(exc))
        raise
    except (LinkageError, typer.BadParameter) as exc:
        query.failed(Outcome.REFUSED, str(exc))
        raise
    if not query.recorded:
        query.answered()


def audit_log_file(state: object) -> Path:
    """The audit file chosen by ``--audit-log`` / ``CREDLINK_AUDIT_LOG``."""
    chosen = state.audit_log if isinstance(state, _State) else None
    return chosen or Path(DEFAULT_AUDIT_LOG)


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


def print_model(value: BaseModel) -> None:
    """Print a response model as JSON: the very shape the HTTP API returns."""
    typer.echo(value.model_dump_json(indent=2))


def no_record(sentence: str) -> None:
    """Say that the store holds no record of whom was asked about (exit 1 follows)."""
    console.print(
        f"[yellow]{escape(sentence)}[/yellow]", highlight=False, soft_wrap=True
    )


def not_held(kind: str, key: str, *, as_json: bool) -> typer.Exit:
    """The answer when the store holds no such person or enterprise: a stated
    outcome (``person_known: false`` in JSON, a sentence in text), exit 1."""
    from api.keys import is_person_key
    from api.masking import mask_id_number
    from api.schemas import EnterpriseNotHeldOut, PersonNotHeldOut

    if kind != "enterprise" and is_person_key(key):
        sentence = (
            f"no record held: the store holds no person {mask_id_number(key)}; "
            "nothing is known of them"
        )
        if as_json:
            print_model(PersonNotHeldOut(person_id=key, detail=sentence))
    else:
        sentence = f"no record held: the store holds no {kind} {key}"
        if as_json:
            print_model(EnterpriseNotHeldOut(credit_code=key, detail=sentence))
    if not as_json:
        no_record(sentence)
    return typer.Exit(EXIT_NEGATIVE)


def status_text(restriction: Restriction) -> str:
    """A restriction's status as a table cell: what, since when, by which event."""
    lifecycle = restriction.lifecycle
    if lifecycle is None:
        return "in force"
    text = lifecycle.status.value.replace("_", " ")
    if lifecycle.since is not None:
        text += f" since {lifecycle.since.isoformat()}"
    event = lifecycle.event
    if event is not None:
        text += f" ({event.kind.value} by {event.by}: {event.reason})"
    return escape(text)


def ends_text(restriction: Restriction) -> str:
    """A restriction's effective end as a table cell."""
    lifecycle = restriction.lifecycle
    end = lifecycle.ends_on if lifecycle is not None else restriction.valid_until
    return end.isoformat()


@contextmanager
def opened_store(ctx: typer.Context, *, create: bool = False) -> Iterator[GraphStore]:
    """The store chosen by ``--store`` / ``CREDLINK_STORE``, closed afterwards.

    An embedded store that does not exist is refused (StoreMissingError, exit 3)
    unless ``create``: only ``init``, ``load`` and ``demo`` make a new one.
    """
    state: _State = ctx.obj if isinstance(ctx.obj, _State) else _State()
    location = store_location(state.store)
    user = password = None
    if is_neo4j_location(location) and "NEO4J_PASSWORD" not in os.environ:
        # A server started by `credlink neo4j start` lends its generated password.
        local = launcher().status()
        if local is not None and local.uri == location:
            user, password = local.user, local.password
    store = open_store(location, user=user, password=password, create=create)
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
