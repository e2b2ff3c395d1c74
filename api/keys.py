"""Keys as callers write them -> the canonical keys the stores use."""

from __future__ import annotations

from linkage.ids import normalize_resident_id


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
