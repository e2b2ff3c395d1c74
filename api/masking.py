"""Masking of personal data for any output whose audience may be public.

The national practice for published ID numbers keeps the region code and the last
four characters (the birth date is hidden); names keep the surname only.
"""

from __future__ import annotations

import hashlib
import re

_KEEP_HEAD = 6
_KEEP_TAIL = 4


def mask_id_number(value: str) -> str:
    """``510104********001X``: region code and the last four kept, the rest hidden.

    Surrogate keys (``U…``) and anything too short to mask are hidden entirely but
    for their first character, so nothing personal leaks through an odd value.
    """
    if len(value) <= _KEEP_HEAD + _KEEP_TAIL or value.startswith("U"):
        return value[:1] + "*" * max(len(value) - 1, 0)
    hidden = len(value) - _KEEP_HEAD - _KEEP_TAIL
    return value[:_KEEP_HEAD] + "*" * hidden + value[-_KEEP_TAIL:]


def mask_name(name: str) -> str:
    """``张*`` / ``欧阳**``: the surname kept, every other character hidden.

    Two-character compound surnames are kept whole; Latin names keep the first word.
    """
    if not name:
        return name
    if name.isascii():
        first, _, rest = name.partition(" ")
        return first + (" " + "*" * len(rest) if rest else "")
    keep = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * (len(name) - keep)


_COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
        "宇文", "司徒", "夏侯", "轩辕", "令狐", "钟离", "闻人", "澹台", "端木", "西门",
    }
)  # fmt: skip


# Runs of digits long enough to be an ID number (any Unicode decimal digits, as a
# caller may type full-width ones), with an optional final X check character.
_NUMBER_RUN = re.compile(r"(?<![0-9A-Za-z])\d{14,17}[\dXxＸｘ](?![0-9A-Za-z])")
_KEY_TOKEN = re.compile(r"clk_[a-z2-7]{10}_[A-Za-z0-9_-]+")


def scrub_numbers(text: str) -> str:
    """``text`` with every ID-number-like run masked (``mask_id_number``) and every
    credlink API key reduced to its public id: for error bodies and log lines."""
    masked = mask_id_numbers_in(text)
    return _KEY_TOKEN.sub(lambda m: m.group(0)[:15] + "_…", masked)


def opaque_id(value: str) -> str:
    """A stable stand-in for an id that may embed a person's number (a sanction,
    role, record or restriction id) in the public view: a digest, never the id."""
    return "h:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:20]


def public_id(value: str) -> str:
    """An id as the public may see it: as it is, unless it carries something that
    reads as an ID number (a default sanction id embeds its subject's), then
    ``opaque_id``."""
    return opaque_id(value) if _NUMBER_RUN.search(value) else value


def mask_id_numbers_in(text: str) -> str:
    """``text`` (a reason, an explanation) with every resident ID number in it
    masked as :func:`mask_id_number` masks one."""
    return _NUMBER_RUN.sub(lambda match: mask_id_number(match.group(0)), text)
