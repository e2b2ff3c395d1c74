"""Commands that bring data in: ``load``, ``generate`` and ``demo``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.console import JsonOption, app, console, err_console, opened_store, print_json
from graph.errors import InvalidRecordError
from loaders.generator import generate as generate_registry
from loaders.pipeline import LoadReport, load_folder

DEMO_PERSONS = 400
DEMO_ENTERPRISES = 120
DEMO_SEED = 2026


def _load_with_progress(
    path: Path, ctx: typer.Context, *, strict: bool, batch_size: int,
    quarantine: Path | None, show: bool,
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
        task = progress.add_task("load", total=None, path=path, rate="")

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


@app.command()
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
            show=not as_json,
        )  # fmt: skip
    except InvalidRecordError as exc:
        err_console.print(f"[red]strict load stopped:[/red] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(report.to_json())
        return
    console.print(_report_table(report))
    for quarantined in report.quarantine_files:
        console.print(f"rejected rows with their reasons: {quarantined}")


@app.command()
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


@app.command()
def demo(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Generate a small registry, load it into the store and show what it holds."""
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
            counts = store.counts()
            location = store.location
    loaded = {
        file.path.name: {
            "read": file.read, "loaded": file.loaded, "quarantined": file.quarantined
        }
        for file in report.files
    }  # fmt: skip
    if as_json:
        print_json({"store": location, "files": loaded, "counts": counts})
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
