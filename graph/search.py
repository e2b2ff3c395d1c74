"""Search: find persons and enterprises by what an investigator knows.

A query is read as every thing it may be: a resident ID number (any written form),
a credit code or legacy enterprise identifier, and a name (characters, pinyin,
initials, part of a name, optionally followed by the ID number's last digits).
Candidates come from the store's search index only (``GraphStore.search_postings``
over the keys of ``linkage.search_keys``) and the identifiers' own indexes; one
pure function (``linkage.search_rank.rank_hits``) scores and ranks them, so both
stores give the same ranked answer. Built only on the GraphStore protocol.

Pages: the ranked list is cut into pages by an opaque cursor (the offset and a
digest of the query), which another query refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from graph.cursors import decode_cursor, encode_cursor
from graph.errors import InvalidIdentifierError, InvalidRequestError
from graph.model import EntityKind
from linkage.enterprises import LegacyId, LegacyKind, parse_enterprise_ref
from linkage.ids import normalize_resident_id
from linkage.search_keys import enterprise_query_keys, person_query_keys
from linkage.search_rank import Hit, HitKind, rank_hits

if TYPE_CHECKING:
    from collections.abc import Collection

    from graph.model import Enterprise, Person
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


def _persons(store: GraphStore, text: str) -> tuple[list[Person], list[Person]]:
    """(persons by ID number, persons by name) for ``text``."""
    by_id: list[Person] = []
    try:
        person_id = normalize_resident_id(text)
    except InvalidIdentifierError:
        pass
    else:
        by_id = store.get_persons([person_id])
    keys = person_query_keys(text)
    postings = store.search_postings(
        EntityKind.PERSON, keys.exact, keys.grams, POSTINGS_LIMIT
    )
    found = sorted({key for keys_ in postings.values() for key in keys_})
    return by_id, store.get_persons(found) if found else []


def _enterprises(
    store: GraphStore, text: str
) -> tuple[list[tuple[Enterprise, str]], list[Enterprise]]:
    """(enterprises by code with the code's name, enterprises by name)."""
    by_code: list[tuple[Enterprise, str]] = []
    try:
        ref = parse_enterprise_ref(text)
    except InvalidIdentifierError:
        pass
    else:
        if isinstance(ref, LegacyId):
            claims = store.enterprises_by_legacy_id([ref.value]).get(ref.value, ())
            reason = _LEGACY_REASON[ref.kind]
            by_code = [(e, reason) for e in store.get_enterprises(list(claims))]
        else:
            by_code = [(e, "credit code") for e in store.get_enterprises([ref.value])]
    keys = enterprise_query_keys(text)
    postings = store.search_postings(
        EntityKind.ENTERPRISE, keys.exact, keys.grams, POSTINGS_LIMIT
    )
    found = sorted({key for keys_ in postings.values() for key in keys_})
    return by_code, store.get_enterprises(found) if found else []


def search(store: GraphStore, text: str, kinds: Collection[HitKind]) -> list[Hit]:
    """Every hit of ``text`` among the kinds asked for, ranked (best first).

    Raises InvalidRequestError for an empty query or one longer than
    ``QUERY_MAX`` characters.
    """
    text = text.strip()
    if not text or len(text) > QUERY_MAX:
        raise InvalidRequestError(
            f"a search needs 1 to {QUERY_MAX} characters, got {len(text)}"
        )
    persons_by_id: list[Person] = []
    persons: list[Person] = []
    by_code: list[tuple[Enterprise, str]] = []
    enterprises: list[Enterprise] = []
    if HitKind.PERSON in kinds:
        persons_by_id, persons = _persons(store, text)
    if HitKind.ENTERPRISE in kinds:
        by_code, enterprises = _enterprises(store, text)
    return rank_hits(
        text,
        persons=persons,
        persons_by_id=persons_by_id,
        enterprises=enterprises,
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
