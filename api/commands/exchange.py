"""Exchange commands: ``export`` the graph for other systems, ``import-ftm``.

``export --format ftm|neo4j-csv|graphml|xlsx [--on DATE] [--view full|public] --out
PATH`` reads the store page by page (constant memory) and reports progress on
stderr. ``import-ftm FILE`` loads FollowTheMoney entities through the loaders'
pipeline. Both first append who exported or imported what (format, view, day,
path) to the audit file, as the queries do.

FtM files have a command of their own rather than being recognised by ``load``:
``load`` tells a file's kind by its name and reads one kind per file, while an FtM
file holds every kind and is read in passes (docs/exchange.md).

Exit codes: 0 done; 2 bad input (an existing output, a file that is no FtM file,
a strict import stopped); 3 the store failed.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.audience import View
from api.console import (
    JsonOption,
    app,
    audited,
    console,
    err_console,
    opened_store,
    print_json,
)
from api.exchange.kinds import ExportFormat
from graph.errors import InvalidRecordError

PROGRESS_EVERY = 100_000
"""Entities between two progress lines on stderr."""


def _day(on: datetime | None) -> date | None:
    return on.date() if on is not None else None


def _population(fmt: ExportFormat, view: View, on: date | None, out: Path) -> str:
    """What an export carries, for the audit record."""
    day = on.isoformat() if on else "every day"
    return f"format={fmt.value} view={view.value} on={day} out={out.resolve()}"


class _Progress:
    """Counts entities by kind and says so on stderr now and then."""

    def __init__(self, every: int) -> None:
        self.counts: Counter[str] = Counter()
        self._every = every
        self._started = time.perf_counter()

    def __call__(self, kind: str) -> None:
        self.counts[kind] += 1
        if self.total % self._every == 0:
            self.report()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def report(self) -> None:
        seconds = time.perf_counter() - self._started
        kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(self.counts.items()))
        err_console.print(
            f"read {self.total:,} ({kinds}) in {seconds:,.1f} s", highlight=False
        )


@app.command("export", rich_help_panel="Data")
def export_command(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", help="What to write.", show_default=False),
    ],
    out: Annotated[
        Path,
        typer.Option(
            help="File (ftm, graphml) or folder (neo4j-csv, xlsx) to write; must "
            "not exist yet."
        ),
    ],
    on: Annotated[
        datetime | None,
        typer.Option(
            "--on",
            formats=["%Y-%m-%d"],
            help="As of this date: roles held, sanctions decided and restrictions "
            "valid that day [default: everything].",
            show_default=False,
        ),
    ] = None,
    view: Annotated[
        View, typer.Option(help="full, or public: persons masked and pseudonymous.")
    ] = View.FULL,
    as_json: JsonOption = False,
) -> None:
    """Export the graph for other systems: FollowTheMoney, neo4j-admin CSV,
    GraphML or Excel. Audited before anything is written."""
    if out.exists():
        raise typer.BadParameter(
            f"{out} exists; export to a new path", param_hint="--out"
        )
    from api.exchange.formats import export

    day = _day(on)
    progress = _Progress(PROGRESS_EVERY)
    with opened_store(ctx) as store:
        population = _population(fmt, view, day, out)
        with audited(ctx, store, "exchange.export", population) as query:
            query.answered()  # recorded before a single entity is written
            started = time.perf_counter()
            try:
                written = export(store, fmt, out, view=view, on=day, tick=progress)
            except ValueError as exc:
                err_console.print(f"[red]export stopped:[/red] {exc}", highlight=False)
                raise typer.Exit(2) from exc
            seconds = time.perf_counter() - started
    progress.report()
    result = {
        "format": fmt.value,
        "view": view.value,
        "on": day.isoformat() if day else None,
        "out": str(out),
        "read": dict(sorted(progress.counts.items())),
        "written": written,
        "seconds": round(seconds, 3),
    }
    if as_json:
        print_json(result)
        return
    console.print(f"exported {written:,} to {out} ({fmt.value}, {view.value} view)")


@app.command("import-ftm", rich_help_panel="Data")
def import_ftm(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="FollowTheMoney JSON Lines file.")],
    strict: Annotated[
        bool, typer.Option(help="Stop at the first entity that cannot be loaded.")
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per write.")] = 5000,
    quarantine: Annotated[
        Path | None,
        typer.Option(help="Where rejected entities go [default: quarantine/ beside]."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Load FollowTheMoney entities (persons, companies, directorships,
    ownerships, sanctions); what does not map is quarantined with its reason."""
    from loaders.ftm import load_ftm

    if not path.is_file():
        raise typer.BadParameter(f"{path} is not a file", param_hint="PATH")
    with opened_store(ctx, create=True) as store:
        with audited(ctx, store, "exchange.import", f"file={path.resolve()}") as query:
            query.answered()
        try:
            report = load_ftm(
                path,
                store,
                quarantine_dir=quarantine,
                strict=strict,
                batch_size=batch_size,
            )
        except InvalidRecordError as exc:
            err_console.print(f"[red]strict import stopped:[/red] {exc}")
            raise typer.Exit(2) from exc
    files = [
        {
            "kind": f.kind.value,
            "read": f.read,
            "loaded": f.loaded,
            "quarantined": f.quarantined,
        }
        for f in report.files
    ]
    if as_json:
        print_json({"path": str(path), "kinds": files})
        return
    table = Table(title=f"import-ftm {path.name}")
    for column in ("kind", "read", "loaded", "quarantined"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for f in files:
        table.add_row(
            str(f["kind"]), *(f"{f[c]:,}" for c in ("read", "loaded", "quarantined"))
        )
    console.print(table)
    for quarantined in report.quarantine_files:
        console.print(f"rejected entities with their reasons: {quarantined}")
