"""No ID number and no API key in the server's own log: a filter on every handler
of the root and uvicorn loggers rewrites each record's text with
``scrub_numbers`` (a client may still send a number in a path, a stale route or a
header; the log must not keep it)."""

from __future__ import annotations

import logging

from api.masking import scrub_numbers

_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi")


class ScrubFilter(logging.Filter):
    """Masks ID numbers and keys in a record's message (arguments included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's text; never drops a record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a record whose arguments do not fit
            message = str(record.msg)
        scrubbed = scrub_numbers(message)
        if scrubbed != message or record.args:
            record.msg, record.args = scrubbed, ()
        return True


_FILTER = ScrubFilter()


def install_log_scrubbing() -> None:
    """Put the filter on the root and uvicorn loggers and all their handlers
    (idempotent: call it again after logging is reconfigured)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
