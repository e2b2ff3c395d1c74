"""``credlink report``: a person's public credit report (JSON, HTML or PDF), and
``credlink report verify FILE`` to check a report file's digest."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from api.audience import View
from api.console import (
    EXIT_NEGATIVE,
    app,
    audit_log_file,
    audited,
    console,
    opened_store,
    shown,
    state_of,
)
from graph.errors import LinkageError

_VERIFY = "verify"


@app.command(rich_help_panel="Sanctions")
def report(
    ctx: typer.Context,
    person: Annotated[
        str,
        typer.Argument(help="Resident ID (any form), or `verify` to check FILE."),
    ],
    file: Annotated[
        Path | None,
        typer.Argument(help="With `verify`: the report file (JSON, HTML or PDF)."),
    ] = None,
    on: Annotated[
        datetime | None,
        typer.Option(
            "--on",
            formats=["%Y-%m-%d"],
            help="As of this date (YYYY-MM-DD) [default: today].",
            show_default=False,
        ),
    ] = None,
    form: Annotated[str, typer.Option("--format", help="json, html or pdf.")] = "json",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write to this file [default: standard output]."),
    ] = None,
    view: Annotated[
        View, typer.Option("--view", help="full, or public (masked identity).")
    ] = View.FULL,
    catalogue: Annotated[
        Path | None,
        typer.Option(
            "--catalogue",
            envvar="CREDLINK_CATALOGUE",
            help="Measures catalogue file [default: the packaged measures.toml].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """A person's public credit report as of a day: identity, records and their
    display periods, restrictions and chains, roles, objections, repairs and who
    queried the file; with its id, rule versions and digest. `credlink report
    verify FILE` checks a report file (exit 1 when the digest does not match)."""
    if person == _VERIFY:
        _verify(file)
        return
    if file is not None:
        raise typer.BadParameter(f"unexpected argument {file}", param_hint="FILE")
    from api.audit import AuditLog
    from api.keys import person_key
    from api.report.make import ReportFormat, make_report, render
    from graph.policy.catalogue import load_catalogue

    try:
        chosen = ReportFormat(form)
    except ValueError as exc:
        msg = f"{form!r} is not json, html or pdf"
        raise typer.BadParameter(msg, param_hint="--format") from exc
    try:
        person_id = person_key(person)
    except LinkageError as exc:
        raise typer.BadParameter(str(exc), param_hint="person") from exc
    day: date = on.date() if on is not None else date.today()
    rules = load_catalogue(catalogue)
    log = AuditLog(audit_log_file(state_of(ctx)))
    try:
        entries = log.entries()
    finally:
        log.close()
    with (
        opened_store(ctx) as store,
        audited(ctx, store, "report.read", person_id) as query,
    ):
        found = make_report(store, rules, entries, person_id, day, view)
        query.answered([person_id])
    data = render(found, chosen)
    if out is not None:
        out.write_bytes(data)
        console.print(f"report {found['report_id']} written to {shown(out)}")
    elif chosen is ReportFormat.PDF:
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data.decode("utf-8"))


def _verify(file: Path | None) -> None:
    from api.report.reading import check_report

    if file is None:
        raise typer.BadParameter("give the report file to verify", param_hint="FILE")
    try:
        data = file.read_bytes()
    except OSError as exc:
        msg = f"{file}: {exc.strerror or exc} (check the path)"
        raise typer.BadParameter(msg, param_hint="FILE") from exc
    ok, found = check_report(data, str(file))
    where = f"{found.get('report_id', '?')} (as of {found.get('as_of', '?')})"
    if not ok:
        console.print(f"digest does not match: {shown(file)} is not report {where}")
        raise typer.Exit(EXIT_NEGATIVE)
    console.print(f"ok: {shown(file)} is report {where}, digest {found['digest']}")
