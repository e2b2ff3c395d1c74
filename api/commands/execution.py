"""The execution commands: ``credlink expire`` tells departments which restrictions
ran out; ``credlink execution status`` shows what each department did about each
event (docs/execution.md)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.commands.sanctions import CatalogueOption
from api.console import (
    JsonOption,
    app,
    audited,
    console,
    opened_store,
    print_json,
    shown,
)
from api.masking import mask_id_number

if TYPE_CHECKING:
    from graph.execution import ExecutionLine
    from graph.outbox import OutboxEvent
    from graph.store import GraphStore


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


execution_app = typer.Typer(
    help="What departments did about each event: pending, overdue, failed.",
    no_args_is_help=True,
)
app.add_typer(execution_app, name="execution", rich_help_panel="Sanctions")


@execution_app.command("breaches")
def breaches(
    ctx: typer.Context, catalogue: CatalogueOption = None, as_json: JsonOption = False
) -> None:
    """Tell each role that started while a restriction barred its holder (one
    restriction.breached event per breach, written once; run it after loads)."""
    from graph import enforcement
    from graph.policy.catalogue import load_catalogue

    rules = load_catalogue(catalogue)
    with opened_store(ctx) as store:
        written = enforcement.find_breaches(store, rules)
    if as_json:
        print_json({"breaches": written})
    else:
        console.print(f"breaches: {written:,} new")


@execution_app.command("status")
def status(
    ctx: typer.Context,
    department: Annotated[
        str | None,
        typer.Option("--department", help="Only this department (key id or name)."),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only events past their deadline.")
    ] = False,
    sanction: Annotated[
        str | None, typer.Option("--sanction", help="Only this sanction's events.")
    ] = None,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Each event of each department's subscription: pending, executed, not
    applicable or failed, and when it is due (the measure's deadline)."""
    from graph.policy.catalogue import load_catalogue

    rules = load_catalogue(catalogue)
    deadlines = {m.key: m.execute_within_days for m in rules.measures}
    with (
        opened_store(ctx) as store,
        audited(ctx, store, "execution.status", sanction or "all") as query,
    ):
        lines = _lines(store, deadlines, department)
        if sanction is not None:
            lines = [line for line in lines if line.event.sanction_id == sanction]
        if overdue:
            lines = [line for line in lines if line.overdue]
        query.answered([line.event.person_id for line in lines])
    if as_json:
        print_json({"lines": [_line_json(line) for line in lines]})
        return
    table = Table(title="execution status")
    for column in ("department", "seq", "kind", "person", "measure", "state", "due"):
        table.add_column(column)
    for line in lines:
        table.add_row(
            shown(line.department.name),
            str(line.event.seq),
            line.event.kind.value,
            mask_id_number(line.event.person_id),
            shown(line.event.measure),
            line.state.value + (" (overdue)" if line.overdue else ""),
            line.due.date().isoformat() if line.due else "",
        )
    console.print(table)


def _lines(
    store: GraphStore, deadlines: dict[str, int | None], department: str | None
) -> list[ExecutionLine]:
    from graph.execution import Department, execution_lines

    departments = [
        Department(key.key_id, key.name, subscription)
        for key in store.api_keys()
        if key.role == "department"
        and key.revoked_at is None
        and department in (None, key.key_id, key.name)
        and (subscription := store.get_subscription(key.key_id)) is not None
    ]
    events: list[OutboxEvent] = []
    after = 0
    while page := store.outbox_events(after=after, limit=10_000):
        events += page
        after = page[-1].seq
    now = datetime.now(UTC)
    return execution_lines(departments, events, store.feedback(), deadlines, now)


def _line_json(line: ExecutionLine) -> dict[str, object]:
    return {
        "department": line.department.name,
        "key_id": line.department.key_id,
        "event": line.event.body() | {"seq": line.event.seq},
        "state": line.state.value,
        "reason": line.reason,
        "due": line.due.isoformat() if line.due else None,
        "overdue": line.overdue,
    }


@app.command(rich_help_panel="Sanctions")
def deliver(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="One pass, then stop (for cron).")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=0.01, help="Seconds between passes.")
    ] = 1.0,
) -> None:
    """Send the departments' webhooks: signed, retried with back-off, dead after
    the last try; state kept in the store, so a restart loses nothing."""
    from api.execution.deliver import retry_policy, run_once

    policy = retry_policy()
    with opened_store(ctx) as store:
        while True:
            delivered = run_once(store, policy)
            if once:
                console.print(f"deliver: {delivered:,} delivered")
                return
            time.sleep(interval)
