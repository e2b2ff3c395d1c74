"""Commands that bring data in: ``load``, ``generate`` and ``demo``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api.console import (
    EXIT_INPUT,
    JsonOption,
    app,
    console,
    err_console,
    opened_store,
    print_json,
    shown,
)
from api.masking import mask_id_number
from api.progress import progress
from graph.errors import InvalidRecordError

# Loaders (openpyxl), linkage (pypinyin) and the generator load inside the
# commands: `credlink --help` is fast.
if TYPE_CHECKING:
    from datetime import date

    from graph.policy.catalogue import Catalogue
    from graph.propagation import Restriction
    from graph.store import GraphStore
    from loaders.pipeline import LoadReport

MAX_QUARANTINED_ROWS = 10_000  # loaders.pipeline's default, without importing it
DEMO_PERSONS = 2000
DEMO_ENTERPRISES = 600
DEMO_SEED = 2026


def _load_with_progress(
    path: Path, ctx: typer.Context, *, strict: bool, batch_size: int,
    quarantine: Path | None, quiet: bool, max_quarantined: int = MAX_QUARANTINED_ROWS,
    reference: bool = False,
) -> LoadReport:  # fmt: skip
    from loaders.pipeline import load_folder
    from loaders.readers import discover_inputs, estimate_rows

    total = estimate_rows(discover_inputs(path)) if path.exists() else None
    with opened_store(ctx, create=True) as store, progress("load", quiet=quiet) as bar:
        bar.update(0, total)
        return load_folder(
            path,
            store,
            strict=strict,
            batch_size=batch_size,
            quarantine_dir=quarantine,
            progress=bar.update,
            max_quarantined=max_quarantined,
            reference=reference,
        )


def _report_table(report: LoadReport, *, names_only: bool = False) -> Table:
    table = Table(title="load")
    for column in ("file", "read", "loaded", "quarantined"):
        table.add_column(column, justify="left" if column == "file" else "right")
    for file in report.files:
        name = file.path.name if names_only else str(file.path)
        counts = (file.read, file.loaded, file.quarantined)
        table.add_row(name, *(f"{count:,}" for count in counts))
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
    reference: Annotated[
        bool,
        typer.Option(
            "--reference",
            help="Read every row by the per-row reference path (no fast path for "
            "plain CSV files); same result, slower.",
        ),
    ] = False,
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
            quiet=as_json, max_quarantined=max_quarantined, reference=reference,
        )  # fmt: skip
    except InvalidRecordError as exc:
        err_console.print(
            f"[red]strict load stopped:[/red] {shown(exc)}", soft_wrap=True
        )
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(report.to_json())
    else:
        if report.files:
            console.print(_report_table(report))
        for quarantined in report.quarantine_files:
            console.print(f"rejected rows with their reasons: {shown(quarantined)}")
    _say_what_was_not_loaded(report)
    if report.failed:
        raise typer.Exit(EXIT_INPUT)


def _say_what_was_not_loaded(report: LoadReport) -> None:
    """Skipped and refused files, and a load that loaded nothing, on stderr."""
    for skipped in report.skipped:
        err_console.print(
            f"[yellow]skipped[/yellow] {escape(str(skipped.path))}: "
            f"{escape(skipped.reason)}",
            soft_wrap=True,
        )
    for refused in report.refused:
        err_console.print(
            f"[red]not loaded[/red] {escape(str(refused.path))}: "
            f"{escape(refused.reason)}",
            soft_wrap=True,
        )
    from loaders.readers import expected_names

    if not report.files and not report.refused:
        err_console.print(
            f"[red]error:[/red] no input file found: expected names "
            f"{escape(expected_names())}",
            soft_wrap=True,
        )
    elif report.files and report.loaded == 0 and report.read > 0:
        err_console.print(
            f"[red]error:[/red] every one of the {report.read:,} rows read was "
            "quarantined; nothing was loaded",
            soft_wrap=True,
        )


@app.command(rich_help_panel="Data")
def generate(
    persons: Annotated[int, typer.Option(min=1, help="True persons.")] = 1000,
    enterprises: Annotated[int, typer.Option(min=1, help="Enterprises.")] = 300,
    seed: Annotated[int, typer.Option(help="Same seed, byte-identical files.")] = 1,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("registry"),
    as_json: JsonOption = False,
) -> None:
    """Write a realistic synthetic registry with ground truth (no real persons)."""
    from loaders.generator import generate as generate_registry

    try:
        with progress("generate", "persons and enterprises", quiet=as_json) as bar:
            summary = generate_registry(
                out,
                persons=persons,
                enterprises=enterprises,
                seed=seed,
                progress=bar.update,
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
    from graph.enforcement import propagate
    from graph.policy.catalogue import load_catalogue
    from linkage.link_store import link_store
    from loaders.generator import REFERENCE_DATE
    from loaders.generator import generate as generate_registry
    from loaders.rows import roles_of_record

    day = REFERENCE_DATE
    catalogue = load_catalogue()
    with tempfile.TemporaryDirectory(prefix="credlink-demo-") as folder:
        registry = Path(folder)
        with progress("generate", "persons and enterprises", quiet=as_json) as bar:
            generate_registry(
                registry,
                persons=DEMO_PERSONS,
                enterprises=DEMO_ENTERPRISES,
                seed=DEMO_SEED,
                progress=bar.update,
            )
        report = _load_with_progress(
            registry, ctx, strict=False, batch_size=5000, quarantine=None,
            quiet=as_json,
        )  # fmt: skip
    with opened_store(ctx) as store:
        with progress("link", quiet=as_json) as bar:
            bar.stage("resolving identities")
            linked = link_store(store, roles_of=roles_of_record)
        with progress("propagate", quiet=as_json) as bar:
            bar.stage("deriving restrictions")
            propagated = propagate(store, catalogue)
        sample = _sample_restrictions(store, catalogue, day)
        counts = store.counts()
        held = len(store.restriction_facts())
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
                "restrictions_held": held,
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
        f"Propagated {propagated.sanctions:,} sanctions (pending ones: this run "
        f"wrote {propagated.restrictions_written:,} restrictions); the store now "
        f"holds {held:,} restrictions on responsible persons."
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
    from graph.enforcement import restrictions_on

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
