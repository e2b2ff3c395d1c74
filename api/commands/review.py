"""``credlink review``: the review queue at a terminal, one pair at a time.

Each pair is a record awaiting review and one of its candidates (a known person or
another record), side by side; the reviewer answers same, different, unsure or
skip, and each answer but skip is recorded as a judgement at once (the next
``credlink link`` applies them). A "same" settles the record: its lower-ranked
candidates are not asked. ID numbers are masked as in every table.
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api.commands.linkage import ShownCandidate, persons_in, review_queue
from api.console import EXIT_INPUT, app, audited, console, err_console, opened_store
from api.masking import mask_id_number, mask_id_numbers_in
from graph.model import Judgement, JudgementRecord

_ANSWERS = {
    "s": Judgement.SAME,
    "d": Judgement.DIFFERENT,
    "u": Judgement.UNSURE,
}
_PROMPT = "[s]ame  [d]ifferent  [u]nsure  s[k]ip  [q]uit > "


@app.command(rich_help_panel="Identities")
def review(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="Who judges (recorded).")],
    top: Annotated[int, typer.Option(min=1, help="Candidates asked per record.")] = 3,
    record: Annotated[
        str | None, typer.Option(help="Only this record (source#record_id).")
    ] = None,
) -> None:
    """Judge the review queue pair by pair at a terminal (same/different/unsure)."""
    if not by.strip():
        raise typer.BadParameter("--by names who judges", param_hint="--by")
    if not sys.stdin.isatty():
        err_console.print(
            "[red]error:[/red] credlink review needs a terminal; in a script use "
            "`credlink candidates --json` and `credlink judge`",
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_INPUT)
    recorded = skipped = 0
    with opened_store(ctx) as store:
        with audited(ctx, store, "linkage.candidates", record or "*") as query:
            queue = review_queue(store, record, top, None, 1, quiet=True)
            query.answered(persons_in(queue))
        pairs = sum(len(item.candidates) for item in queue.items)
        console.print(
            f"{len(queue.items):,} records await review ({pairs:,} pairs)",
            highlight=False,
        )
        for number, item in enumerate(queue.items, 1):
            for shown in item.candidates:
                _show_pair(
                    number, len(queue.items), item.record_key, item.summary, shown
                )
                answer = _ask()
                if answer == "q":
                    _summary(recorded, skipped)
                    return
                if answer == "k":
                    skipped += 1
                    continue
                verdict = _ANSWERS[answer]
                store.record_judgement(
                    JudgementRecord(
                        judgement_id=f"J{uuid.uuid4().hex[:12]}",
                        a=item.record_key,
                        b=shown.candidate.target,
                        verdict=verdict,
                        by=by.strip(),
                        at=datetime.now(UTC),
                        reason="credlink review",
                    )
                )
                recorded += 1
                console.print(f"recorded: {verdict.value}", highlight=False)
                if verdict is Judgement.SAME:
                    break  # the record is settled
    _summary(recorded, skipped)


def _show_pair(
    number: int,
    count: int,
    record_key: str,
    summary: dict[str, str],
    shown: ShownCandidate,
) -> None:
    candidate = shown.candidate
    table = Table(
        title=f"record {number} of {count}, candidate {candidate.rank} "
        f"(score {candidate.score:.2f}, {candidate.rule.value})",
        show_header=True,
    )
    table.add_column("")
    table.add_column("record")
    table.add_column("candidate")
    number_of_target = (
        "" if candidate.target_is_record else mask_id_number(candidate.target)
    )
    own_number = summary["id_number"]
    table.add_row("key", escape(record_key), escape(shown.record_key))
    table.add_row("name", escape(summary["name"]), escape(shown.name))
    table.add_row(
        "number",
        escape(mask_id_number(own_number) if own_number else ""),
        escape(number_of_target),
    )
    console.print(table)
    for reason in candidate.reasons:
        console.print(f"  - {escape(mask_id_numbers_in(reason))}", highlight=False)


def _ask() -> str:
    """One answer: s, d, u, k or q (end of input quits)."""
    while True:
        try:
            answer = input(_PROMPT).strip().lower()
        except EOFError:
            return "q"
        if answer in ("s", "d", "u", "k", "q"):
            return answer
        console.print("answer s, d, u, k or q", highlight=False)


def _summary(recorded: int, skipped: int) -> None:
    console.print(
        f"{recorded:,} judgements recorded, {skipped:,} pairs skipped; run "
        "`credlink link` to apply them",
        highlight=False,
    )
