"""Opaque page cursors: an offset bound to the question it pages.

A cursor is the URL-safe base64 of the offset and a digest of the question (the
query text, the enterprise and date, ...), so it says nothing of the answer (no
ID number travels in it) and a cursor given for another question is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from graph.errors import InvalidRequestError

__all__ = ["decode_cursor", "encode_cursor"]


def _digest(scope: tuple[object, ...]) -> str:
    material = json.dumps([str(part) for part in scope], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


def encode_cursor(offset: int, *scope: object) -> str:
    """The cursor of the page that starts at ``offset`` of the question ``scope``."""
    raw = json.dumps({"o": offset, "q": _digest(scope)}).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, *scope: object) -> int:
    """The offset ``cursor`` stands for; InvalidRequestError when it is malformed
    or was given for another question."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        offset, digest = data["o"], data["q"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeEncodeError):
        raise InvalidRequestError("the cursor is malformed") from None
    if not isinstance(offset, int) or offset < 0 or digest != _digest(scope):
        raise InvalidRequestError("the cursor belongs to another query") from None
    return offset
