"""One error style: every failure a user can cause, driven through the installed
``credlink`` command, ends in one line naming the thing and the fix, with its
documented exit code, and never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Sequence

CREDLINK = str(Path(sys.executable).with_name("credlink"))
PERSON = "11010519491231002X"
ENTERPRISE = "91350100M000100Y43"


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CREDLINK_",))}
    env["CREDLINK_AUDIT_LOG"] = str(cwd / "audit.jsonl")
    return subprocess.run(
        [CREDLINK, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def _one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def _check(store: str) -> Sequence[str]:
    return ["--store", store, "check", "--person", PERSON, "--role", "director",
            "--enterprise", ENTERPRISE]  # fmt: skip


def test_check_against_a_path_holding_no_store_exits_3_and_names_it(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "mistyped" / "credlink.db"
    line = _one_line_error(_run(tmp_path, *_check(str(missing))), 3)
    assert str(missing) in line
    assert "credlink init" in line  # the fix
    assert not missing.parent.exists()  # nothing was created
    commands = [
        ["restrictions", PERSON],
        ["stats"],
        ["related", PERSON],
        ["explain", PERSON],
        ["trace", "S1"],
        ["link"],
        ["propagate"],
    ]
    for command in commands:
        result = _run(tmp_path, "--store", str(missing), *command)
        assert str(missing) in _one_line_error(result, 3)
    assert not missing.parent.exists()


def test_init_then_load_create_a_store(tmp_path: Path) -> None:
    store = tmp_path / "new" / "credlink.db"
    result = _run(tmp_path, "--store", str(store), "init")
    assert result.returncode == 0, result.stderr
    assert store.is_file()
    answered = _run(tmp_path, *_check(str(store)))
    assert answered.returncode == 1  # no record held: not a clearance
    assert "no record held" in answered.stdout


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d.mkdir() or d, "is a folder"),
        (lambda d: d.write_text("hello\n") and d, "not a credlink store"),
    ],
    ids=["folder", "not-a-database"],
)
def test_a_store_path_that_is_not_a_store(
    tmp_path: Path, make: object, expected: str
) -> None:
    assert callable(make)
    path = make(tmp_path / "store.db")
    line = _one_line_error(_run(tmp_path, "--store", str(path), "stats"), 3)
    assert str(path) in line
    assert expected in line


def test_a_read_only_location(tmp_path: Path) -> None:
    # /proc takes no new files, whoever runs the tests (root included)
    line = _one_line_error(_run(tmp_path, "--store", "/proc/credlink.db", "init"), 3)
    assert "/proc/credlink.db" in line
    assert "writable" in line


def test_bad_values_and_usage(tmp_path: Path) -> None:
    _run(tmp_path, "init")
    bad = ["check", "--person", "123", "--role", "director", "--enterprise", "x"]
    line = _one_line_error(_run(tmp_path, *bad), 2)
    assert "'123'" in line
    assert "--help" in line
    assert "frob" in _one_line_error(_run(tmp_path, "frob"), 2)
    missing = tmp_path / "nowhere"
    assert str(missing) in _one_line_error(_run(tmp_path, "load", str(missing)), 2)
    bad_audit = _run(tmp_path, "--audit-log", "/proc/none/audit.jsonl",
                     "restrictions", PERSON)  # fmt: skip
    assert "/proc/none" in _one_line_error(bad_audit, 2)


def test_neo4j_unreachable(tmp_path: Path) -> None:
    result = _run(tmp_path, "--store", "bolt://127.0.0.1:9", "stats")
    line = _one_line_error(result, 3)
    assert "bolt://127.0.0.1:9" in line


def test_version(tmp_path: Path) -> None:
    result = _run(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.startswith("credlink ")
