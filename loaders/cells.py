"""Spreadsheet cells that cannot run: OWASP's rule against CSV formula injection.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
taken for a formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(…)``,
``=cmd|…``). Every spreadsheet or CSV file credlink writes for people to open (the
quarantine files) passes each cell through :func:`escape_cell`, which puts a single
quote before such a cell; the spreadsheet shows the text as it is.

Readers pass each cell through :func:`unescape_cell`, so a quarantine file loads
back with the values it was written from: a single quote followed by one of those
characters is dropped. (A register value that really begins with a quote and
then ``=`` loses its quote; no identifier, name, date or vocabulary does.)
"""

from __future__ import annotations

from typing import Final

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""

_QUOTE: Final = "'"


def escape_cell(value: str) -> str:
    """``value`` made inert in a spreadsheet: a quote before a formula start."""
    if value.startswith(FORMULA_STARTS):
        return _QUOTE + value
    return value


def unescape_cell(value: str) -> str:
    """The value :func:`escape_cell` was given (other values unchanged)."""
    if value.startswith(_QUOTE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
