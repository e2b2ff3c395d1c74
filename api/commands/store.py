"""Commands about the store itself: counts, and sanctions set aside by propagation."""

from __future__ import annotations

import dataclasses

import typer
from rich.table import Table

from api.console import JsonOption, app, console, opened_store, print_json, shown


@app.command(rich_help_panel="Data")
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Count persons, enterprises, roles, sanctions and source records.

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
