"""Benchmark of start-up: import time and whole-process CPU time per command.

For each command it runs ``credlink`` as its own process: once under
``python -X importtime`` (the sum of the top-level imports is the import time),
then ``--runs`` times to take the median CPU time (user + system, from the
operating system's accounting of the finished child). The store is a small one
built first in a temporary folder (200 persons, loaded, linked, propagated). The
target: ``--help`` and ``check`` in at most 0.5 s CPU.

    .venv/bin/python bench/imports.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_TARGET_CPU = 0.5
_IMPORT_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$")


def _credlink(*args: str) -> list[str]:
    return [sys.executable, "-m", "api", *args]


def _cpu_seconds(command: list[str], cwd: Path) -> float:
    """User + system CPU seconds of one run of ``command`` (a child process)."""
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(command, cwd=cwd, stdout=sink, stderr=sink)
        _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_utime + usage.ru_stime


def _import_seconds(command: list[str], cwd: Path) -> float:
    """Seconds spent importing modules (top-level imports, ``-X importtime``)."""
    traced = [command[0], "-X", "importtime", *command[1:]]
    result = subprocess.run(traced, cwd=cwd, capture_output=True, text=True)
    total = 0
    for line in result.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match and not match.group(2).startswith(" "):  # not nested
            total += int(match.group(1))
    return total / 1e6


def _small_store(work: Path) -> tuple[str, str]:
    """Build the store; a person in it and an enterprise code."""
    registry = work / "registry"
    steps = [
        ("generate", "--persons", "200", "--enterprises", "50", "--out", str(registry)),
        ("load", str(registry), "--json"),
        ("link", "--json"),
        ("propagate", "--json"),
    ]
    for step in steps:
        subprocess.run(_credlink(*step), cwd=work, capture_output=True, check=True)
    person = (registry / "persons.csv").read_text("utf-8").splitlines()[1]
    enterprise = (registry / "enterprises.csv").read_text("utf-8").splitlines()[1]
    return person.split(",")[3], enterprise.split(",")[0]


def main() -> None:
    """Print import and CPU seconds per command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command")
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="credlink-bench-") as folder:
        work = Path(folder)
        person, code = _small_store(work)
        commands = {
            "--help": ["--help"],
            "--version": ["--version"],
            "check": ["check", "--person", person, "--role", "director",
                      "--enterprise", code],
            "check --json": ["check", "--person", person, "--role", "director",
                             "--enterprise", code, "--json"],
            "restrictions": ["restrictions", person],
            "stats": ["stats"],
            "related": ["related", person],
            "load --help": ["load", "--help"],
        }  # fmt: skip
        print(f"{'command':<16}{'imports s':>10}{'CPU s (median)':>16}{'target':>8}")
        for name, args in commands.items():
            command = _credlink(*args)
            imports = _import_seconds(command, work)
            cpu = statistics.median(_cpu_seconds(command, work) for _ in range(runs))
            target = f"{_TARGET_CPU}" if name in ("--help", "check") else ""
            print(f"{name:<16}{imports:>10.3f}{cpu:>16.3f}{target:>8}")


if __name__ == "__main__":
    main()
