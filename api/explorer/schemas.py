"""Request and answer shapes of the explorer's own routes (session, cases)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


_DIGITS = re.compile(r"\d{6,}")


def _no_number(name: str) -> str:
    # A case's name reaches the audit log: an ID number must not.
    if _DIGITS.search(name):
        raise ValueError("a case name must not carry an ID number (6+ digits)")
    return name


CaseName = Annotated[
    str,
    Field(min_length=1, max_length=200, description="The case's name (per key)."),
    AfterValidator(_no_number),
]
Short = Annotated[str, Field(max_length=300)]


class PurposeOut(_Out):
    """A purpose the role may state (``X-Purpose``), by code and name."""

    code: str
    name: str


class SessionOut(_Out):
    """Who the key is and what its role may do: the explorer shows only that."""

    key_id: str
    key_name: str
    role: str
    view: str
    actions: list[str]
    purposes: list[PurposeOut]
    default_purpose: str | None


class CaseNode(_In):
    """A drawn person or enterprise, where it stood and how it was marked."""

    id: Short
    kind: Literal["person", "enterprise"]
    key: Annotated[str | None, Field(max_length=64)] = None
    label: Short = ""
    x: float = 0.0
    y: float = 0.0
    pinned: bool = False
    hidden: bool = False
    restricted: bool = False
    sanctioned: bool = False


class CaseEdge(_In):
    """A drawn role between two nodes, with its interval."""

    id: Annotated[str, Field(max_length=600)]
    source: Short
    target: Short
    role: Annotated[str, Field(max_length=64)]
    since: date | None = None
    until: date | None = None
    label: Short = ""


class CaseContent(_In):
    """What a case keeps: the drawing, its date and the investigator's notes."""

    on: date | None = None
    notes: Annotated[str, Field(max_length=20_000)] = ""
    nodes: Annotated[list[CaseNode], Field(max_length=5_000)]
    edges: Annotated[list[CaseEdge], Field(max_length=20_000)]


class CaseIn(CaseContent):
    """A case to save (replacing the key's case of the same name)."""

    name: CaseName


class CaseNameIn(_In):
    """One of the key's cases, by name."""

    name: CaseName


class CaseSummaryOut(_Out):
    """A saved case as listed (no personal data)."""

    name: str
    saved_at: datetime
    nodes: int
    persons: int


class CaseOut(CaseContent):
    """A saved case as reopened."""

    model_config = ConfigDict(frozen=True)

    name: str
    saved_at: datetime


class CaseDeletedOut(_Out):
    """Whether the case existed and is gone."""

    name: str
    deleted: bool
