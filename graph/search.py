"""Search: find persons and enterprises by what an investigator knows.

A query is read as every thing it may be: a resident ID number (any written form),
a credit code or legacy enterprise identifier, and a name (characters, pinyin,
initials, part of a name, optionally followed by the ID number's last digits).
Candidates come from the store's search index only (the keys of
``linkage.search_keys``) and the identifiers' own indexes, in one read
(``GraphStore.search_candidates``: one round trip on Neo4j); one pure function
(``linkage.search_rank.rank_hits``) scores and ranks them, so both stores give the
same ranked answer. Built only on the GraphStore protocol.

Pages: the ranked list is cut into pages by an opaque cursor (the offset and a
digest of the query), which another query refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

from graph.cursors import decode_cursor, encode_cursor
from graph.errors import InvalidIdentifierError, InvalidRequestError
from graph.model import SearchLookup
from linkage.enterprises import LegacyId, LegacyKind, parse_enterprise_ref
from linkage.ids import normalize_resident_id
from linkage.search_keys import enterprise_query_keys, person_query_keys
from linkage.search_rank import Hit, HitKind, rank_hits

if TYPE_CHECKING:
    from collections.abc import Collection

    from graph.store import GraphStore

__all__ = ["POSTINGS_LIMIT", "SearchPage", "search", "search_page"]

POSTINGS_LIMIT: Final = 200
"""Holders fetched per search key (see ``linkage.search_keys``)."""

QUERY_MAX: Final = 200
"""The longest query, in characters."""

_LEGACY_REASON: Final = {
    LegacyKind.ORG_CODE: "organisation code",
    LegacyKind.REGISTRATION_NO: "registration number",
}


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of ranked hits and the cursor of the next (None on the last)."""

    hits: tuple[Hit, ...]
    next_cursor: str | None


def lookup_of(text: str, kinds: Collection[HitKind]) -> tuple[SearchLookup, str]:
    """What a search for ``text`` (stripped) among ``kinds`` asks of the store
    (the search keys of each kind asked for, and the identifiers ``text`` may be),
    and the reason of an enterprise found by its code."""
    lookup, reason = SearchLookup(limit=POSTINGS_LIMIT), "credit code"
    if HitKind.PERSON in kinds:
        keys = person_query_keys(text)
        person_id: str | None
        try:
            person_id = normalize_resident_id(text)
        except InvalidIdentifierError:
            person_id = None
        lookup = replace(
            lookup, person_exact=keys.exact, person_grams=keys.grams,
            person_id=person_id,
        )  # fmt: skip
    if HitKind.ENTERPRISE in kinds:
        keys = enterprise_query_keys(text)
        lookup = replace(
            lookup, enterprise_exact=keys.exact, enterprise_grams=keys.grams
        )
        try:
            ref = parse_enterprise_ref(text)
        except InvalidIdentifierError:
            pass
        else:
            if isinstance(ref, LegacyId):
                lookup = replace(lookup, legacy_id=ref.value)
                reason = _LEGACY_REASON[ref.kind]
            else:
                lookup = replace(lookup, credit_code=ref.value)
    return lookup, reason


def search(store: GraphStore, text: str, kinds: Collection[HitKind]) -> list[Hit]:
    """Every hit of ``text`` among the kinds asked for, ranked (best first).

    One read of the store (``GraphStore.search_candidates``), then the ranking.
    Raises InvalidRequestError for an empty query or one longer than
    ``QUERY_MAX`` characters.
    """
    text = text.strip()
    if not text or len(text) > QUERY_MAX:
        raise InvalidRequestError(
            f"a search needs 1 to {QUERY_MAX} characters, got {len(text)}"
        )
    lookup, reason = lookup_of(text, kinds)
    found = store.search_candidates(lookup)
    coded = (*found.enterprises_by_code, *found.enterprises_by_legacy_id)
    by_code = [(e, reason) for e in coded]
    return rank_hits(
        text,
        persons=found.persons,
        persons_by_id=found.persons_by_id,
        enterprises=found.enterprises,
        enterprises_by_code=by_code,
    )


def _scope(text: str, kinds: Collection[HitKind]) -> tuple[object, ...]:
    """What a search cursor is bound to: the query and the kinds searched."""
    return ("search", text.strip(), ",".join(sorted(kinds)))


def search_page(
    store: GraphStore,
    text: str,
    kinds: Collection[HitKind],
    *,
    limit: int = 20,
    cursor: str | None = None,
) -> SearchPage:
    """The page of ``search`` that ``cursor`` points at (the first when None), at
    most ``limit`` hits, and the cursor of the next page."""
    offset = decode_cursor(cursor, *_scope(text, kinds)) if cursor else 0
    hits = search(store, text, kinds)
    page = tuple(hits[offset : offset + limit])
    more = offset + limit < len(hits)
    after = encode_cursor(offset + limit, *_scope(text, kinds)) if more else None
    return SearchPage(page, after)


def kinds_of(kind: str) -> frozenset[HitKind]:
    """``person``, ``enterprise`` or ``any`` as the set of kinds searched."""
    if kind == "any":
        return frozenset(HitKind)
    return frozenset({HitKind(kind)})
