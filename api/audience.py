"""Who will see an answer (a name of its own so that the command line can offer the
choice without loading the HTTP schemas)."""

from __future__ import annotations

from enum import StrEnum


class View(StrEnum):
    """Who will see the answer: an authorised system (full) or the public (masked).
    A role whose view is masked always gets ``public``, whatever it asks."""

    FULL = "full"
    PUBLIC = "public"
