"""Department subscriptions: which outbox events a department receives.

Pure. A subscription names measures, sanction types and regions; each list left
empty accepts any value. A region matches an event when the person's region code
(from the ID number) or the sanctioned enterprise's (from its credit code) starts
with it, so "51" subscribes a province, "5101" a city, "510104" a district.

A watch (an investigator or officer following a person or an enterprise) is a
subscription with ``persons`` or ``enterprises``: then only the events about one of
them (the person restricted, the sanctioned enterprise, or where a breach's role
was taken) match.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.outbox import OutboxEvent


@dataclass(frozen=True, slots=True)
class Subscription:
    """What one department (an API key) receives."""

    key_id: str
    measures: tuple[str, ...] = ()
    sanction_types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    # watches: with any, only events about these persons or enterprises
    persons: tuple[str, ...] = ()
    enterprises: tuple[str, ...] = ()

    def matches(self, event: OutboxEvent) -> bool:
        """Whether ``event`` is one of this subscription's."""
        if (self.persons or self.enterprises) and not self._watched(event):
            return False
        if self.measures and event.measure not in self.measures:
            return False
        if self.sanction_types and event.sanction_type not in self.sanction_types:
            return False
        if not self.regions:
            return True
        codes = [code for code in (event.region, event.enterprise_region) if code]
        return any(code.startswith(r) for code in codes for r in self.regions)

    def _watched(self, event: OutboxEvent) -> bool:
        touched = {event.enterprise, event.role_enterprise}
        return event.person_id in self.persons or bool(
            touched.intersection(self.enterprises)
        )


def subscription_text(subscription: Subscription) -> str:
    """The stored form (JSON)."""
    return json.dumps(
        {
            "measures": list(subscription.measures),
            "sanction_types": list(subscription.sanction_types),
            "regions": list(subscription.regions),
            "persons": list(subscription.persons),
            "enterprises": list(subscription.enterprises),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def subscription_from_text(key_id: str, text: str) -> Subscription:
    """The subscription stored as ``text`` for ``key_id``."""
    data: dict[str, Any] = json.loads(text)
    return Subscription(
        key_id=key_id,
        measures=tuple(data["measures"]),
        sanction_types=tuple(data["sanction_types"]),
        regions=tuple(data["regions"]),
        persons=tuple(data.get("persons", ())),
        enterprises=tuple(data.get("enterprises", ())),
    )
