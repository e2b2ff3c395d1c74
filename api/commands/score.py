"""``credlink score``: a person's credit score and grade as of a day under the
evaluation rules (an example set by default), each point explained."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from api.console import (
    JsonOption,
    app,
    audited,
    console,
    opened_store,
    print_json,
    shown,
)
from graph.errors import LinkageError


@app.command(rich_help_panel="Sanctions")
def score(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Resident ID (any form).")],
    on: Annotated[
        datetime | None,
        typer.Option(
            "--on",
            formats=["%Y-%m-%d"],
            help="As of this date (YYYY-MM-DD) [default: today].",
            show_default=False,
        ),
    ] = None,
    rules_file: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            envvar="CREDLINK_EVALUATION",
            help="Evaluation rules [default: the packaged example].",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A person's credit score and grade on a day, and every point behind it.
    Computed only from the records, restrictions and repairs the catalogue
    governs; a record past its display period or repaired stops counting."""
    from api.keys import person_key
    from api.report.facts import gather_facts
    from graph.evaluation import evaluate
    from graph.policy.catalogue import load_catalogue
    from graph.policy.evaluation import load_evaluation

    try:
        person_id = person_key(person)
    except LinkageError as exc:
        raise typer.BadParameter(str(exc), param_hint="person") from exc
    day: date = on.date() if on is not None else date.today()
    rules = load_evaluation(rules_file)
    catalogue = load_catalogue()
    with (
        opened_store(ctx) as store,
        audited(ctx, store, "score.read", person_id) as query,
    ):
        facts = gather_facts(
            store, catalogue, (), person_id, day, report_id="", generated_at=""
        )
        found = evaluate(
            [(s.sanction, s.rule, s.events) for s in facts.sanctions],
            facts.restrictions,
            rules,
            day,
        )
        query.answered([person_id])
    if as_json:
        print_json(dataclasses.asdict(found))
        return
    example = "（示例规则 example rules）" if found.example else ""
    console.print(
        f"score {found.score} grade {found.grade} {shown(found.grade_name_zh)} on "
        f"{day.isoformat()} under {shown(found.rules_name)}{example}; "
        f"base {found.base}",
        highlight=False,
    )
    for point in found.points:
        console.print(
            f"{point.points:+d} {point.indicator}: {shown(point.reason_zh)}",
            highlight=False,
        )
