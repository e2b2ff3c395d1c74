"""Authorised queries (授权查询): a person authorises a third party's key to obtain
their report for a purpose until a day; the key obtains it only while that holds.
The person is named in the request body, never in the URL."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.access.guard import Caller, require
from api.audience import View
from api.audit import Outcome
from api.deps import request_catalogue, request_store
from api.keys import person_key
from api.report.make import MEDIA_TYPES, ReportFormat, make_report, render
from graph.authorisation import Authorisation, authorisation_problem
from graph.errors import (
    EntityNotFoundError,
    InvalidRequestError,
    PermissionDeniedError,
)
from graph.policy.catalogue import Catalogue
from graph.store import GraphStore

router = APIRouter(tags=["authorisations"])

Store = Annotated[GraphStore, Depends(request_store)]
Measures = Annotated[Catalogue, Depends(request_catalogue)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuthorisationIn(_In):
    """The person's authorisation of one key, for one purpose, until a day."""

    person: str = Field(min_length=1, max_length=64)
    grantee_key_id: str = Field(min_length=1, max_length=64)
    purpose: str = Field(min_length=1, max_length=64, description="a purpose code")
    expires_on: date
    granted_on: date | None = None


class RevokeIn(_In):
    """Revoke an authorisation from a day (default today)."""

    authorisation_id: str = Field(min_length=1, max_length=64)
    on: date | None = None


class AuthorisationOut(BaseModel):
    """An authorisation as recorded (the person's number only in the full view)."""

    authorisation_id: str
    grantee_key_id: str
    purpose: str
    granted_on: date
    expires_on: date
    revoked_on: date | None


class AuthorisedReportIn(_In):
    """The report a third party obtains under the person's authorisation."""

    person: str = Field(min_length=1, max_length=64)
    on: date | None = None
    format: ReportFormat = ReportFormat.JSON


def _out(item: Authorisation) -> AuthorisationOut:
    return AuthorisationOut(
        authorisation_id=item.authorisation_id,
        grantee_key_id=item.grantee_key_id,
        purpose=item.purpose,
        granted_on=item.granted_on,
        expires_on=item.expires_on,
        revoked_on=item.revoked_on,
    )


@router.post("/authorisations")
def grant(
    query: AuthorisationIn,
    store: Store,
    caller: Annotated[Caller, require("authorisation.grant")],
) -> AuthorisationOut:
    """Record the person's authorisation of a key to obtain their report for a
    purpose until a day (inclusive). Audited with the person, so it appears in
    their query record."""
    person_id = person_key(query.person)
    caller.about(person_id)
    if store.get_person(person_id) is None:
        raise EntityNotFoundError("person", person_id)
    if store.get_api_key(query.grantee_key_id) is None:
        raise InvalidRequestError(f"grantee_key_id: no key {query.grantee_key_id!r}")
    granted = query.granted_on or date.today()
    if query.expires_on < granted:
        raise InvalidRequestError("expires_on: before the grant date")
    item = Authorisation(
        authorisation_id="A-" + uuid.uuid4().hex[:16],
        person_id=person_id,
        grantee_key_id=query.grantee_key_id,
        purpose=query.purpose,
        granted_on=granted,
        expires_on=query.expires_on,
        recorded_by=caller.identity.name,
    )
    store.save_authorisation(item)
    caller.answered([person_id])
    return _out(item)


@router.post("/authorisations/revoke")
def revoke(
    query: RevokeIn,
    store: Store,
    caller: Annotated[Caller, require("authorisation.revoke")],
) -> AuthorisationOut:
    """Revoke an authorisation from a day (default today); audited."""
    item = store.get_authorisation(query.authorisation_id)
    if item is None:
        raise EntityNotFoundError("authorisation", query.authorisation_id)
    caller.about(item.person_id)
    revoked = replace(item, revoked_on=query.on or date.today())
    store.save_authorisation(revoked)
    caller.answered([item.person_id])
    return _out(revoked)


@router.post("/reports/authorised")
def authorised_report(
    query: AuthorisedReportIn,
    store: Store,
    catalogue: Measures,
    caller: Annotated[Caller, require("report.authorised")],
) -> Response:
    """The person's report, as of ``on``, for a third party that holds the person's
    authorisation for this key and the stated purpose on the day of the request:
    refused (403, audited) when it is missing, expired, revoked or for another
    purpose. The report's as-of date does not move the day the authorisation is
    judged on (an earlier ``on`` does not reach back into an expired or revoked
    authorisation)."""
    person_id = person_key(query.person)
    caller.about(person_id)
    today = date.today()
    day = query.on or today
    purpose = caller.purpose.code if caller.purpose is not None else ""
    problem = authorisation_problem(
        store.authorisations_of(person_id), caller.identity.key_id, purpose, today
    )
    if problem is not None:
        # an AccessError raised in a route is not audited by the error handler
        # (the guard audits its own): record the refusal here, with the person
        caller.failed(Outcome.DENIED, f"unauthorised: {problem}")
        raise PermissionDeniedError("unauthorised", problem)
    found = make_report(
        store, catalogue, caller.access.audit.entries(), person_id, day, View.FULL
    )
    caller.answered([person_id])
    return Response(render(found, query.format), media_type=MEDIA_TYPES[query.format])
