"""Identity resolution commands: link, candidates, judge, undo, explain.

``judge A B``: A and B are record keys (``source#record_id``, as in
``credlink candidates``) or person ids. A person id may be written in any form of
the number (15 digits, lowercase x, full-width, spaces); a surrogate ``U...`` id
stands for the person's first record. With ``--different``, when A and B share a
number, A (a record) leaves that person for an identity of its own; with
``--same``, a record A that has a number of its own moves to B.
"""

from __future__ import annotations

import dataclasses
import gc
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
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
from api.keys import person_key
from graph.errors import (
    EntityNotFoundError,
    InvalidIdentifierError,
    LinkageError,
    LinkLeaseHeldError,
)
from graph.model import (
    EntityKind,
    Judgement,
    JudgementRecord,
)
from graph.store import GraphStore
from linkage.ids import normalize_resident_id
from linkage.records import link_record_from_source
from linkage.resolve import link_store, resolve
from loaders.rows import roles_of_record

# `credlink link` refused: another link holds the store's lease (the command's own
# "no", as in api/cli.py; 2 is bad input, 3 a failing store)
_EXIT_BUSY = 1


@app.command(rich_help_panel="Identities")
def link(
    ctx: typer.Context,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Resolve every person record again, not only the neighbourhood "
            "of those written or deleted since the last link.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Resolve the person records in the store under its judgements; summarise.

    Incremental once the store was linked in full: only the records written or
    deleted since, and their neighbourhood, are read and resolved. One link runs
    at a time: while another holds the store's link lease, this one exits with 1
    and says who holds it since when.
    """
    # Linking creates millions of acyclic objects: the cyclic collector would only
    # rescan them (about a third more CPU time at 1M records).
    gc.disable()
    try:
        with opened_store(ctx) as store:
            report = link_store(store, roles_of=roles_of_record, full=full)
    except LinkLeaseHeldError as exc:
        err_console.print(f"[red]refused:[/red] {escape(str(exc))}")
        raise typer.Exit(_EXIT_BUSY) from exc
    finally:
        gc.enable()
    if as_json:
        print_json(report)
        return
    table = Table(
        title=f"linked ({report.mode.value}) in {report.seconds:.1f} s: "
        f"{report.considered:,} records considered, {report.pending:,} pending"
        + (
            f", {report.deferred:,} written meanwhile (linked next run)"
            if report.deferred
            else ""
        )
    )
    table.add_column("")
    table.add_column("count", justify="right")
    for name, value in dataclasses.asdict(report.summary).items():
        table.add_row(name.replace("_", " "), f"{value:,}")
    table.add_row("records moved", f"{report.moved:,}")
    table.add_row("store writes", f"{report.writes:,}")
    console.print(table)


@app.command(rich_help_panel="Identities")
def candidates(
    ctx: typer.Context,
    record: Annotated[
        str | None, typer.Option(help="Only this record (source#record_id).")
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Candidates shown per record.")] = 3,
    as_json: JsonOption = False,
) -> None:
    """The review queue: records without a usable number and who they may be."""
    audit(ctx, "candidates", record or "*")
    with opened_store(ctx) as store:
        queue = [c for c in store.candidates(record) if c.rank <= top]
        names = {
            key: _record_summary(store, key) for key in {c.record_key for c in queue}
        }
    if as_json:
        print_json(
            [{**dataclasses.asdict(c), "record": names[c.record_key]} for c in queue]
        )
        return
    table = Table(title=f"review queue ({len(names):,} records)")
    for column in ("record", "name / number", "rank", "candidate", "score", "rule"):
        table.add_column(column)
    for c in queue:
        summary = names[c.record_key]
        table.add_row(
            shown(c.record_key) if c.rank == 1 else "",
            shown(f"{summary['name']} {summary['id_number']}") if c.rank == 1 else "",
            str(c.rank),
            shown(c.target),
            f"{c.score:.2f}",
            c.rule.value,
        )
    console.print(table)


def _record_summary(store: GraphStore, key: str) -> dict[str, str]:
    source, _, record_id = key.rpartition("#")
    found = store.get_source_record(source, record_id)
    raw = found.raw_dict() if found else {}
    return {"name": raw.get("name", ""), "id_number": raw.get("id_number", "")}


def _endpoint(store: GraphStore, value: str) -> str:
    """A record key as given, or the canonical person id of any spelling."""
    if "#" in value:
        source, _, record_id = value.rpartition("#")
        if store.get_source_record(source, record_id) is None:
            raise EntityNotFoundError("source record", value)
        return value
    text = value.strip()
    if text[:1].upper() == "U":
        records = store.source_records_of(EntityKind.PERSON, text.upper())
        if not records:
            raise EntityNotFoundError("person", text)
        return records[0].key
    return normalize_resident_id(text)


@app.command(rich_help_panel="Identities")
def judge(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="Record key or person id.")],
    b: Annotated[str, typer.Argument(help="Record key or person id.")],
    by: Annotated[str, typer.Option("--by", help="Who judges.")],
    same: Annotated[bool, typer.Option("--same", help="One person.")] = False,
    different: Annotated[
        bool, typer.Option("--different", help="Two persons.")
    ] = False,
    unsure: Annotated[bool, typer.Option("--unsure", help="Cannot tell.")] = False,
    reason: Annotated[str, typer.Option(help="Why.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Record a judgement on A and B; the next `credlink link` applies it."""
    verdicts = [
        v
        for v, chosen in (
            (Judgement.SAME, same),
            (Judgement.DIFFERENT, different),
            (Judgement.UNSURE, unsure),
        )
        if chosen
    ]
    if len(verdicts) != 1:
        raise typer.BadParameter("give exactly one of --same, --different, --unsure")
    if not by.strip():
        raise typer.BadParameter("--by names who judges", param_hint="--by")
    with opened_store(ctx) as store:
        try:
            left, right = _endpoint(store, a), _endpoint(store, b)
        except LinkageError as exc:
            raise typer.BadParameter(str(exc)) from exc
        if left == right:
            raise typer.BadParameter("A and B are the same record or person")
        judgement = JudgementRecord(
            judgement_id=f"J{uuid.uuid4().hex[:12]}",
            a=left,
            b=right,
            verdict=verdicts[0],
            by=by.strip(),
            at=datetime.now(UTC),
            reason=reason,
        )
        store.record_judgement(judgement)
    if as_json:
        print_json(judgement)
        return
    console.print(
        f"judgement {judgement.judgement_id}: {shown(left)} "
        f"{judgement.verdict.value} {shown(right)}; run `credlink link` to apply it"
    )


@app.command(rich_help_panel="Identities")
def undo(
    ctx: typer.Context,
    judgement_id: Annotated[str, typer.Argument(help="Judgement id (J...).")],
    by: Annotated[str, typer.Option("--by", help="Who undoes it.")],
    as_json: JsonOption = False,
) -> None:
    """Undo a judgement (it stays on record); the next `credlink link` applies it."""
    with opened_store(ctx) as store:
        try:
            undone = store.undo_judgement(judgement_id, by, datetime.now(UTC))
        except EntityNotFoundError as exc:
            raise typer.BadParameter(str(exc), param_hint="JUDGEMENT_ID") from exc
    if as_json:
        print_json(undone)
        return
    console.print(
        f"judgement {shown(undone.judgement_id)} undone by {shown(undone.undone_by)}"
    )


@app.command(rich_help_panel="Identities")
def explain(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Person id, any form of the number.")],
    as_json: JsonOption = False,
) -> None:
    """Why a person is who they are: records, rules, judgements, conflicts, roles."""
    try:
        person_id = person_key(person)
    except InvalidIdentifierError as exc:
        raise typer.BadParameter(str(exc), param_hint="PERSON") from exc
    audit(ctx, "explain", person_id)
    with opened_store(ctx) as store:
        found = store.get_person(person_id)
        if found is None:
            raise typer.BadParameter(f"no person {person_id}", param_hint="PERSON")
        records = store.source_records_of(EntityKind.PERSON, person_id)
        judgements = store.judgements()
        keys = {r.key for r in records}
        relevant = [j for j in judgements if {j.a, j.b} & (keys | {person_id})]
        identity = resolve(
            [link_record_from_source(r) for r in records], relevant
        ).identities.get(person_id)
        explanation: dict[str, Any] = {
            "person": found,
            "records": [
                {
                    "key": r.key,
                    "source": r.source,
                    "record_id": r.record_id,
                    "raw": r.raw_dict(),
                }
                for r in records
            ],
            "rules": list(identity.rules) if identity else [],
            "evidence": list(identity.evidence) if identity else [],
            "judgements": relevant,
            "conflicts": store.conflicts(person_id),
            "proposed_for": [c for c in store.candidates() if c.target == person_id],
            "roles": store.neighbours(EntityKind.PERSON, person_id),
        }
    if as_json:
        print_json(explanation)
        return
    console.print(
        f"[bold]{found.person_id}[/bold] {shown(found.name)}"
        + (f" (also {shown(', '.join(found.aliases))})" if found.aliases else "")
    )
    for line in explanation["evidence"]:
        console.print(f"  {shown(line)}")
    for r in records:
        console.print(f"  record {shown(r.key)}: {shown(r.raw_dict())}")
    for conflict in explanation["conflicts"]:
        console.print(
            f"  [red]conflict[/red] {shown(conflict.record_key)}: "
            f"{shown(conflict.detail)}"
        )
    for c in explanation["proposed_for"]:
        console.print(
            f"  candidate {shown(c.record_key)} (score {c.score:.2f}, {c.rule})"
        )
    for role in explanation["roles"]:
        console.print(f"  role {role.role.value} in {role.credit_code}")
