"""A report's digest: SHA-256 over its canonical JSON without the digest field.

The digest shows that a report file is the one credlink produced, unaltered; it
is not a signature (anyone who can run credlink can make a digest of a report).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

DIGEST_FIELD = "digest"


def _canonical(report: dict[str, Any]) -> bytes:
    body = {key: value for key, value in report.items() if key != DIGEST_FIELD}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def report_digest(report: dict[str, Any]) -> str:
    """``sha256:<hex>`` of the report without its digest field."""
    return "sha256:" + hashlib.sha256(_canonical(report)).hexdigest()


def verify_report(report: dict[str, Any]) -> bool:
    """Whether the report's digest field matches its content."""
    return report.get(DIGEST_FIELD) == report_digest(report)
