"""POST /submissions: a department submits sanctions, roles, commendations (good
records), persons or enterprises over HTTP, through the loaders' own pipeline.

Each row goes through ``loaders.pipeline.load_files`` exactly as a row of a file:
the same checks, the same quarantine (files under ``CREDLINK_QUARANTINE_DIR``,
default ``./quarantine``, one folder per submission), the same report (read =
loaded + quarantined) with each quarantined row's field and reason. Rows are keyed
by the submission's ``source`` and each row's ``record_id``, so submitting the same
batch again changes nothing. The restrictions it derives (and their events) follow
at once.
"""

from __future__ import annotations

import csv
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.access.guard import Caller, require
from api.deps import request_catalogue
from graph.policy.catalogue import Catalogue
from loaders.cells import unescape_cell
from loaders.pipeline import load_files
from loaders.quarantine import quarantine_path
from loaders.readers import InputFile, InputFormat, InputKind, RawRow

if TYPE_CHECKING:
    from collections.abc import Iterator

router = APIRouter(prefix="/submissions", tags=["execution"])

_Cell = Annotated[str, StringConstraints(max_length=2000)]
Measures = Annotated[Catalogue, Depends(request_catalogue)]


class SubmissionIn(BaseModel):
    """A batch of one kind of record, each row with its ``record_id``."""

    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    kind: Literal["enterprises", "persons", "roles", "sanctions", "commendations"]
    rows: list[dict[str, _Cell]] = Field(min_length=1, max_length=5000)


class QuarantinedOut(BaseModel):
    """A row not loaded: its place in the batch (1-based), field and reason."""

    row: int
    field: str
    reason: str


class SubmissionOut(BaseModel):
    """What became of the rows: read = loaded + quarantined."""

    read: int
    loaded: int
    quarantined: int
    rows: list[QuarantinedOut]
    restrictions_written: int


@router.post("")
def submit(
    body: SubmissionIn,
    caller: Annotated[Caller, require("submissions.write")],
    catalogue: Measures,
) -> SubmissionOut:
    """Load a batch of records as the loaders load a file; idempotent by source
    and record id; the restrictions they derive follow."""
    caller.about(f"submission {body.source}")
    kind = InputKind(body.kind)
    name = f"{body.source}/{kind.value}"
    file = InputFile(Path(name), name, kind, InputFormat.JSONL)
    folder = _quarantine_root() / f"{caller.identity.key_id}-{uuid.uuid4().hex[:12]}"
    store = caller.access.store

    def rows_of(_: InputFile) -> Iterator[RawRow]:
        for line, row in enumerate(body.rows, 1):
            # the submission names the source; a row without record_id is keyed
            # by its place, as a file's row by its line
            cells = {**row, "source": body.source}
            yield RawRow(line, tuple(cells.items()), repr(row))

    report = load_files([file], store, quarantine_dir=folder, rows_of=rows_of)
    derived = store.propagate(catalogue)
    rejected = _reasons(quarantine_path(folder, kind))
    caller.answered()  # the answer carries counts and reasons, no one's data
    return SubmissionOut(
        read=report.read,
        loaded=report.loaded,
        quarantined=report.quarantined,
        rows=rejected,
        restrictions_written=derived.restrictions_written,
    )


def _quarantine_root() -> Path:
    return Path(os.environ.get("CREDLINK_QUARANTINE_DIR", "quarantine")) / "submissions"


def _reasons(path: Path) -> list[QuarantinedOut]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            QuarantinedOut(
                row=int(unescape_cell(r["_line"])),
                field=unescape_cell(r["_field"]),
                reason=unescape_cell(r["_reason"]),
            )
            for r in csv.DictReader(handle)
        ]
