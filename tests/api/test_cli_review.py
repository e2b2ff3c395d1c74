"""``credlink review`` at a real terminal: a pseudo-terminal drives the command in
its own process, answers pair by pair, and the judgements are on record."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from api.stores import open_store

if TYPE_CHECKING:
    from tests.api.conftest import Cli

CREDLINK = str(Path(sys.executable).with_name("credlink"))
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """A command on a pseudo-terminal: read what it shows, type answers."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self._master, slave = pty.openpty()
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
        )
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 60) -> str:
        """Wait until ``text`` is shown; everything shown so far."""
        deadline = time.monotonic() + timeout
        while text not in _ANSI.sub("", self.seen):
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never shown; saw:\n{self.seen}"
            ready, _, _ = select.select([self._master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self._master, 4096)
                except OSError:  # the command ended
                    chunk = b""
                assert chunk, f"ended before {text!r}; saw:\n{self.seen}"
                self.seen += chunk.decode("utf-8", "replace")
        shown = _ANSI.sub("", self.seen)
        end = shown.index(text) + len(text)
        self.seen = shown[end:]  # what follows is read by the next expect
        return shown[:end]

    def type(self, line: str) -> None:
        os.write(self._master, f"{line}\n".encode())

    def close(self) -> int:
        code = self.process.wait(timeout=60)
        os.close(self._master)
        return code


def test_review_records_answers_one_pair_at_a_time(
    embedded_cli: Cli, tmp_path: Path
) -> None:
    cli = embedded_cli
    folder = tmp_path / "registry"
    cli.json("generate", "--persons", "400", "--enterprises", "40", "--seed", "5",
             "--out", str(folder))  # fmt: skip
    cli.json("load", str(folder))
    cli.json("link")
    queue = cli.json("candidates")
    firsts = [c for c in queue if c["rank"] == 1]
    env = {
        **os.environ,
        "CREDLINK_AUDIT_LOG": str(cli.audit_log),
        "COLUMNS": "160",
        "NO_COLOR": "1",
    }
    terminal = Terminal(
        [CREDLINK, "--store", cli.location, "review", "--by", "审核员", "--top", "1"],
        env,
    )
    try:
        shown = terminal.expect("[q]uit")
        assert f"{len(firsts):,} records await review" in shown
        assert firsts[0]["record_key"] in shown
        assert firsts[0]["target"] not in shown  # numbers masked
        terminal.type("x")  # not an answer: asked again
        terminal.expect("answer s, d, u, k or q")
        terminal.expect("[q]uit")
        terminal.type("d")
        shown = terminal.expect("[q]uit")
        assert "recorded: different" in shown
        assert firsts[1]["record_key"] in shown
        terminal.type("k")
        shown = terminal.expect("[q]uit")
        assert firsts[2]["record_key"] in shown
        terminal.type("u")
        terminal.expect("recorded: unsure")
        terminal.type("q")
        assert "2 judgements recorded, 1 pairs skipped" in terminal.expect("skipped")
    finally:
        code = terminal.close()
    assert code == 0
    store = open_store(cli.location)
    try:
        judged = {(j.a, j.b, j.verdict.value, j.by) for j in store.judgements()}
    finally:
        store.close()
    assert judged == {
        (firsts[0]["record_key"], firsts[0]["target"], "different", "审核员"),
        (firsts[2]["record_key"], firsts[2]["target"], "unsure", "审核员"),
    }


def test_review_needs_a_terminal(embedded_cli: Cli) -> None:
    result = subprocess.run(
        [CREDLINK, "--store", embedded_cli.location, "review", "--by", "x"],
        input="",
        capture_output=True,
        text=True,
        env={**os.environ, "CREDLINK_AUDIT_LOG": str(embedded_cli.audit_log)},
        timeout=60,
    )
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr
