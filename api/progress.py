"""Progress of long work, on stderr so that stdout stays the answer.

On a terminal: a rich bar with the count, the total when known, the rate and the
time left. With ``--json`` or when stderr is no terminal (a pipe, a log): a plain
line every ``CREDLINK_PROGRESS_SECONDS`` seconds (default 5), from a heartbeat
thread, so even a step that reports no counts says it is still working; and a last
line with the time taken when any line was printed.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from api.console import err_console

if TYPE_CHECKING:
    from collections.abc import Iterator

_DEFAULT_SECONDS = 5.0


class Reporter:
    """What a long step tells: how far it is (``update``) and what it does now
    (``stage``)."""

    def __init__(self, label: str, unit: str, *, plain: bool) -> None:
        self.label = label
        self.unit = unit
        self.done = 0
        self.total: int | None = None
        self.stage_text = ""
        self._plain = plain
        self._started = time.monotonic()
        self._printed = False
        self._lock = threading.Lock()
        self._bar: Progress | None = None
        self._task = TaskID(0)

    def update(self, done: int, total: int | None = None) -> None:
        """``done`` units so far, of ``total`` when known."""
        with self._lock:
            self.done = done
            if total is not None:
                self.total = total
        if self._bar is not None:
            self._bar.update(
                self._task, completed=done, total=self.total, stage=self.stage_text
            )

    def stage(self, text: str) -> None:
        """What the step does now (for steps that count nothing)."""
        with self._lock:
            self.stage_text = text
        if self._bar is not None:
            self._bar.update(self._task, stage=text)

    def line(self) -> str:
        """The plain progress line as of now."""
        with self._lock:
            done, total, stage = self.done, self.total, self.stage_text
        elapsed = time.monotonic() - self._started
        parts = [f"credlink {self.label}:"]
        if stage:
            parts.append(f"{stage},")
        if total:
            share = min(done / total, 1.0)
            parts.append(f"{done:,} of {total:,} {self.unit} ({share:.0%}),")
            if 0 < done < total:
                left = elapsed * (total - done) / done
                parts.append(f"about {left:,.0f} s left,")
        elif done:
            parts.append(f"{done:,} {self.unit},")
        parts.append(f"{elapsed:,.0f} s")
        return " ".join(parts)

    def _print(self, text: str) -> None:
        self._printed = True
        err_console.print(escape(text), highlight=False, soft_wrap=True)


@contextmanager
def progress(label: str, unit: str = "rows", *, quiet: bool = False) -> Iterator[
    Reporter
]:  # fmt: skip
    """Report the progress of the block's work: a bar on a terminal, else lines.

    ``quiet`` (``--json``) never draws the bar: the lines go to stderr instead.
    """
    plain = quiet or not err_console.is_terminal
    reporter = Reporter(label, unit, plain=plain)
    if not plain:
        with Progress(
            SpinnerColumn(),
            TextColumn(f"{escape(label)} {{task.fields[stage]}}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(escape(unit)),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            reporter._bar = bar
            reporter._task = bar.add_task(label, total=None, stage="")
            yield reporter
        return
    every = _seconds()
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(every):
            reporter._print(reporter.line())

    thread = threading.Thread(target=heartbeat, name="credlink-progress", daemon=True)
    thread.start()
    try:
        yield reporter
    finally:
        stop.set()
        thread.join()
    if reporter._printed:
        elapsed = time.monotonic() - reporter._started
        count = f" {reporter.done:,} {unit}" if reporter.done else ""
        reporter._print(f"credlink {label}: done,{count} in {elapsed:,.1f} s")


def _seconds() -> float:
    """Seconds between two plain lines (``CREDLINK_PROGRESS_SECONDS``)."""
    raw = os.environ.get("CREDLINK_PROGRESS_SECONDS", "")
    try:
        value = float(raw) if raw else _DEFAULT_SECONDS
    except ValueError:
        value = _DEFAULT_SECONDS
    return max(value, 0.05)
