"""The execution commands: ``credlink expire`` tells departments which restrictions
ran out (docs/execution.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from api.commands.sanctions import CatalogueOption
from api.console import JsonOption, app, console, opened_store, print_json


@app.command(rich_help_panel="Sanctions")
def expire(
    ctx: typer.Context,
    on: Annotated[
        datetime | None,
        typer.Option(
            "--on",
            formats=["%Y-%m-%d"],
            help="The day to expire up to (YYYY-MM-DD) [default: today].",
            show_default=False,
        ),
    ] = None,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write a restriction.ended event for each restriction whose period ran out.

    Run it daily: a restriction already told as ended is never told again.
    """
    from graph import enforcement
    from graph.policy.catalogue import load_catalogue

    day = on.date() if on is not None else date.today()
    rules = load_catalogue(catalogue)
    with opened_store(ctx) as store:
        written = enforcement.expire(store, rules, day)
    if as_json:
        print_json({"on": day.isoformat(), "ended": written})
    else:
        console.print(f"expire {day.isoformat()}: {written:,} restriction(s) ended")
