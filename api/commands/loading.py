"""Commands that bring data in: ``load``, ``generate`` and ``demo``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.console import (
    JsonOption,
    app,
    console,
    err_console,
    opened_store,
    print_json,
    shown,
)
from api.masking import mask_id_number
from graph.enforcement import propagate, restrictions_on
from graph.errors import InvalidRecordError
from graph.policy.catalogue import load_catalogue
from linkage.resolve import link_store
from loaders.generator import REFERENCE_DATE
from loaders.generator import generate as generate_registry
from loaders.pipeline import MAX_QUARANTINED_ROWS, LoadReport, load_folder
from loaders.rows import roles_of_record

if TYPE_CHECKING:
    from datetime import date

    from graph.policy.catalogue import Catalogue
    from graph.propagation import Restriction
    from graph.store import GraphStore

DEMO_PERSONS = 2000
DEMO_ENTERPRISES = 600
DEMO_SEED = 2026


def _load_with_progress(
    path: Path, ctx: typer.Context, *, strict: bool, batch_size: int,
    quarantine: Path | None, show: bool, max_quarantined: int = MAX_QUARANTINED_ROWS,
) -> LoadReport:  # fmt: skip
    with (
        opened_store(ctx) as store,
        Progress(
            SpinnerColumn(),
            TextColumn("loading {task.fields[path]}"),
            TextColumn("{task.completed:,.0f} rows"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not show,
        ) as progress,
    ):
        task = progress.add_task("load", total=None, path=shown(path), rate="")

        def advance(rows: int) -> None:
            speed = progress.tasks[task].speed
            rate = f"{speed:,.0f} rows/s" if speed else ""
            progress.update(task, completed=rows, rate=rate)

        return load_folder(
            path,
            store,
            strict=strict,
            batch_size=batch_size,
            quarantine_dir=quarantine,
            progress=advance,
            max_quarantined=max_quarantined,
        )


def _report_table(report: LoadReport, *, names_only: bool = False) -> Table:
    table = Table(title="load")
    for column in ("file", "read", "loaded", "quarantined"):
        table.add_column(column, justify="left" if column == "file" else "right")
    for file in report.files:
        name = file.path.name if names_only else str(file.path)
        counts = (file.read, file.loaded, file.quarantined)
        table.add_row(shown(name), *(f"{count:,}" for count in counts))
    return table


@app.command(rich_help_panel="Data")
def load(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="Folder (searched recursively) or a single file.")
    ],
    strict: Annotated[
        bool, typer.Option(help="Stop at the first row that cannot be loaded.")
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per write.")] = 5000,
    quarantine: Annotated[
        Path | None,
        typer.Option(help="Where rejected rows go [default: PATH/quarantine]."),
    ] = None,
    max_quarantined: Annotated[
        int,
        typer.Option(
            min=1,
            help="Rows of one file quarantined one by one; the rest of a file that "
            "rejects more is quarantined as one block with the count.",
        ),
    ] = MAX_QUARANTINED_ROWS,
    as_json: JsonOption = False,
) -> None:
    """Load persons, enterprises, roles and sanctions files; every row is counted.

    Each file is reported as read = loaded + quarantined. Loading is idempotent
    and resumable: run it again after an interruption.
    """
    if not path.exists():
        raise typer.BadParameter(f"{path} does not exist", param_hint="PATH")
    try:
        report = _load_with_progress(
            path, ctx, strict=strict, batch_size=batch_size, quarantine=quarantine,
            show=not as_json, max_quarantined=max_quarantined,
        )  # fmt: skip
    except InvalidRecordError as exc:
        err_console.print(f"[red]strict load stopped:[/red] {shown(exc)}")
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(report.to_json())
        return
    console.print(_report_table(report))
    for quarantined in report.quarantine_files:
        console.print(f"rejected rows with their reasons: {shown(quarantined)}")


@app.command(rich_help_panel="Data")
def generate(
    persons: Annotated[int, typer.Option(min=1, help="True persons.")] = 1000,
    enterprises: Annotated[int, typer.Option(min=1, help="Enterprises.")] = 300,
    seed: Annotated[int, typer.Option(help="Same seed, byte-identical files.")] = 1,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("registry"),
    as_json: JsonOption = False,
) -> None:
    """Write a realistic synthetic registry with ground truth (no real persons)."""
    try:
        summary = generate_registry(
            out, persons=persons, enterprises=enterprises, seed=seed
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    rows = summary.rows_by_file()
    if as_json:
        print_json({"out": str(out), "files": rows})
        return
    table = Table(title=f"generated into {out}")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, count in rows.items():
        table.add_row(name, f"{count:,}")
    console.print(table)


@app.command(rich_help_panel="Data")
def demo(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Generate a registry, load, link and propagate it; show explained restrictions.

    Runs on the chosen store (default ./credlink.db). The registry is synthetic:
    no real person is in it. ID numbers are masked in the output.
    """
    day = REFERENCE_DATE
    catalogue = load_catalogue()
    with tempfile.TemporaryDirectory(prefix="credlink-demo-") as folder:
        registry = Path(folder)
        generate_registry(
            registry, persons=DEMO_PERSONS, enterprises=DEMO_ENTERPRISES, seed=DEMO_SEED
        )
        report = _load_with_progress(
            registry, ctx, strict=False, batch_size=5000, quarantine=None,
            show=not as_json,
        )  # fmt: skip
    with opened_store(ctx) as store:
        linked = link_store(store, roles_of=roles_of_record)
        propagated = propagate(store, catalogue)
        sample = _sample_restrictions(store, catalogue, day)
        counts = store.counts()
        location = store.location
    loaded = {
        file.path.name: {
            "read": file.read, "loaded": file.loaded, "quarantined": file.quarantined
        }
        for file in report.files
    }  # fmt: skip
    if as_json:
        print_json(
            {
                "store": location,
                "files": loaded,
                "counts": counts,
                "linkage": linked.summary,
                "propagation": propagated,
                "on": day,
                "restrictions": [_demo_json(r) for r in sample],
            }
        )
        return
    console.print(
        f"Generated a registry of {DEMO_PERSONS} persons and {DEMO_ENTERPRISES} "
        f"enterprises (seed {DEMO_SEED}) and loaded it into {location}."
    )
    console.print(_report_table(report, names_only=True))
    table = Table(title="the store now holds")
    table.add_column("kind")
    table.add_column("count", justify="right")
    for name in ("persons", "enterprises", "roles", "sanctions", "source_records"):
        table.add_row(name.replace("_", " "), f"{getattr(counts, name):,}")
    console.print(table)
    summary = linked.summary
    console.print(
        f"Linked {summary.records:,} person records into {summary.identities:,} "
        f"identities ({summary.merged:,} of them from several records); "
        f"{summary.records_with_candidates:,} records await review with candidates, "
        f"{summary.conflicts:,} conflicts are flagged."
    )
    console.print(
        f"Propagated {propagated.sanctions:,} sanctions into "
        f"{propagated.restrictions_written:,} restrictions on responsible persons."
    )
    console.print(f"\nA few restrictions in force on {day.isoformat()}:")
    for restriction in sample:
        person = mask_id_number(restriction.person_id)
        console.print(
            f"\n[bold]{person}[/bold] — {restriction.measure} "
            f"until {restriction.valid_until.isoformat()}"
        )
        console.print(f"  {shown(restriction.explanation_zh)}")
        console.print(f"  {shown(restriction.explanation_en)}", style="dim")
    barred = next((r for r in sample if r.bars), None)
    if barred is not None:
        role = barred.bars[0]
        console.print(
            f"\nSo an appointment of {mask_id_number(barred.person_id)} as "
            f"{role.value} is blocked on {day.isoformat()} until "
            f"{barred.valid_until.isoformat()}. Everyone that sanction reaches, "
            f"and why:\n  credlink trace {shown(barred.sanction_id)} "
            f"--on {day.isoformat()}"
        )


def _sample_restrictions(
    store: GraphStore, catalogue: Catalogue, day: date, wanted: int = 3
) -> list[Restriction]:
    """Up to ``wanted`` restrictions in force on ``day``, from distinct sanctions.

    National rules before examples, appointment bars before other measures, and
    restrictions that reached a person through a role before direct ones.
    """
    people = sorted({fact.person_id for fact in store.restriction_facts(on=day)})
    in_force = [
        restriction
        for person_id in people[:200]
        for restriction in restrictions_on(store, catalogue, person_id, day)
    ]
    in_force.sort(
        key=lambda r: (r.example, not r.bars, r.chain.role is None, r.restriction_id)
    )
    chosen: list[Restriction] = []
    for restriction in in_force:
        if all(r.sanction_id != restriction.sanction_id for r in chosen):
            chosen.append(restriction)
    return chosen[:wanted]


def _demo_json(restriction: Restriction) -> dict[str, object]:
    return {
        "person": mask_id_number(restriction.person_id),
        "sanction_id": restriction.sanction_id,
        "measure": restriction.measure,
        "valid_from": restriction.valid_from,
        "valid_until": restriction.valid_until,
        "explanation": restriction.explanation_zh,
        "explanation_en": restriction.explanation_en,
    }
