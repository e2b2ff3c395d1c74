"""Sanction commands: propagate, check, restrictions, trace, and the lifecycle
(repair, object, decide, correct).

Every read is as of a date: ``--on DATE`` (ISO, e.g. 2025-03-01), today when
omitted. ``trace`` without ``--on`` lists every restriction the sanction ever gave,
with its validity, whatever the sanction's status. Lifecycle events are dated by
``--on`` as well (today when omitted).

A person may be given in any form of the ID number (15 digits, lowercase x,
full-width, spaces); a surrogate ``U...`` key is taken as it is. The catalogue is
the packaged one unless ``--catalogue`` / ``CREDLINK_CATALOGUE`` names another file
(after editing it, run ``credlink propagate --full``).

Exit codes: 0 done; 1 ``check`` found the appointment blocked, or ``check`` or
``restrictions`` were asked about a person the store holds no record of; 2 bad input, a
transition the rules refuse, or ``propagate`` met sanctions of a type the
catalogue lacks (they are named, left pending; the others are derived); 3 the
store failed.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from api.console import (
    EXIT_INPUT,
    EXIT_NEGATIVE,
    JsonOption,
    app,
    audited,
    console,
    ends_text,
    err_console,
    no_record,
    opened_store,
    print_json,
    print_model,
    shown,
    status_text,
)
from api.masking import mask_id_number
from api.progress import progress
from graph.errors import GraphUnavailableError, LinkageError
from graph.model import CORRECTABLE_FIELDS, RoleType

# Heavy modules (pydantic models, the catalogue, the stores' rules) are imported
# inside the commands that use them, so `credlink --help` starts fast.
if TYPE_CHECKING:
    from collections.abc import Sequence

    from graph.execution import Outcome
    from graph.incentives import GoodRecord
    from graph.model import Sanction
    from graph.policy.catalogue import Catalogue
    from graph.propagation import PropagationReport, Restriction, SanctionEvent
    from graph.store import GraphStore

OnOption = Annotated[
    datetime | None,
    typer.Option(
        "--on",
        formats=["%Y-%m-%d"],
        help="As of this date (YYYY-MM-DD) [default: today].",
        show_default=False,
    ),
]
CatalogueOption = Annotated[
    Path | None,
    typer.Option(
        "--catalogue",
        envvar="CREDLINK_CATALOGUE",
        help="Measures catalogue file [default: the packaged measures.toml].",
        show_default=False,
    ),
]
ByOption = Annotated[str, typer.Option("--by", help="Who records the event.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (the basis).")]


def _day(on: datetime | None) -> date:
    return on.date() if on is not None else date.today()


def _catalogue(path: Path | None) -> Catalogue:
    from graph.policy.catalogue import load_catalogue

    return load_catalogue(path)


def _person(raw: str) -> str:
    """The canonical key of the person ``raw`` names (any form of the number)."""
    from api.keys import person_key

    try:
        return person_key(raw)
    except LinkageError as exc:
        raise typer.BadParameter(str(exc), param_hint="person") from exc


def _enterprise(raw: str) -> str:
    from linkage.ids import parse_credit_code

    try:
        return parse_credit_code(raw).value
    except LinkageError as exc:
        raise typer.BadParameter(str(exc), param_hint="--enterprise") from exc


def _refused(exc: LinkageError) -> typer.Exit:
    """Report a refused request (not a failing store) and exit with 2."""
    err_console.print(f"[red]refused:[/red] {shown(exc)}", soft_wrap=True)
    return typer.Exit(EXIT_INPUT)


def _print_with_explanations(table: Table, listed: Sequence[Restriction]) -> None:
    """The table, then each row's explanation under its number (they are long)."""
    console.print(table)
    for number, item in enumerate(listed, 1):
        console.print(f"{number}. {shown(item.explanation_zh)}", highlight=False)


def _interval(since: date | None, until: date | None) -> str:
    start = since.isoformat() if since else "…"
    end = until.isoformat() if until else "…"
    return f"[{start}, {end})"


# -- propagation ---------------------------------------------------------------------


@app.command(rich_help_panel="Sanctions")
def propagate(
    ctx: typer.Context,
    full: Annotated[
        bool, typer.Option("--full", help="Derive every sanction, not only pending.")
    ] = False,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Derive the restrictions of changed (or, with --full, all) sanctions."""
    from graph import enforcement

    rules = _catalogue(catalogue)
    with opened_store(ctx) as store, progress("propagate", quiet=as_json) as bar:
        bar.stage("deriving restrictions" + (" of every sanction" if full else ""))
        try:
            report = enforcement.propagate(store, rules, full=full)
        except GraphUnavailableError:
            raise
        except LinkageError as exc:
            raise _refused(exc) from exc
    if as_json:
        print_json({"full": full, **_asdict(report)})
    else:
        _print_report(report, full=full)
    for sanction_id, error in report.set_aside:
        err_console.print(f"[red]set aside[/red] {shown(f'{sanction_id}: {error}')}")
    if report.skipped:
        err_console.print(
            "[red]skipped[/red] (type not in the catalogue, left pending): "
            + shown(", ".join(report.skipped))
        )
    if report.skipped or report.set_aside:
        raise typer.Exit(EXIT_INPUT)


def _print_report(report: PropagationReport, *, full: bool) -> None:
    table = Table(title="propagate" + (" --full" if full else ""))
    table.add_column("sanctions derived", justify="right")
    table.add_column("restrictions written", justify="right")
    table.add_column("removed", justify="right")
    table.add_column("seconds", justify="right")
    table.add_row(
        f"{report.sanctions:,}",
        f"{report.restrictions_written:,}",
        f"{report.restrictions_removed:,}",
        f"{report.seconds:.3f}",
    )
    console.print(table)


def _asdict(report: PropagationReport) -> dict[str, Any]:
    return {
        "sanctions": report.sanctions,
        "restrictions_written": report.restrictions_written,
        "restrictions_removed": report.restrictions_removed,
        "seconds": round(report.seconds, 6),
        "skipped": list(report.skipped),
        "set_aside": [{"sanction_id": i, "error": e} for i, e in report.set_aside],
    }


# -- reads -------------------------------------------------------------------------


@app.command(rich_help_panel="Sanctions")
def check(
    ctx: typer.Context,
    person: Annotated[str, typer.Option("--person", help="Resident ID (any form).")],
    role: Annotated[RoleType, typer.Option("--role", help="The role to take.")],
    enterprise: Annotated[
        str, typer.Option("--enterprise", help="Credit code of the enterprise.")
    ],
    on: OnOption = None,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """May the person take the role in the enterprise on the day? Exit 1 if blocked
    or if the store holds no record of the person (never a clearance)."""
    from graph import enforcement

    person_id, code, day = _person(person), _enterprise(enterprise), _day(on)
    rules = _catalogue(catalogue)
    with (
        opened_store(ctx) as store,
        audited(ctx, store, "appointment.check", person_id) as query,
    ):
        answer = enforcement.check_appointment(store, rules, person_id, role, code, day)
        earned = _incentives(store, rules, person_id, day)
        known = store.get_person(person_id) is not None
        query.answered([person_id] if known else [])
    if as_json:
        from api.routes.views import View, check_answer

        print_model(
            check_answer(person_id, known, role, code, day, answer, View.FULL, earned)
        )
    elif not known:
        no_record(
            f"no record held: the store holds no person {mask_id_number(person_id)}, "
            f"so nothing is known of them; this is not a clearance to be "
            f"{role.value} of {code}",
        )
    elif answer.allowed:
        console.print(
            f"[green]allowed[/green]: {mask_id_number(person_id)} may be {role.value} "
            f"of {code} on {day.isoformat()}; no restriction in force bars it",
            highlight=False,
        )
    else:
        table = Table(
            title=f"blocked: {mask_id_number(person_id)} as {role.value} of {code} "
            f"on {day.isoformat()}"
        )
        for column in ("#", "sanction", "measure", "valid", "ends on", "status"):
            table.add_column(column)
        for number, item in enumerate(answer.blocking, 1):
            table.add_row(str(number), *_restriction_cells(item))
        _print_with_explanations(table, answer.blocking)
    if known and not as_json:
        print_incentives(earned, day)
    if not answer.allowed or not known:
        raise typer.Exit(EXIT_NEGATIVE)


@app.command(rich_help_panel="Sanctions")
def restrictions(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Resident ID (any form).")],
    on: OnOption = None,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """The restrictions in force on a person on a day, and why. Exit 1 if the store
    holds no record of the person."""
    from graph import enforcement

    person_id, day = _person(person), _day(on)
    rules = _catalogue(catalogue)
    with (
        opened_store(ctx) as store,
        audited(ctx, store, "person.restrictions", person_id) as query,
    ):
        known = store.get_person(person_id) is not None
        found = enforcement.restrictions_on(store, rules, person_id, day)
        earned = _incentives(store, rules, person_id, day)
        query.answered([person_id] if known else [])
    if as_json:
        from api.routes.views import View, restrictions_answer

        print_model(
            restrictions_answer(person_id, known, day, found, View.FULL, earned)
        )
    elif not known:
        no_record(
            f"no record held: the store holds no person {mask_id_number(person_id)}, "
            "so nothing is known of their restrictions (none found is not none "
            "in force)",
        )
    elif not found:
        console.print(
            f"no restriction in force on {mask_id_number(person_id)} on "
            f"{day.isoformat()} (the store holds this person)"
        )
    else:
        table = Table(
            title=f"restrictions on {mask_id_number(person_id)} as of {day.isoformat()}"
        )
        for column in ("#", "sanction", "measure", "valid", "ends on", "status"):
            table.add_column(column)
        for number, item in enumerate(found, 1):
            table.add_row(str(number), *_restriction_cells(item))
        _print_with_explanations(table, found)
    if known and not as_json:
        print_incentives(earned, day)
    if not known:
        raise typer.Exit(EXIT_NEGATIVE)


def _incentives(
    store: GraphStore, rules: Catalogue, person_id: str, day: date
) -> list[GoodRecord]:
    """The person's good records in force on ``day`` (the incentives catalogue of
    ``CREDLINK_INCENTIVES``, else the packaged example)."""
    from graph.incentives import incentives_on
    from graph.model import EntityKind
    from graph.policy.incentives import configured_incentives

    return incentives_on(
        store, rules, configured_incentives(), EntityKind.PERSON, person_id, day
    )


def print_incentives(earned: Sequence[GoodRecord], day: date) -> None:
    """One line per good record in force: kind, issuing body, until, facilitations."""
    if not earned:
        return
    console.print(f"\nincentives in force on {day.isoformat()} (守信激励):")
    for record in earned:
        kind = record.kind
        assert kind is not None
        assert record.ends_on is not None
        example = " (example catalogue)" if record.example else ""
        console.print(
            f"  {shown(kind.name_zh)} ({shown(record.commendation.authority)}, "
            f"{record.commendation.decided_on.isoformat()}) until before "
            f"{record.ends_on.isoformat()}: "
            + "、".join(shown(f.name_zh) for f in kind.facilitations)
            + example,
            highlight=False,
        )


def _restriction_cells(item: Restriction) -> tuple[str, str, str, str, str]:
    """sanction, measure, valid, ends on, status (with its date and event)."""
    return (
        shown(item.sanction_id),
        item.measure,
        _interval(item.valid_from, item.valid_until),
        ends_text(item),
        status_text(item),
    )


@app.command(rich_help_panel="Sanctions")
def trace(
    ctx: typer.Context,
    sanction_id: Annotated[str, typer.Argument(help="The sanction's id.")],
    on: Annotated[
        datetime | None,
        typer.Option(
            "--on",
            formats=["%Y-%m-%d"],
            help="Only restrictions in force on this date [default: every one the "
            "sanction gave, whatever its dates and status, with its status today].",
            show_default=False,
        ),
    ] = None,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Everyone a sanction reaches, and why. ID numbers are masked in the table."""
    from graph import enforcement

    day = on.date() if on is not None else None
    rules = _catalogue(catalogue)
    with opened_store(ctx) as store:
        try:
            with audited(ctx, store, "sanction.trace", sanction_id) as query:
                reached = enforcement.trace(store, rules, sanction_id, day)
                sanction = store.get_sanction(sanction_id)
                subject = (
                    [sanction.subject_id]
                    if sanction is not None and sanction.subject_kind.value == "person"
                    else []
                )
                query.answered([*subject, *(r.person_id for r in reached)])
            acted = _departments_acted(store, sanction_id)
        except GraphUnavailableError:
            raise
        except LinkageError as exc:
            raise _refused(exc) from exc
    assert sanction is not None  # trace raised otherwise
    if as_json:
        from api.routes.views import View, trace_answer

        print_model(trace_answer(sanction_id, day, reached, View.FULL))
        return
    when = f"in force on {day.isoformat()}" if day else "all restrictions"
    table = Table(
        title=f"{shown(sanction_id)} ({sanction.type}, {sanction.status}) against "
        f"{_subject_text(sanction)}: {when}"
    )
    table.add_column("#")
    table.add_column("person", no_wrap=True, min_width=18)
    for column in ("role", "interval", "measure", "valid", "ends on", "status"):
        table.add_column(column)
    for number, item in enumerate(reached, 1):
        chain = item.chain
        table.add_row(
            str(number),
            mask_id_number(item.person_id),
            chain.role.value if chain.role else "(subject)",
            _interval(chain.role_since, chain.role_until) if chain.role else "",
            item.measure,
            _interval(item.valid_from, item.valid_until),
            ends_text(item),
            status_text(item),
        )
    _print_with_explanations(table, reached)
    for person, reports in sorted(acted.items()):
        done = ", ".join(f"{shown(name)} {outcome.value}" for name, outcome in reports)
        console.print(f"{mask_id_number(person)} acted on by: {done}", highlight=False)


def _departments_acted(
    store: GraphStore, sanction_id: str
) -> dict[str, list[tuple[str, Outcome]]]:
    """Which departments reported on the sanction's events, per person
    (docs/execution.md)."""
    from graph.execution import departments_acted

    names = {key.key_id: key.name for key in store.api_keys()}
    events = []
    after = 0
    while page := store.outbox_events(after=after, limit=10_000):
        events += page
        after = page[-1].seq
    return departments_acted(events, store.feedback(), names, sanction_id)


def _subject_text(sanction: Sanction) -> str:
    if sanction.subject_kind.value == "person":
        return mask_id_number(sanction.subject_id)
    return sanction.subject_id


# -- lifecycle ---------------------------------------------------------------------


def _record(
    ctx: typer.Context,
    event: SanctionEvent,
    catalogue: Path | None,
    *,
    as_json: bool,
) -> None:
    from graph import enforcement

    rules = _catalogue(catalogue)
    with opened_store(ctx) as store:
        try:
            sanction = enforcement.record_event(store, rules, event)
        except GraphUnavailableError:
            raise
        except LinkageError as exc:
            raise _refused(exc) from exc
        recorded = store.sanction_events(event.sanction_id)[-1]
    if as_json:
        print_json(
            {
                "sanction": dataclasses.asdict(sanction),
                "event": {
                    "sanction_id": recorded.sanction_id,
                    "seq": recorded.seq,
                    "kind": recorded.kind,
                    "on": recorded.on,
                    "by": recorded.by,
                    "reason": recorded.reason,
                    "changes": dict(recorded.changes),
                },
            }
        )
        return
    console.print(
        f"{recorded.kind.value} of {shown(sanction.sanction_id)} recorded for "
        f"{recorded.on.isoformat()} (event {recorded.seq}); it is now "
        f"[bold]{sanction.status.value}[/bold]"
    )


def _event(
    sanction_id: str,
    kind: str,
    on: datetime | None,
    by: str,
    reason: str,
    changes: tuple[tuple[str, str], ...] = (),
) -> SanctionEvent:
    from graph.propagation import EventKind, SanctionEvent

    return SanctionEvent(
        sanction_id=sanction_id,
        kind=EventKind(kind),
        on=_day(on),
        by=by.strip(),
        reason=reason.strip(),
        changes=changes,
    )


SanctionArgument = Annotated[str, typer.Argument(help="The sanction's id.")]


@app.command(rich_help_panel="Sanctions")
def repair(
    ctx: typer.Context,
    sanction_id: SanctionArgument,
    by: ByOption,
    reason: ReasonOption,
    on: OnOption = None,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Credit repair (信用修复): the sanction's restrictions end from --on."""
    event = _event(sanction_id, "repair", on, by, reason)
    _record(ctx, event, catalogue, as_json=as_json)


@app.command(name="object", rich_help_panel="Sanctions")
def object_(
    ctx: typer.Context,
    sanction_id: SanctionArgument,
    by: ByOption,
    reason: ReasonOption,
    on: OnOption = None,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Lodge an objection (异议): the sanction is suspended until decided."""
    event = _event(sanction_id, "object", on, by, reason)
    _record(ctx, event, catalogue, as_json=as_json)


@app.command(rich_help_panel="Sanctions")
def decide(
    ctx: typer.Context,
    sanction_id: SanctionArgument,
    by: ByOption,
    reason: ReasonOption,
    upheld: Annotated[
        bool | None,
        typer.Option(
            "--upheld/--rejected",
            help="The objection is upheld (revokes the sanction) or rejected.",
            show_default=False,
        ),
    ] = None,
    on: OnOption = None,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Decide a pending objection: --upheld revokes, --rejected restores."""
    if upheld is None:
        raise typer.BadParameter("give --upheld or --rejected")
    kind = "uphold" if upheld else "reject"
    _record(ctx, _event(sanction_id, kind, on, by, reason), catalogue, as_json=as_json)


@app.command(rich_help_panel="Sanctions")
def correct(
    ctx: typer.Context,
    sanction_id: SanctionArgument,
    by: ByOption,
    reason: ReasonOption,
    changes: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="field=value (repeat); dates ISO, an empty value clears an optional "
            "date. Fields: " + ", ".join(sorted(CORRECTABLE_FIELDS)) + ".",
        ),
    ],
    on: OnOption = None,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Correct the record (更正); its restrictions are derived again at once."""
    pairs: list[tuple[str, str]] = []
    for change in changes:
        field, sep, value = change.partition("=")
        if not sep or not field.strip():
            raise typer.BadParameter(
                f"{change!r} is not field=value", param_hint="--set"
            )
        pairs.append((field.strip(), value))
    event = _event(sanction_id, "correct", on, by, reason, tuple(pairs))
    _record(ctx, event, catalogue, as_json=as_json)
