"""One report, end to end: gather, build, and the output format."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from api.report.builder import build_report
from api.report.facts import gather_facts

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from api.audience import View
    from api.audit.log import AuditEntry
    from graph.policy.catalogue import Catalogue
    from graph.store import GraphStore


class ReportFormat(StrEnum):
    """The forms a report is written in."""

    JSON = "json"
    HTML = "html"
    PDF = "pdf"


MEDIA_TYPES = {
    ReportFormat.JSON: "application/json",
    ReportFormat.HTML: "text/html; charset=utf-8",
    ReportFormat.PDF: "application/pdf",
}


def make_report(
    store: GraphStore,
    catalogue: Catalogue,
    audit_entries: Iterable[AuditEntry],
    person_id: str,
    on: date,
    view: View,
) -> dict[str, Any]:
    """The person's report on ``on`` for ``view``'s audience, with a fresh id."""
    facts = gather_facts(
        store,
        catalogue,
        audit_entries,
        person_id,
        on,
        report_id="R-" + uuid.uuid4().hex[:16],
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return build_report(facts, view)


def render(report: dict[str, Any], form: ReportFormat) -> bytes:
    """The report's bytes in ``form``."""
    if form is ReportFormat.JSON:
        return (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode()
    from api.report.render import report_html, report_pdf

    if form is ReportFormat.HTML:
        return report_html(report).encode("utf-8")
    return report_pdf(report)
