"""Commands about the store itself: counts."""

from __future__ import annotations

import dataclasses

import typer
from rich.table import Table

from api.console import JsonOption, app, console, opened_store, print_json


@app.command(rich_help_panel="Data")
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
