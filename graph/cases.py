"""An investigator's saved case: a drawing of the graph kept per API key.

The store keeps a case as opaque JSON (``content``: nodes, positions, date, notes,
as the explorer drew them) with the keys of the persons it carries, so that reading
it back is audited like any answer naming those persons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True, slots=True)
class Case:
    """A named case of one key (``owner``: the key id).

    ``persons`` are the keys of the persons drawn in it (audited when it is read);
    ``content`` is the explorer's JSON document, stored as written.
    """

    owner: str
    name: str
    saved_at: datetime
    persons: tuple[str, ...]
    content: str
