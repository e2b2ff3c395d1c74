"""The ``credlink`` command: wires the subcommand modules and maps errors to exits."""

from __future__ import annotations

import sys

from api.commands import (  # noqa: F401 - importing registers the commands
    audit,
    bulk,
    exchange,
    explore,
    keys,
    linkage,
    loading,
    neo4j,
    sanctions,
    serve,
    store,
)
from api.console import app, err_console
from graph.errors import GraphUnavailableError, LinkageError

# Exit codes: 1 = the command's own "no" (e.g. blocked), 2 = bad input, 3 = store.
_EXIT_INPUT = 2
_EXIT_STORE = 3


def main() -> None:
    """Entry point of the ``credlink`` console script."""
    try:
        app()
    except GraphUnavailableError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        sys.exit(_EXIT_STORE)
    except LinkageError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        sys.exit(_EXIT_INPUT)
