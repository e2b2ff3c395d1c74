"""``credlink audit``: the audit log's verification, its head, every query about a
person, and the review of each key's use.

The file comes from ``--audit-log`` / ``CREDLINK_AUDIT_LOG``; checkpoints from the
store (``--store``). Exit codes: 0 the log holds; 1 ``verify`` found a problem
(named, with its line); 2 bad input; 3 the store failed.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api.audit import AuditEntry, AuditLog, verify_log
from api.audit.review import review as review_keys
from api.audit.review import who_queried as find_queries
from api.console import (
    JsonOption,
    app,
    audit_log_file,
    console,
    opened_store,
    print_json,
)
from api.keys import person_key
from api.masking import mask_id_number
from graph.errors import LinkageError

audit_app = typer.Typer(
    help="The audit log: verify its chain, print its head, who queried a person, "
    "review each key's use.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit", rich_help_panel="Access")

_EXIT_BAD_LOG = 1


@audit_app.command("verify")
def verify(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Check the hash chain and the store's checkpoints; name the first bad entry."""
    with opened_store(ctx) as store:
        report = verify_log(AuditLog(audit_log_file(ctx.obj)), store.audit_checkpoints)
    if as_json:
        print_json(dataclasses.asdict(report))
    elif report.ok:
        console.print(
            f"[green]ok[/green]: {report.entries} entries, head {report.head}, "
            f"{report.checkpoints} checkpoints agree"
        )
    else:
        problem = escape(report.problem or "")
        console.print(f"[red]tampered[/red]: line {report.first_bad}: {problem}")
    if not report.ok:
        raise typer.Exit(_EXIT_BAD_LOG)


@audit_app.command("head")
def head(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Print the head (last entry's sequence number and hash) for anchoring
    elsewhere; also keeps it as a checkpoint in the store."""
    with opened_store(ctx) as store:
        log = AuditLog(audit_log_file(ctx.obj), anchor=store.save_audit_checkpoint)
        last = log.last()
        if last is not None:
            log.checkpoint()
        log.close()
    found = {
        "log": last.log if last else None,
        "seq": last.seq if last else 0,
        "head": last.hash if last else None,
        "at": last.at if last else None,
    }
    if as_json:
        print_json(found)
    elif last is None:
        console.print("the audit log is empty")
    else:
        typer.echo(f"{last.seq} {last.hash}")


@audit_app.command("who-queried")
def who_queried(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Resident ID (any form).")],
    as_json: JsonOption = False,
) -> None:
    """Every query about a person: when, which organisation, which purpose."""
    try:
        person_id = person_key(person)
    except LinkageError as exc:
        raise typer.BadParameter(str(exc), param_hint="PERSON") from exc
    found = find_queries(_entries(ctx), person_id)
    if as_json:
        print_json({"person": person_id, "queries": [_query_json(e) for e in found]})
        return
    table = Table(title=f"queries about {mask_id_number(person_id)}: {len(found)}")
    for column in ("at", "organisation (key)", "role", "purpose", "action", "outcome"):
        table.add_column(column)
    for e in found:
        table.add_row(
            e.at,
            escape(f"{e.key_name} ({e.key_id})"),
            e.role,
            escape(e.purpose),
            e.action,
            e.outcome,
        )
    console.print(table)


@audit_app.command("review")
def review(
    ctx: typer.Context,
    since: Annotated[
        datetime, typer.Option("--since", formats=["%Y-%m-%d"], help="First day.")
    ],
    until: Annotated[
        datetime | None,
        typer.Option(
            "--until",
            formats=["%Y-%m-%d"],
            help="Day after the last [default: today on].",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Per key: requests, distinct persons, denials, bursts, requests outside
    office hours; outliers flagged."""
    end: date | None = until.date() if until else None
    found = review_keys(_entries(ctx), since.date(), end)
    if as_json:
        print_json(
            {
                "since": since.date(),
                "until": end,
                "keys": [dataclasses.asdict(k) for k in found],
            }
        )
        return
    table = Table(title=f"audit review from {since.date().isoformat()}")
    for column in ("key", "role", "requests", "persons", "denials", "burst", "flags"):
        table.add_column(column)
    for k in found:
        table.add_row(
            escape(f"{k.key_name} ({k.key_id})"),
            k.role,
            str(k.requests),
            str(k.persons),
            str(k.denials),
            str(k.max_persons_per_window),
            escape("; ".join(k.flags)),
        )
    console.print(table)


def _entries(ctx: typer.Context) -> list[AuditEntry]:
    log = AuditLog(audit_log_file(ctx.obj))
    try:
        return log.entries()
    except ValueError as exc:
        raise typer.BadParameter(
            f"{log.path} holds a line that is not an audit entry: run "
            "`credlink audit verify`",
            param_hint="--audit-log",
        ) from exc


def _query_json(entry: AuditEntry) -> dict[str, str]:
    return {
        "at": entry.at,
        "key_id": entry.key_id,
        "key_name": entry.key_name,
        "role": entry.role,
        "purpose": entry.purpose,
        "action": entry.action,
        "outcome": entry.outcome,
        "via": entry.via,
    }
