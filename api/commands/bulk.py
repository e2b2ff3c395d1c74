"""``credlink bulk-import``: a first load of a large registry into an empty Neo4j."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.table import Table

from api.console import (
    JsonOption,
    app,
    console,
    err_console,
    launcher,
    print_json,
    shown,
)
from api.progress import progress
from graph.errors import GraphUnavailableError, InvalidRecordError

# The Neo4j driver and the loaders load only when a bulk import runs.
if TYPE_CHECKING:
    from loaders.bulk import Launcher


@app.command("bulk-import", rich_help_panel="Data")
def bulk_import_command(
    path: Annotated[
        Path, typer.Argument(help="Folder (searched recursively) or a single file.")
    ],
    home: Annotated[
        Path | None,
        typer.Option(
            help="Server folder of `credlink neo4j` "
            "(default ~/.cache/credlink/servers/default)."
        ),
    ] = None,
    replace: Annotated[
        bool, typer.Option(help="Overwrite an existing neo4j database of HOME.")
    ] = False,
    auth: Annotated[
        bool, typer.Option(help="Require a password (generated on first start).")
    ] = True,
    heap: Annotated[str, typer.Option(help="Server heap, e.g. 4g.")] = "1g",
    pagecache: Annotated[str, typer.Option(help="Page cache, e.g. 4g.")] = "512m",
    import_heap: Annotated[str, typer.Option(help="neo4j-admin heap.")] = "1g",
    max_off_heap: Annotated[
        str | None, typer.Option(help="neo4j-admin off-heap memory, e.g. 4g.")
    ] = None,
    keep_files: Annotated[
        bool, typer.Option(help="Keep the import files in HOME/import/bulk.")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="Stop at the first row that cannot be loaded.")
    ] = False,
    quarantine: Annotated[
        Path | None,
        typer.Option(help="Where rejected rows go (default PATH/quarantine)."),
    ] = None,
    reference: Annotated[
        bool,
        typer.Option(
            "--reference",
            help="Read every row by the per-row reference path (no fast path).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Bulk-import a registry into the stopped, empty Neo4j of HOME and start it.

    Reads the files as `credlink load` does and writes them with neo4j-admin
    database import full: much faster for a first load. Later loads go online
    (`credlink load`), which is idempotent.
    """
    from loaders.bulk import bulk_import
    from loaders.readers import discover_inputs, estimate_rows

    if not path.exists():
        raise typer.BadParameter(f"{path} does not exist", param_hint="PATH")
    module = launcher()
    target = (home or module.default_home()).expanduser().resolve()
    total = estimate_rows(discover_inputs(path))
    try:
        with progress("bulk-import", quiet=as_json) as bar:
            bar.update(0, total)
            bar.stage("reading rows, then neo4j-admin import")
            report = bulk_import(
                path,
                target,
                cast("Launcher", module),
                replace=replace,
                auth=auth,
                heap=heap,
                pagecache=pagecache,
                import_heap=import_heap,
                max_off_heap=max_off_heap,
                keep_files=keep_files,
                strict=strict,
                quarantine_dir=quarantine,
                progress=bar.update,
                reference=reference,
            )
    except module.LauncherError as exc:
        raise GraphUnavailableError(str(exc), retryable=False) from exc
    except InvalidRecordError as exc:
        err_console.print(
            f"[red]strict load stopped:[/red] {shown(exc)}", soft_wrap=True
        )
        raise typer.Exit(2) from exc
    from graph.neo4j_store import Neo4jStore

    server = report.server
    store = Neo4jStore.connect(
        server.uri, server.user, server.password or None, database=None
    )  # applies the schema
    try:
        counts = store.counts()
    finally:
        store.close()
    seconds = {
        "files": round(report.write_seconds, 3),
        "import": round(report.import_seconds, 3),
        "start": round(report.start_seconds, 3),
    }
    if as_json:
        print_json(
            {
                "home": str(target),
                "uri": server.uri,
                "counts": counts,
                "seconds": seconds,
                **report.files.report.to_dict(),
            }
        )
        return
    table = Table(title=f"bulk import into {target}")
    table.add_column("kind")
    table.add_column("count", justify="right")
    for name in ("persons", "enterprises", "roles", "sanctions", "source_records"):
        table.add_row(name.replace("_", " "), f"{getattr(counts, name):,}")
    console.print(table)
    timing = ", ".join(f"{step} {value:.1f} s" for step, value in seconds.items())
    console.print(f"{report.files.report.read:,} rows read; {timing}")
    for quarantined in report.files.report.quarantine_files:
        console.print(f"rejected rows with their reasons: {shown(quarantined)}")
    console.print(f"Neo4j answers at {server.uri} (pid {server.pid}). Use it with:")
    typer.echo(f"export CREDLINK_STORE={server.uri}")
    if server.password:
        typer.echo(f"export NEO4J_USER={server.user} NEO4J_PASSWORD={server.password}")
