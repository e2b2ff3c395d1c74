"""``credlink keys``: API keys for the HTTP API (create, list, revoke, rotate).

A key is printed once, when it is made; the store keeps only its hash, so a
Neo4j deployment's servers share the keys. ``--roles`` / ``CREDLINK_ROLES`` names
the roles file (default: the packaged one).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api.console import JsonOption, app, console, err_console, opened_store, print_json
from graph.errors import EntityNotFoundError, InvalidRequestError

if TYPE_CHECKING:
    from api.access.apikeys import IssuedKey

keys_app = typer.Typer(
    help="API keys of the HTTP API: create (shown once), list, revoke, rotate.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys", rich_help_panel="Access")

RolesOption = Annotated[
    Path | None,
    typer.Option(
        "--roles",
        envvar="CREDLINK_ROLES",
        help="Roles file [default: the packaged roles.toml].",
        show_default=False,
    ),
]


@keys_app.command("create")
def create(
    ctx: typer.Context,
    role: Annotated[str, typer.Option("--role", help="A role of the roles file.")],
    name: Annotated[
        str, typer.Option("--name", help="Who holds it (organisation or system).")
    ],
    expires: Annotated[
        int | None,
        typer.Option(
            "--expires", min=1, help="Days until it expires [default: never]."
        ),
    ] = None,
    person: Annotated[
        str | None,
        typer.Option(
            "--person",
            metavar="FILE",
            help="For a role bound to one person (citizen): a file holding their "
            "ID number, or - to read it from stdin (never on the command line).",
        ),
    ] = None,
    roles: RolesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a key for a role; the key is shown this once."""
    from api.access.apikeys import create_key
    from api.access.roles import load_roles

    policy = load_roles(roles)
    with _refusals():
        subject = None if person is None else _read_person(person)
    with opened_store(ctx) as store, _refusals():
        issued = create_key(
            store,
            policy,
            role=role,
            name=name,
            expires_in=None if expires is None else timedelta(days=expires),
            person=subject,
        )
    _print_issued(issued, as_json=as_json)


@keys_app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every key ever made (never a secret)."""
    from api.routes.keys import key_out

    now = datetime.now(UTC)
    with opened_store(ctx) as store:
        shown = [key_out(k, now) for k in store.api_keys()]
    if as_json:
        print_json([k.model_dump(mode="json") for k in shown])
        return
    table = Table(title=f"{len(shown)} API keys")
    for column in ("id", "name", "role", "created", "expires", "revoked", "usable"):
        table.add_column(column)
    for k in shown:
        table.add_row(
            k.key_id,
            k.name,
            k.role,
            k.created_at.isoformat(timespec="seconds"),
            k.expires_at.isoformat(timespec="seconds") if k.expires_at else "never",
            k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "",
            "yes" if k.usable else "no",
        )
    console.print(table)


@keys_app.command("revoke")
def revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The key's id (as `keys list` shows).")],
    as_json: JsonOption = False,
) -> None:
    """Revoke a key from now."""
    from api.access.apikeys import revoke_key
    from api.routes.keys import key_out

    with opened_store(ctx) as store, _refusals():
        revoked = key_out(revoke_key(store, key_id), datetime.now(UTC))
    if as_json:
        print_json(revoked.model_dump(mode="json"))
        return
    console.print(f"key {revoked.key_id} ({revoked.name}) revoked", highlight=False)


@keys_app.command("rotate")
def rotate(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The key to replace.")],
    grace: Annotated[
        int,
        typer.Option(
            "--grace-hours", min=0, help="Hours the old key keeps working [default: 0]."
        ),
    ] = 0,
    roles: RolesOption = None,
    as_json: JsonOption = False,
) -> None:
    """A new key with the old one's name, role and lifetime; the old one stops."""
    from api.access.apikeys import rotate_key
    from api.access.roles import load_roles

    policy = load_roles(roles)
    with opened_store(ctx) as store, _refusals():
        issued = rotate_key(store, policy, key_id, grace=timedelta(hours=grace))
    _print_issued(issued, as_json=as_json)


def _read_person(source: str) -> str:
    """The ID number in the file ``source`` (``-``: stdin): its first non-blank
    line. The number itself never appears in a message."""
    try:
        text = (
            sys.stdin.read()
            if source == "-"
            else Path(source).read_text(encoding="utf-8-sig")
        )
    except (OSError, UnicodeDecodeError) as exc:
        where = "stdin" if source == "-" else source
        msg = f"--person {where}: cannot read it ({type(exc).__name__})"
        raise InvalidRequestError(msg) from exc
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        where = "stdin" if source == "-" else source
        msg = f"--person {where}: expected one line holding an ID number"
        raise InvalidRequestError(msg)
    return lines[0]


@contextmanager
def _refusals() -> Iterator[None]:
    """An unknown role or key, a bad name: one line and exit 2."""
    try:
        yield
    except (InvalidRequestError, EntityNotFoundError) as exc:
        err_console.print(f"[red]refused:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc


def _print_issued(issued: IssuedKey, *, as_json: bool) -> None:
    from api.routes.keys import key_out

    shown = key_out(issued.record, datetime.now(UTC))
    if as_json:
        print_json({"key": issued.key, **shown.model_dump(mode="json")})
        return
    console.print(
        f"key {shown.key_id} for {shown.name} (role {shown.role}); "
        "shown once, store it now:",
        highlight=False,
    )
    typer.echo(issued.key)
    err_console.print("send it as `Authorization: Bearer KEY`", highlight=False)
