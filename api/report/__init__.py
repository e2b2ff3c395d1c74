"""The personal public credit report: gathered facts -> report -> JSON, HTML, PDF."""

from api.report.builder import ReportFacts, SanctionFacts, build_report
from api.report.digest import report_digest, verify_report

__all__ = [
    "ReportFacts",
    "SanctionFacts",
    "build_report",
    "report_digest",
    "verify_report",
]
