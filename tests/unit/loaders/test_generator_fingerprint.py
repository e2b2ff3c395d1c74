"""The generator's fingerprint keys benchmark caches: stable, and code-sensitive."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import loaders.generator.fingerprint as fingerprint_module
from loaders.generator import generator_fingerprint

if TYPE_CHECKING:
    import pytest


def test_fingerprint_is_stable_and_short() -> None:
    first = generator_fingerprint()
    assert first == generator_fingerprint()
    assert len(first) == 10
    int(first, 16)  # hex digits


def test_fingerprint_follows_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = generator_fingerprint()
    # an identical copy of the generator's sources fingerprints the same...
    copy = tmp_path / "generator"
    shutil.copytree(Path(fingerprint_module.__file__).parent, copy)
    monkeypatch.setattr(fingerprint_module, "__file__", str(copy / "fingerprint.py"))
    assert generator_fingerprint() == original
    # ...and apart once one file changes
    with (copy / "config.py").open("a", encoding="utf-8") as out:
        out.write("\n# changed\n")
    assert generator_fingerprint() != original
