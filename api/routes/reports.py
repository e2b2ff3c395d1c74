"""A person's public credit report (JSON, HTML or PDF), and the check of a report's
digest. The person is named in the request body, never in the URL."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.access.guard import Caller, require
from api.audience import View
from api.deps import request_catalogue, request_store
from api.report.make import MEDIA_TYPES, ReportFormat, make_report, render
from api.report.reading import ReportFileError, check_report
from graph.policy.catalogue import Catalogue
from graph.store import GraphStore

router = APIRouter(prefix="/reports", tags=["reports"])

Store = Annotated[GraphStore, Depends(request_store)]
Measures = Annotated[Catalogue, Depends(request_catalogue)]


class ReportQuery(BaseModel):
    """Whose report, as of which day, in which form, for which audience (a key
    bound to one person may leave out ``person``: its own report)."""

    model_config = ConfigDict(extra="forbid")

    person: str | None = Field(default=None, min_length=1, max_length=64)
    on: date | None = None
    format: ReportFormat = ReportFormat.JSON
    view: View = View.FULL


class ReportVerifyIn(BaseModel):
    """A report to check: its JSON, or any report file base64-encoded."""

    model_config = ConfigDict(extra="forbid")

    report: dict[str, Any] | None = None
    file_base64: str | None = Field(default=None, max_length=20_000_000)


class ReportVerifyOut(BaseModel):
    """Whether the report's digest matches its content."""

    ok: bool
    report_id: str | None
    as_of: str | None
    digest: str | None


@router.post(
    "",
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def create_report(
    query: ReportQuery,
    store: Store,
    catalogue: Measures,
    caller: Annotated[Caller, require("report.read", own_file=True)],
) -> Response:
    """The person's public credit report as of a day (default today): identity
    (masked for the public), records and display periods, restrictions with their
    chains, roles, objections, repairs and the query record; id, rule versions,
    digest. A citizen's key reads only its own person's report."""
    person_id = caller.person_asked(query.person)
    entries = caller.access.audit.entries()
    found = make_report(
        store,
        catalogue,
        entries,
        person_id,
        query.on or date.today(),
        caller.view(query.view),
    )
    caller.answered([person_id])
    return Response(render(found, query.format), media_type=MEDIA_TYPES[query.format])


@router.post("/verify")
def verify(
    query: ReportVerifyIn,
    caller: Annotated[Caller, require("report.verify", own_file=True)],
) -> ReportVerifyOut:
    """Whether a report (its JSON, or a JSON, HTML or PDF file in base64) is the one
    credlink produced, unaltered (its digest matches)."""
    del caller  # not personal: the guard checks the permission and audits
    if query.file_base64 is not None:
        try:
            data = base64.b64decode(query.file_base64, validate=True)
        except (binascii.Error, ValueError) as exc:  # ValueError: not ASCII
            raise ReportFileError(f"file_base64: not base64: {exc}") from exc
        ok, found = check_report(data, "file_base64")
    elif query.report is not None:
        from api.report.digest import verify_report

        ok, found = verify_report(query.report), query.report
    else:
        raise ReportFileError("give report (JSON) or file_base64")
    return ReportVerifyOut(
        ok=ok,
        report_id=_text(found.get("report_id")),
        as_of=_text(found.get("as_of")),
        digest=_text(found.get("digest")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
