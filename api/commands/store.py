"""Commands about the store itself: create it, count what it holds, and the
sanctions propagation set aside."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.table import Table

from api.console import (
    JsonOption,
    app,
    console,
    opened_store,
    print_json,
    shown,
    state_of,
)
from api.stores import is_neo4j_location, store_location


@app.command(rich_help_panel="Data")
def init(
    ctx: typer.Context,
    location: Annotated[
        str | None,
        typer.Argument(
            help="The store file to create [default: --store, CREDLINK_STORE or "
            "./credlink.db].",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an empty embedded store (reading commands never create one).

    An existing store is left as it is. On Neo4j, applies the schema.
    """
    state = state_of(ctx)
    if location is not None:
        state.store = location
    where = store_location(state.store)
    with opened_store(ctx, create=True) as store:
        counts = store.counts()
    if as_json:
        print_json({"store": where, "counts": dataclasses.asdict(counts)})
        return
    kind = "Neo4j store" if is_neo4j_location(where) else "store"
    held = sum(dataclasses.asdict(counts).values())
    console.print(
        f"{kind} {where} is ready"
        + (f" (it already holds {held:,} facts)" if held else " (empty)")
    )


@app.command(rich_help_panel="Data")
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Count persons, enterprises, roles, sanctions, commendations (good records)
    and source records.

    Also lists the sanctions propagation set aside (their restrictions could not
    be derived), each with its error.
    """
    with opened_store(ctx) as store:
        counts = store.counts()
        set_aside = store.set_aside_sanctions()
        location = store.location
    if as_json:
        print_json(
            {
                **dataclasses.asdict(counts),
                "set_aside": [{"sanction_id": i, "error": e} for i, e in set_aside],
            }
        )
        return
    table = Table(title=f"credlink store {location}")
    table.add_column("kind")
    table.add_column("count", justify="right")
    for field, value in dataclasses.asdict(counts).items():
        table.add_row(field.replace("_", " "), f"{value:,}")
    console.print(table)
    for sanction_id, error in set_aside:
        console.print(f"[red]set aside[/red] {shown(f'{sanction_id}: {error}')}")
