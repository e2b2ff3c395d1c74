"""Search persons and enterprises by name, pinyin, ID number or code. The query
travels in the body: names and numbers stay out of URLs."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api.access.guard import Caller, also_require, require
from api.deps import request_store
from api.masking import mask_name
from api.routes.views import View
from graph.search import QUERY_MAX, kinds_of, search_page
from graph.store import GraphStore
from linkage.search_rank import Hit, HitKind

router = APIRouter(tags=["exploring"])

Store = Annotated[GraphStore, Depends(request_store)]


class SearchIn(BaseModel):
    """What to look for; ``cursor`` is the ``next_cursor`` of the page before."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    q: str = Field(
        min_length=1,
        max_length=QUERY_MAX,
        description="A name (characters, traditional or simplified, pinyin with or "
        "without tones and spaces, initials, part of a name; optionally followed by "
        "the ID number's last digits), a resident ID number in any written form, a "
        "credit code, organisation code or registration number.",
    )
    kind: Literal["person", "enterprise", "any"] = "any"
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)
    on: date | None = Field(
        default=None,
        description="Accepted for the explorer's date; hits are not time-bound.",
    )


class SearchHitOut(BaseModel):
    """One hit: ``key`` is what the other routes take (null for a masked person)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["person", "enterprise"]
    key: str | None
    label: str
    score: float
    reasons: list[str]


class SearchOut(BaseModel):
    """A page of hits, best first, and the cursor of the next page (null: last)."""

    model_config = ConfigDict(frozen=True)

    hits: list[SearchHitOut]
    next_cursor: str | None


def hit_out(hit: Hit, view: View) -> SearchHitOut:
    """The hit as the view shows it: a masked person has no key and a masked name."""
    masked = view is View.PUBLIC and hit.kind is HitKind.PERSON
    return SearchHitOut(
        kind=hit.kind.value,
        key=None if masked else hit.key,
        label=mask_name(hit.label) if masked else hit.label,
        score=hit.score,
        reasons=list(hit.reasons),
    )


@router.post("/search")
def search(
    query: SearchIn,
    request: Request,
    store: Store,
    caller: Annotated[Caller, require("search.enterprises")],
) -> SearchOut:
    """Persons and enterprises ranked by how well they match, each with its
    reasons (every person in the answer is audited and counts against the key's
    persons quota). A role without ``search.persons`` finds enterprises only."""
    kinds = kinds_of(query.kind)
    caller.about(f"search:{query.kind}")
    if HitKind.PERSON in kinds:
        allowed = caller.access.policy.allows(caller.role.name, "search.persons")
        if allowed or query.kind == "person":
            caller = also_require(caller, request, "search.persons")
        else:
            kinds = frozenset({HitKind.ENTERPRISE})
    page = search_page(store, query.q, kinds, limit=query.limit, cursor=query.cursor)
    caller.answered([h.key for h in page.hits if h.kind is HitKind.PERSON])
    view = caller.view(View.FULL)
    return SearchOut(
        hits=[hit_out(hit, view) for hit in page.hits], next_cursor=page.next_cursor
    )
