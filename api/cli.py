"""The ``credlink`` command: wires the subcommand modules and maps errors to exits.

Every failure a user can cause ends in one line on stderr naming the thing and the
fix, never a traceback. Exit codes: 0 answered; 1 the answer is "no" (blocked,
refused, or no record held of whom was asked about); 2 usage or bad input (a value,
a file); 3 the store is missing or unavailable.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

# typer (>= 0.22) carries its own copy of click; its exceptions live here
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from api.commands import (
    audit,
    bulk,
    exchange,
    execution,
    explore,
    keys,
    linkage,
    loading,
    neo4j,
    report,
    review,
    sanctions,
    score,
    search,
    serve,
    standing,
    store,
)
from api.console import EXIT_INPUT, EXIT_STORE, app, err_console
from graph.errors import GraphUnavailableError, LinkageError

_EXIT_INTERRUPTED = 130
# Importing a command module registers its commands on the app.
_COMMANDS = (
    audit, bulk, exchange, explore, keys, linkage, loading, neo4j, review, sanctions,
    search, serve, standing, store, execution, report, score,
)  # fmt: skip


def main() -> None:
    """Entry point of the ``credlink`` console script."""
    sys.exit(run(sys.argv[1:]))


def run(args: list[str]) -> int:
    """Run the command line ``args``; the exit code (errors reported on stderr)."""
    try:
        code = app(args=args, prog_name="credlink", standalone_mode=False)
    except NoArgsIsHelpError:
        return EXIT_INPUT  # the help was printed
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "credlink"
        _error(f"{exc.format_message()} (see `{where} --help`)")
        return EXIT_INPUT
    except ClickException as exc:
        _error(exc.format_message())
        return exc.exit_code
    except typer.Abort:
        _error("interrupted")
        return _EXIT_INTERRUPTED
    except GraphUnavailableError as exc:
        _error(str(exc))
        return EXIT_STORE
    except LinkageError as exc:
        _error(str(exc))
        return EXIT_INPUT
    except OSError as exc:
        name = exc.filename if exc.filename is not None else ""
        reason = exc.strerror or str(exc)
        _error(
            f"{name}: {reason} (check the path and its permissions)" if name else reason
        )
        return EXIT_INPUT
    return code if isinstance(code, int) else 0


def _error(message: str) -> None:
    err_console.print(
        f"[red]error:[/red] {escape(' '.join(message.split()))}",
        highlight=False,
        soft_wrap=True,
    )
