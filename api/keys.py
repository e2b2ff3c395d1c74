"""Keys as callers write them -> the canonical keys the stores use."""

from __future__ import annotations

from graph.errors import InvalidIdentifierError
from linkage.ids import normalize_resident_id, parse_credit_code


def person_key(raw: str) -> str:
    """The key of the person ``raw`` names: any written form of an ID number
    (15 digits, lowercase x, full-width, spaces) normalised, or a surrogate
    ``U...`` key (a person known without a usable number) as it is.

    Raises InvalidIdNumber (an InvalidIdentifierError) for anything else.
    """
    text = raw.strip()
    if text[:1] in ("U", "u"):
        return text.upper()
    return normalize_resident_id(text)


def entity_key(raw: str) -> str:
    """The key ``raw`` names: a person's (as :func:`person_key`) or else an
    enterprise's credit code (any spacing or case).

    Raises InvalidIdentifierError (reason ``format``) when it is neither.
    """
    try:
        return person_key(raw)
    except InvalidIdentifierError:
        pass
    try:
        return parse_credit_code(raw).value
    except InvalidIdentifierError as exc:
        raise InvalidIdentifierError(
            "format", f"{raw!r} is neither a resident ID number nor a credit code"
        ) from exc


def is_person_key(key: str) -> bool:
    """Whether ``key`` reads as a person's key (to be masked for the public)."""
    try:
        person_key(key)
    except InvalidIdentifierError:
        return False
    return True
