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
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from api.console import (
    EXIT_NEGATIVE,
    JsonOption,
    app,
    audited,
    console,
    err_console,
    not_held,
    opened_store,
    print_json,
    shown,
)
from api.keys import is_person_key, person_key
from api.masking import mask_id_number, mask_id_numbers_in
from api.progress import progress
from graph.errors import (
    EntityNotFoundError,
    InvalidIdentifierError,
    LinkageError,
    LinkLeaseHeldError,
)
from graph.model import (
    Candidate,
    EntityKind,
    Judgement,
    JudgementRecord,
)
from linkage.ids import normalize_resident_id

# Linkage (names: pypinyin, opencc) loads inside the commands that link.
if TYPE_CHECKING:
    from graph.store import GraphStore


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
        with opened_store(ctx) as store, progress("link", quiet=as_json) as bar:
            from linkage.link_store import LinkStep, link_store
            from loaders.rows import roles_of_record

            stages = {
                LinkStep.RESOLVED: "writing what changed",
                LinkStep.WRITTEN: "saving the link states",
            }
            bar.stage("reading and resolving records")
            report = link_store(
                store,
                roles_of=roles_of_record,
                full=full,
                checkpoint=lambda step: bar.stage(stages[step]),
            )
    except LinkLeaseHeldError as exc:
        err_console.print(f"[red]refused:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(EXIT_NEGATIVE) from exc  # another link runs
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
    limit: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Records per page [default: 20 in the table, all with --json].",
            show_default=False,
        ),
    ] = None,
    page: Annotated[int, typer.Option(min=1, help="Which page of records.")] = 1,
    as_json: JsonOption = False,
) -> None:
    """The review queue: records without a usable number and who they may be.

    The table masks ID numbers as every table does; each candidate person is also
    given by one of its record keys, which `credlink judge` and `credlink review`
    take as they are. `--json` gives the full keys.
    """
    per_page = limit if limit is not None else (None if as_json else _PAGE)
    with (
        opened_store(ctx) as store,
        audited(ctx, store, "linkage.candidates", record or "*") as query,
    ):
        queue = review_queue(store, record, top, per_page, page, quiet=as_json)
        query.answered(persons_in(queue))
    if as_json:
        print_json(
            [
                {
                    **dataclasses.asdict(c.candidate),
                    "record": item.summary,
                    "target_name": c.name,
                    "target_record": c.record_key,
                }
                for item in queue.items
                for c in item.candidates
            ]
        )
        return
    first = (page - 1) * (per_page or 0) + 1
    last = first + len(queue.items) - 1
    # Lines, not a table: record keys and reasons are never cut at any width.
    console.print(
        f"[bold]review queue[/bold]: records {first:,}-{last:,} of {queue.total:,}"
    )
    for item in queue.items:
        console.print(
            f"\n[bold]{escape(item.record_key)}[/bold]  "
            f"{escape(_summary_text(item.summary))}",
            soft_wrap=True,
            highlight=False,
        )
        for c in item.candidates:
            reasons = mask_id_numbers_in(
                "; ".join((c.candidate.rule.value, *c.candidate.reasons))
            )
            console.print(
                f"  {c.candidate.rank}. {c.candidate.score:.2f}  "
                f"{escape(_target_text(c))}  {escape(c.name)}  ({escape(reasons)})",
                soft_wrap=True,
                highlight=False,
            )
    if per_page is not None and last < queue.total:
        console.print(f"next page: --page {page + 1} (or `credlink review`)")


_PAGE = 20


@dataclasses.dataclass(frozen=True, slots=True)
class ShownCandidate:
    """A candidate with what a reviewer needs: the name, and a record key that
    names it without its ID number."""

    candidate: Candidate
    name: str
    record_key: str


@dataclasses.dataclass(frozen=True, slots=True)
class QueueItem:
    """A record awaiting review, what it says, and its candidates by rank."""

    record_key: str
    summary: dict[str, str]
    candidates: list[ShownCandidate]


@dataclasses.dataclass(frozen=True, slots=True)
class Queue:
    """One page of the review queue, and how many records it holds in all."""

    items: list[QueueItem]
    total: int


def review_queue(
    store: GraphStore,
    record: str | None,
    top: int,
    limit: int | None,
    page: int,
    *,
    quiet: bool,
) -> Queue:
    """The page of the review queue, with names, read with progress."""
    ranked = [c for c in store.candidates(record) if c.rank <= top]
    keys = list(dict.fromkeys(c.record_key for c in ranked))
    chosen = keys if limit is None else keys[(page - 1) * limit : page * limit]
    wanted = set(chosen)
    by_record: dict[str, list[Candidate]] = {}
    for c in ranked:
        if c.record_key in wanted:
            by_record.setdefault(c.record_key, []).append(c)
    items: list[QueueItem] = []
    with progress("candidates", "records", quiet=quiet) as bar:
        for done, key in enumerate(chosen, 1):
            shown = [_shown_candidate(store, c) for c in by_record[key]]
            items.append(QueueItem(key, _record_summary(store, key), shown))
            bar.update(done, len(chosen))
    return Queue(items, len(keys))


def persons_in(queue: Queue) -> list[str]:
    """Every person a page of the review queue names: the records' stated numbers
    and the candidate persons."""
    persons: list[str] = []
    for item in queue.items:
        number = item.summary.get("id_number", "")
        if number:
            persons.append(number)
        persons.extend(
            c.candidate.target
            for c in item.candidates
            if is_person_key(c.candidate.target)
        )
    return persons


def _shown_candidate(store: GraphStore, candidate: Candidate) -> ShownCandidate:
    if candidate.target_is_record:
        name = _record_summary(store, candidate.target)["name"]
        return ShownCandidate(candidate, name, candidate.target)
    person = store.get_person(candidate.target)
    records = store.source_records_of(EntityKind.PERSON, candidate.target)
    return ShownCandidate(
        candidate,
        person.name if person is not None else "",
        records[0].key if records else candidate.target,
    )


def _summary_text(summary: dict[str, str]) -> str:
    number = summary["id_number"]
    return f"{summary['name']} {mask_id_number(number) if number else ''}".strip()


def _target_text(shown: ShownCandidate) -> str:
    """A record key as it is; a person as masked number and a record key."""
    if shown.candidate.target_is_record:
        return shown.record_key
    return f"{mask_id_number(shown.candidate.target)} {shown.record_key}"


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
    with (
        opened_store(ctx) as store,
        audited(ctx, store, "person.explain", person_id) as query,
    ):
        found = store.get_person(person_id)
        if found is None:
            raise not_held("person", person_id, as_json=as_json)
        query.answered([person_id])
        records = store.source_records_of(EntityKind.PERSON, person_id)
        judgements = store.judgements()
        keys = {r.key for r in records}
        relevant = [j for j in judgements if {j.a, j.b} & (keys | {person_id})]
        from linkage.records import link_record_from_source
        from linkage.resolver import resolve

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
        fields = "; ".join(f"{k}={v}" for k, v in r.raw_dict().items() if v)
        console.print(f"  record {escape(r.key)}: {escape(fields)}", highlight=False)
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
