"""Exploring commands for investigators: related, people, connections.

``related PERSON`` lists a person's roles and the people met in those enterprises;
``people CODE`` who holds which role in an enterprise; ``connections A B`` every
shortest chain of roles between two entities (persons or enterprises). ``--on
DATE`` keeps the roles held that day (half-open [since, until)); without it every
role counts.

A person may be written in any form of the ID number, an enterprise as its credit
code (any spacing or case). Each command records who asked about whom, and every
person its answer names, in the audit file before it answers. Tables mask ID
numbers; ``--json`` gives the full keys (for an authorised system).

Exit codes: 0 answered; 1 the store holds no record of a person or enterprise
asked about (said in a sentence, or ``person_known: false`` in JSON); 2 bad input;
3 the store is missing or failed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.console import (
    EXIT_INPUT,
    JsonOption,
    app,
    audited,
    console,
    err_console,
    not_held,
    opened_store,
    print_model,
    shown,
)
from api.keys import entity_key, is_person_key, person_key
from api.masking import mask_id_number
from graph.errors import EntityNotFoundError, InvalidIdentifierError, LinkageError
from graph.model import CONNECTION_MAX_HOPS, EntityKind
from linkage.ids import parse_credit_code

# The response models (pydantic) load inside the commands: `credlink --help` is fast.

if TYPE_CHECKING:
    from graph.model import Connection, Role

OnOption = Annotated[
    datetime | None,
    typer.Option(
        "--on",
        formats=["%Y-%m-%d"],
        help="Only roles held on this date (YYYY-MM-DD) [default: every role].",
        show_default=False,
    ),
]


LimitOption = Annotated[
    int, typer.Option("--limit", min=1, max=1000, help="Roles per page.")
]
CursorOption = Annotated[
    str | None,
    typer.Option("--cursor", help="The next_cursor of the page before."),
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


def _not_held(exc: EntityNotFoundError, *, as_json: bool) -> typer.Exit:
    """The store holds no such person or enterprise: said so, exit 1."""
    return not_held(exc.kind, exc.key, as_json=as_json)


def _not_answered(exc: LinkageError) -> typer.Exit:
    """An ambiguous key: bad input, exit 2."""
    err_console.print(f"[red]error:[/red] {shown(exc)}", soft_wrap=True)
    return typer.Exit(EXIT_INPUT)


def _shown(kind: EntityKind, key: str) -> str:
    return mask_id_number(key) if kind is EntityKind.PERSON else key


def _interval(role: Role) -> str:
    since = role.since.isoformat() if role.since else "…"
    until = role.until.isoformat() if role.until else "…"
    return f"[{since}, {until})"


@app.command(rich_help_panel="Exploring")
def related(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Resident ID (any form).")],
    on: OnOption = None,
    depth: Annotated[
        int,
        typer.Option(
            "--depth",
            min=1,
            max=3,
            help="1: the person's enterprises; 2: and the people met there; "
            "3: and their enterprises.",
        ),
    ] = 2,
    limit: LimitOption = 100,
    cursor: CursorOption = None,
    as_json: JsonOption = False,
) -> None:
    """A person's roles, and the people who hold roles in the same enterprises
    (a page of them at a time)."""
    person_id, day = _person(person, "PERSON"), _day(on)
    from api.routes.views import View, related_answer
    from graph import exploration

    with opened_store(ctx) as store:
        try:
            with audited(ctx, store, "person.related", person_id) as query:
                found = exploration.related_page(
                    store, person_id, day, depth=depth, limit=limit, cursor=cursor
                )
                query.answered(
                    [
                        person_id,
                        *(a.person.person_id for a in found.associates),
                        *(r.person_id for r in found.further),
                    ]
                )
        except EntityNotFoundError as exc:
            raise _not_held(exc, as_json=as_json) from exc
    if as_json:
        print_model(related_answer(found, day, View.FULL))
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
    if found.further:
        further = Table(title="their other enterprises")
        for column in ("person", "enterprise", "role", "held"):
            further.add_column(column)
        for role in found.further:
            further.add_row(
                mask_id_number(role.person_id),
                role.credit_code,
                role.role.value,
                _interval(role),
            )
        console.print(further)
    if found.next_cursor:
        console.print(f"more: --cursor {found.next_cursor}")


@app.command(rich_help_panel="Exploring")
def people(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Credit code of the enterprise.")],
    on: OnOption = None,
    limit: LimitOption = 100,
    cursor: CursorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Who holds which role in an enterprise, a page at a time."""
    credit_code, day = _enterprise(code, "CODE"), _day(on)
    from api.routes.views import View, people_answer
    from graph import exploration

    with opened_store(ctx) as store:
        try:
            with audited(ctx, store, "enterprise.people", credit_code) as query:
                page = exploration.people_page(
                    store, credit_code, day, limit=limit, cursor=cursor
                )
                query.answered(person.person_id for _, person in page.holders)
        except EntityNotFoundError as exc:
            raise _not_held(exc, as_json=as_json) from exc
    enterprise, holders = page.enterprise, page.holders
    if as_json:
        print_model(
            people_answer(enterprise, holders, day, View.FULL, page.next_cursor)
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
    if page.next_cursor:
        console.print(f"more: --cursor {page.next_cursor}")


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
    from api.routes.views import View, connections_answer
    from graph import exploration

    subject = " ".join(dict.fromkeys((first, second)))
    with opened_store(ctx) as store:
        try:
            with audited(ctx, store, "connections.find", subject) as query:
                found = exploration.connections(
                    store, first, second, on=day, max_hops=max_hops, limit=limit
                )
                query.answered(_persons_on(first, second, found))
        except EntityNotFoundError as exc:
            raise _not_held(exc, as_json=as_json) from exc
        except InvalidIdentifierError as exc:
            raise _not_answered(exc) from exc
    if as_json:
        print_model(connections_answer(first, second, day, max_hops, found, View.FULL))
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


def _persons_on(first: str, second: str, found: list[Connection]) -> list[str]:
    """Every person an answer of ``connections`` names: the ends, the inner nodes."""
    persons = [key for key in (first, second) if is_person_key(key)]
    for connection in found:
        persons.extend(
            key
            for kind, key in zip(connection.kinds, connection.keys, strict=True)
            if kind is EntityKind.PERSON
        )
    return persons


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
