"""The formats of ``credlink export`` (light: the command line offers them without
loading any writer)."""

from __future__ import annotations

from enum import StrEnum


class ExportFormat(StrEnum):
    """What ``credlink export --format`` writes."""

    FTM = "ftm"  # FollowTheMoney JSON Lines: one file
    NEO4J_CSV = "neo4j-csv"  # neo4j-admin import files: a folder
    GRAPHML = "graphml"  # one file
    XLSX = "xlsx"  # one workbook per kind: a folder

    @property
    def folder(self) -> bool:
        """Whether ``--out`` is a folder (else a file)."""
        return self in (ExportFormat.NEO4J_CSV, ExportFormat.XLSX)
