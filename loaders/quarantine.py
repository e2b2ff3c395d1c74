"""Quarantine: rows that could not be loaded, written so that once fixed they load.

Each kind gets one CSV file, ``<kind>.quarantine.csv`` (UTF-8 with a byte order
mark, so spreadsheet programs show Chinese text). Its columns are the union of the
quarantined rows' own columns, in the order first seen, followed by the metadata
columns ``_file``, ``_line``, ``_field``, ``_reason`` and ``_raw``, which readers
ignore. The file name starts with the kind, so a fixed file loads like any input.
Cells that a spreadsheet would run as a formula are escaped (``loaders.cells``);
readers undo it, so the file loads back with the values it was written from.

Rows are spooled to disk while a load runs and the CSV files are written when it
ends; each load replaces the quarantine files of the previous one.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Final

from loaders.cells import escape_cell
from loaders.readers import LOAD_ORDER, InputKind

if TYPE_CHECKING:
    from pathlib import Path

META_COLUMNS: Final = ("_file", "_line", "_field", "_reason", "_raw")
"""Metadata columns of a quarantine file, after the row's own columns."""

MAX_VALUE_CHARS: Final = 32_767
"""Longest value written (a spreadsheet cell's limit); longer ones are cut short."""


@dataclass(frozen=True, slots=True)
class QuarantinedRow:
    """A rejected row: where it was, the field and reason, its cells and raw text."""

    kind: InputKind
    file: str
    line: int
    field: str
    reason: str
    cells: tuple[tuple[str, str], ...]
    raw: str


def quarantine_path(directory: Path, kind: InputKind) -> Path:
    """Where the quarantine file of ``kind`` is written."""
    return directory / f"{kind.value}.quarantine.csv"


class Quarantine:
    """Collects rejected rows during a load; :meth:`close` writes the CSV files."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._spools: dict[InputKind, IO[str]] = {}
        self._columns: dict[InputKind, dict[str, None]] = {}
        self.counts: dict[InputKind, int] = dict.fromkeys(LOAD_ORDER, 0)

    @property
    def directory(self) -> Path:
        """The folder the quarantine files go to."""
        return self._directory

    def add(self, row: QuarantinedRow) -> None:
        """Spool one rejected row."""
        spool = self._spools.get(row.kind)
        if spool is None:
            self._directory.mkdir(parents=True, exist_ok=True)
            spool_path = self._directory / f".{row.kind.value}.quarantine.spool"
            spool = spool_path.open("w+", encoding="utf-8")
            self._spools[row.kind] = spool
            self._columns[row.kind] = {}
        columns = self._columns[row.kind]
        cells: dict[str, str] = {}
        for header, value in row.cells:
            if header.startswith("_"):
                continue
            columns.setdefault(header, None)
            if value or header not in cells:
                cells[header] = cells.get(header) or value
        record = {
            "cells": cells,
            "_file": row.file,
            "_line": str(row.line),
            "_field": row.field,
            "_reason": row.reason,
            "_raw": row.raw,
        }
        spool.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.counts[row.kind] += 1

    def close(self) -> list[Path]:
        """Write one CSV per kind with rejected rows, remove stale ones; return paths.

        A kind without rejected rows has its old quarantine file removed, so the
        folder always shows what the last load rejected.
        """
        written: list[Path] = []
        for kind in LOAD_ORDER:
            target = quarantine_path(self._directory, kind)
            spool = self._spools.pop(kind, None)
            if spool is None:
                target.unlink(missing_ok=True)
                continue
            try:
                _write_csv(spool, list(self._columns[kind]), target)
            finally:
                spool.close()
                os.unlink(spool.name)
            written.append(target)
        return written

    def discard(self) -> None:
        """Drop the rows spooled by a failed load; older quarantine files stay."""
        for spool in self._spools.values():
            spool.close()
            os.unlink(spool.name)
        self._spools.clear()


def _write_csv(spool: IO[str], columns: list[str], target: Path) -> None:
    partial = target.with_name(f".{target.name}.partial")
    spool.seek(0)
    with partial.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*columns, *META_COLUMNS])
        for line in spool:
            record = json.loads(line)
            cells = record["cells"]
            row = [cells.get(c, "") for c in columns]
            row.extend(record[c] for c in META_COLUMNS)
            writer.writerow([escape_cell(_cut(v)) for v in row])
    os.replace(partial, target)


def _cut(value: str) -> str:
    if len(value) <= MAX_VALUE_CHARS:
        return value
    keep = MAX_VALUE_CHARS - 64  # room for the note
    return f"{value[:keep]}…[{len(value) - keep} more characters cut]"
