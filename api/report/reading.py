"""Reading a report file back (JSON, HTML or PDF) to verify its digest."""

from __future__ import annotations

import json
import re
from typing import Any

from api.report.digest import verify_report
from api.report.render import ATTACHMENT_NAME, REPORT_JSON_ID
from graph.errors import InvalidRequestError


class ReportFileError(InvalidRequestError):
    """A file that does not hold a credlink report."""


_SCRIPT = re.compile(
    rb"<script type='application/json' id='"
    + REPORT_JSON_ID.encode()
    + rb"'>(.*?)</script>",
    re.DOTALL,
)


def report_from_bytes(data: bytes, name: str) -> dict[str, Any]:
    """The report a JSON, HTML or PDF file holds; ReportFileError when none."""
    if data.startswith(b"%PDF"):
        raw = _pdf_attachment(data, name)
    elif (match := _SCRIPT.search(data)) is not None:
        raw = match.group(1)
    else:
        raw = data
    try:
        report = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        msg = f"{name}: not a credlink report (JSON, HTML or PDF): {exc}"
        raise ReportFileError(msg) from exc
    if not isinstance(report, dict) or "digest" not in report:
        raise ReportFileError(f"{name}: not a credlink report (no digest)")
    return report


def check_report(data: bytes, name: str) -> tuple[bool, dict[str, Any]]:
    """Whether the file's report matches its digest, and the report."""
    report = report_from_bytes(data, name)
    return verify_report(report), report


def _pdf_attachment(data: bytes, name: str) -> bytes:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise ReportFileError(f"{name}: not a readable PDF: {exc}") from exc
    try:
        for index in range(pdf.count_attachments()):
            attachment = pdf.get_attachment(index)
            if attachment.get_name() == ATTACHMENT_NAME:
                return bytes(attachment.get_data())
    finally:
        pdf.close()
    raise ReportFileError(f"{name}: a PDF without a credlink report inside")
