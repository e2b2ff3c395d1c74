"""Progress of long work: with ``--json`` (or no terminal) plain lines on stderr,
stdout left to the answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CREDLINK = str(Path(sys.executable).with_name("credlink"))


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CREDLINK_AUDIT_LOG": str(cwd / "audit.jsonl"),
        "CREDLINK_PROGRESS_SECONDS": "0.05",
    }
    env.pop("CREDLINK_STORE", None)
    return subprocess.run(
        [CREDLINK, *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=300, check=True,
    )  # fmt: skip


def test_generate_load_link_report_progress_on_stderr(
    tmp_path: Path,
) -> None:
    generated = _run(tmp_path, "generate", "--persons", "3000", "--enterprises",
                     "600", "--out", "registry", "--json")  # fmt: skip
    assert json.loads(generated.stdout)["files"]["persons.csv"] > 0
    assert "credlink generate: " in generated.stderr
    assert "of 6,600 persons and enterprises" in generated.stderr
    assert "credlink generate: done" in generated.stderr
    loaded = _run(tmp_path, "load", "registry", "--batch-size", "500", "--json")
    report = json.loads(loaded.stdout)  # stdout is the answer alone
    total = sum(f["read"] for f in report["files"])
    lines = [
        line for line in loaded.stderr.splitlines() if line.startswith("credlink load")
    ]
    assert any(f" of {total:,} rows (" in line for line in lines), lines
    assert lines[-1].startswith("credlink load: done")
    linked = _run(tmp_path, "link", "--json")
    assert json.loads(linked.stdout)["summary"]["records"] > 0
    assert "credlink link: reading and resolving records" in linked.stderr
