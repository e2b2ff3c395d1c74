"""``POST /exports``: the graph in an exchange format, over HTTP.

The same export as ``credlink export`` (api/exchange), for the systems that fetch
it: a provincial platform pulling the full graph under the ``exchange_partner``
role, an open-data portal pulling the public view under ``public``. A role that
always sees the masked view may ask only for the public view (403 otherwise,
audited): the public exports nothing it could not read route by route.

The export is written by a worker thread into a private temporary folder and
streamed while it grows (FtM and GraphML are single files) or, for the folder
formats (neo4j-csv, xlsx), as one ZIP archive once complete. The answer starts at
once, so the request deadline (api/deadline.py) does not cut a long export; a
failure after the start ends the stream early (the client sees a truncated
transfer) and is logged. The temporary folder is removed when the stream ends.
Who exported which population with which view is audited before the first byte.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
import zipfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.access.guard import Caller, require
from api.audience import View
from api.deps import request_store
from api.exchange.kinds import ExportFormat
from graph.store import GraphStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

router = APIRouter(tags=["exchange"])

_log = logging.getLogger(__name__)

CHUNK = 1 << 16
"""Bytes per chunk of the stream."""

POLL_SECONDS = 0.05
"""How often the stream looks for more of a file still being written."""

MEDIA_TYPES = {
    ExportFormat.FTM: "application/x-ndjson",
    ExportFormat.GRAPHML: "application/graphml+xml",
    ExportFormat.NEO4J_CSV: "application/zip",
    ExportFormat.XLSX: "application/zip",
}
SUFFIXES = {
    ExportFormat.FTM: ".ftm.json",
    ExportFormat.GRAPHML: ".graphml",
    ExportFormat.NEO4J_CSV: ".neo4j-csv.zip",
    ExportFormat.XLSX: ".xlsx.zip",
}


class ExportIn(BaseModel):
    """What to export."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: ExportFormat
    view: View = Field(
        View.FULL, description="`public` masks personal data; masked roles must ask it."
    )
    on: date | None = Field(None, description="As of this date [everything].")


class _Job:
    """One export written by a worker thread into ``folder``."""

    def __init__(
        self, store: GraphStore, request: ExportIn, view: View, folder: Path
    ) -> None:
        self.folder = folder
        self.out = folder / f"export{SUFFIXES[request.format]}"
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._args = (store, request, view)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        from api.exchange.formats import export  # heavy: followthemoney, openpyxl

        store, request, view = self._args
        try:
            if request.format in (ExportFormat.NEO4J_CSV, ExportFormat.XLSX):
                written = self.folder / "export"
                export(store, request.format, written, view=view, on=request.on)
                _zip(written, self.out)
            else:
                export(store, request.format, self.out, view=view, on=request.on)
        except BaseException as exc:  # reported by the stream
            self.error = exc
        finally:
            self.done.set()


def _zip(folder: Path, archive: Path) -> None:
    """The files of ``folder`` as one ZIP archive (written aside, then renamed)."""
    partial = archive.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(folder).as_posix())
    partial.rename(archive)


async def _stream(job: _Job, growing: bool) -> AsyncIterator[bytes]:
    """The bytes of the job's file: as it grows (``growing``) or once complete."""
    try:
        while not growing and not job.done.is_set():
            await asyncio.sleep(POLL_SECONDS)
        while not job.out.exists() and not job.done.is_set():
            await asyncio.sleep(POLL_SECONDS)
        if job.out.exists():
            with job.out.open("rb") as source:
                while True:
                    chunk = source.read(CHUNK)
                    if chunk:
                        yield chunk
                    elif job.done.is_set():
                        rest = source.read()  # written just before it finished
                        if rest:
                            yield rest
                        break
                    else:
                        await asyncio.sleep(POLL_SECONDS)
        if job.error is not None:
            _log.error("export stopped: %s", job.error)
            raise RuntimeError("export stopped") from job.error
    finally:
        await asyncio.to_thread(job.done.wait)
        shutil.rmtree(job.folder, ignore_errors=True)


@router.post(
    "/exports",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The export: FtM JSON Lines, GraphML, or a ZIP archive "
            "of the neo4j-admin CSV files or of the Excel workbook.",
            "content": {media: {} for media in set(MEDIA_TYPES.values())},
        }
    },
)
def export_graph(
    request: ExportIn,
    store: Annotated[GraphStore, Depends(request_store)],
    caller: Annotated[Caller, require("exchange.export")],
) -> StreamingResponse:
    """The whole graph (as of ``on``) in an exchange format, streamed; audited
    with the population it carries before the first byte."""
    day = request.on.isoformat() if request.on else "every day"
    caller.about(
        f"format={request.format.value} view={request.view.value} on={day} via=http"
    )
    if caller.masked and request.view is View.FULL:
        raise caller.refuse(
            "view", "this role exports only the public view: ask for view=public"
        )
    view = caller.view(request.view)
    caller.answered()  # recorded before a single entity is written
    job = _Job(store, request, view, Path(tempfile.mkdtemp(prefix="credlink-export-")))
    job.start()
    growing = request.format in (ExportFormat.FTM, ExportFormat.GRAPHML)
    name = f"credlink-{view.value}{SUFFIXES[request.format]}"
    return StreamingResponse(
        _stream(job, growing),
        media_type=MEDIA_TYPES[request.format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Credlink-View": view.value,
        },
    )
