"""Exploring commands for investigators: related, people, connections.

``related PERSON`` lists a person's roles and the people met in those enterprises;
``people CODE`` who holds which role in an enterprise; ``connections A B`` every
shortest chain of roles between two entities (persons or enterprises). ``--on
DATE`` keeps the roles held that day (half-open [since, until)); without it every
role counts.

A person may be written in any form of the ID number, an enterprise as its credit
code (any spacing or case). Each command records who asked about whom in the audit
file before it answers. Tables mask ID numbers; ``--json`` gives the full keys (for
an authorised system).

Exit codes: 0 answered; 2 bad input or an entity the store does not hold; 3 the
store failed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from api.console import (
    JsonOption,
    app,
    audit,
    console,
    err_console,
    opened_store,
    print_json,
    shown,
)
from api.keys import entity_key, is_person_key, person_key
from api.masking import mask_id_number
from graph.errors import EntityNotFoundError, InvalidIdentifierError, LinkageError
from graph.exploration import connections as find_connections
from graph.exploration import people_of, related_entities
from graph.model import CONNECTION_MAX_HOPS, EntityKind
from linkage.ids import parse_credit_code

if TYPE_CHECKING:
    from graph.model import Connection, Role

_EXIT_INPUT = 2

OnOption = Annotated[
    datetime | None,
    typer.Option(
        "--on",
        formats=["%Y-%m-%d"],
        help="Only roles held on this date (YYYY-MM-DD) [default: every role].",
        show_default=False,
    ),
]


def _day(on: datetime | None) -> date | None:
    return on.date() if on is not None else None


def _person(raw: str, hint: str) -> str:
    try:
        return person_key(raw)
    except LinkageError as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from exc


def _enterprise(raw: str, hint: str) -> str:
    try:
        return parse_credit_code(raw).value
    except LinkageError as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from exc


def _entity(raw: str, hint: str) -> str:
    """The key ``raw`` names: a person's ID number (any form) or a credit code."""
    try:
        return entity_key(raw)
    except LinkageError as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from exc


def _not_answered(exc: LinkageError) -> typer.Exit:
    """An entity the store lacks or an ambiguous key: bad input, exit 2."""
    err_console.print(f"[red]error:[/red] {shown(exc)}")
    return typer.Exit(_EXIT_INPUT)


def _shown(kind: EntityKind, key: str) -> str:
    return mask_id_number(key) if kind is EntityKind.PERSON else key


def _interval(role: Role) -> str:
    since = role.since.isoformat() if role.since else "…"
    until = role.until.isoformat() if role.until else "…"
    return f"[{since}, {until})"


def _role_json(role: Role) -> dict[str, Any]:
    return {
        "role_id": role.role_id,
        "person_id": role.person_id,
        "credit_code": role.credit_code,
        "role": role.role,
        "since": role.since,
        "until": role.until,
        "source": role.source,
        "record_id": role.record_id,
    }


@app.command(rich_help_panel="Exploring")
def related(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Resident ID (any form).")],
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """A person's roles, and the people who hold roles in the same enterprises."""
    person_id, day = _person(person, "PERSON"), _day(on)
    audit(ctx, "related", person_id)
    with opened_store(ctx) as store:
        try:
            found = related_entities(store, person_id, day)
        except EntityNotFoundError as exc:
            raise _not_answered(exc) from exc
    if as_json:
        print_json(
            {
                "person_id": person_id,
                "on": day,
                "person": found.person,
                "roles": [_role_json(r) for r in found.roles],
                "enterprises": found.enterprises,
                "associates": [
                    {"person": a.person, "via": list(a.via)} for a in found.associates
                ],
            }
        )
        return
    names = {e.credit_code: e.name for e in found.enterprises}
    when = f" on {day.isoformat()}" if day else ""
    roles = Table(title=f"roles of {mask_id_number(person_id)}{when}")
    for column in ("enterprise", "name", "role", "held"):
        roles.add_column(column)
    for role in found.roles:
        roles.add_row(
            role.credit_code,
            shown(names.get(role.credit_code, "")),
            role.role.value,
            _interval(role),
        )
    console.print(roles)
    met = Table(title="people met there")
    for column in ("person", "name", "via"):
        met.add_column(column)
    for associate in found.associates:
        met.add_row(
            mask_id_number(associate.person.person_id),
            shown(associate.person.name),
            shown(", ".join(associate.via)),
        )
    console.print(met)


@app.command(rich_help_panel="Exploring")
def people(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Credit code of the enterprise.")],
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Who holds which role in an enterprise."""
    credit_code, day = _enterprise(code, "CODE"), _day(on)
    audit(ctx, "people_of", credit_code)
    with opened_store(ctx) as store:
        try:
            enterprise, holders = people_of(store, credit_code, day)
        except EntityNotFoundError as exc:
            raise _not_answered(exc) from exc
    if as_json:
        print_json(
            {
                "credit_code": credit_code,
                "on": day,
                "enterprise": enterprise,
                "holders": [
                    {"role": _role_json(role), "person": person}
                    for role, person in holders
                ],
            }
        )
        return
    when = f" on {day.isoformat()}" if day else ""
    table = Table(title=f"people of {credit_code} {shown(enterprise.name)}{when}")
    for column in ("person", "name", "role", "held"):
        table.add_column(column)
    for role, person in holders:
        table.add_row(
            mask_id_number(person.person_id),
            shown(person.name),
            role.role.value,
            _interval(role),
        )
    console.print(table)


@app.command(rich_help_panel="Exploring")
def connections(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="A resident ID (any form) or credit code.")],
    b: Annotated[str, typer.Argument(help="Another one.")],
    on: OnOption = None,
    max_hops: Annotated[
        int,
        typer.Option(
            "--max-hops",
            min=0,
            max=CONNECTION_MAX_HOPS,
            help="Longest chain of roles to look for.",
        ),
    ] = 6,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="At most this many chains.")
    ] = 20,
    as_json: JsonOption = False,
) -> None:
    """How are A and B connected? Every shortest chain of roles between them."""
    first, second, day = _entity(a, "A"), _entity(b, "B"), _day(on)
    for subject in dict.fromkeys((first, second)):
        audit(ctx, "connections", subject)
    with opened_store(ctx) as store:
        try:
            found = find_connections(
                store, first, second, on=day, max_hops=max_hops, limit=limit
            )
        except (EntityNotFoundError, InvalidIdentifierError) as exc:
            raise _not_answered(exc) from exc
    if as_json:
        print_json(
            {
                "a": first,
                "b": second,
                "on": day,
                "max_hops": max_hops,
                "connections": [_connection_json(c) for c in found],
            }
        )
        return
    when = f" on {day.isoformat()}" if day else ""
    ends = f"{_masked_key(first)} and {_masked_key(second)}"
    if not found:
        console.print(f"no connection between {ends}{when} within {max_hops} hops")
        return
    table = Table(title=f"connections between {ends}{when}")
    for column in ("#", "hops", "chain"):
        table.add_column(column)
    for number, connection in enumerate(found, 1):
        table.add_row(str(number), str(connection.hops), _chain(connection))
    console.print(table)


def _masked_key(key: str) -> str:
    """A key as a table shows it: whatever reads as an ID number masked."""
    return mask_id_number(key) if is_person_key(key) else key


def _chain(connection: Connection) -> str:
    lines = [_shown(connection.kinds[0], connection.keys[0])]
    for role, kind, key in zip(
        connection.roles, connection.kinds[1:], connection.keys[1:], strict=True
    ):
        lines.append(f"  {role.role.value} {_interval(role)}")
        lines.append(_shown(kind, key))
    return "\n".join(lines)


def _connection_json(connection: Connection) -> dict[str, Any]:
    return {
        "hops": connection.hops,
        "steps": [
            {"kind": kind, "key": key}
            for kind, key in zip(connection.kinds, connection.keys, strict=True)
        ],
        "roles": [_role_json(r) for r in connection.roles],
    }
