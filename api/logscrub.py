"""No ID number and no API key in the server's own log: a filter on every handler
of the root and uvicorn loggers rewrites each record's text with
``scrub_numbers`` (a client may still send a number in a path, a stale route or a
header; the log must not keep it). The record's shape is kept (uvicorn's access
formatter reads its arguments as a tuple); tracebacks are scrubbed too."""

from __future__ import annotations

import logging
from typing import Any

from api.masking import scrub_numbers

_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi")
_TRACEBACKS = logging.Formatter()


class ScrubFilter(logging.Filter):
    """Masks ID numbers and keys in a record's message, arguments and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's text in place; never drops a record."""
        if isinstance(record.msg, str):
            record.msg = scrub_numbers(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_scrub(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _scrub(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub_numbers(
                _TRACEBACKS.formatException(record.exc_info)
            )
        elif record.exc_text:
            record.exc_text = scrub_numbers(record.exc_text)
        return True


def _scrub(value: Any) -> Any:
    return scrub_numbers(value) if isinstance(value, str) else value


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
