"""The audit record of every query of personal credit data (see ``api.audit.log``)."""

from api.audit.log import (
    DEFAULT_AUDIT_LOG,
    AuditDraft,
    AuditEntry,
    AuditLog,
    AuditWriteError,
    Outcome,
    VerifyReport,
    verify_entries,
    verify_log,
)

__all__ = [
    "DEFAULT_AUDIT_LOG",
    "AuditDraft",
    "AuditEntry",
    "AuditLog",
    "AuditWriteError",
    "Outcome",
    "VerifyReport",
    "verify_entries",
    "verify_log",
]
