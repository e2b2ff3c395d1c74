"""A fingerprint of the generator's code, for caches of generated registries.

The same size and seed give the same registry only while the generator's code is
unchanged; benchmarks key their cached registries by this fingerprint too, so a
changed generator never serves an old registry.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def generator_fingerprint() -> str:
    """The first 10 hex digits of the SHA-256 of the generator's source files."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]
