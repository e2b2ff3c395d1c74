"""What an export covers: the store's graph, as of a day, read in pages.

Without a day, everything. With ``on``: every person and enterprise, the roles
held that day (half-open, as ``Role.held_on``), the sanctions decided by then and
the restrictions valid that day. Every read streams from the store
(``GraphStore.iter_*``), so an export runs in constant memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import date

    from graph.model import Commendation, Enterprise, Person, Role, Sanction
    from graph.propagation import RestrictionFact
    from graph.store import GraphStore


@dataclass(frozen=True, slots=True)
class Population:
    """The graph of ``store`` as of ``on`` (everything when None).

    ``tick`` is called with the kind of each entity read (``person``, ``role``,
    …): the exporters' progress.
    """

    store: GraphStore
    on: date | None = None
    tick: Callable[[str], None] | None = None

    def persons(self) -> Iterator[Person]:
        """Every person, by key."""
        for person in self.store.iter_persons():
            self._tick("person")
            yield person

    def enterprises(self) -> Iterator[Enterprise]:
        """Every enterprise, by credit code."""
        for enterprise in self.store.iter_enterprises():
            self._tick("enterprise")
            yield enterprise

    def roles(self) -> Iterator[Role]:
        """The roles held on the day (all without one), by id."""
        for role in self.store.iter_roles(self.on):
            self._tick("role")
            yield role

    def sanctions(self) -> Iterator[Sanction]:
        """The sanctions decided by the day (all without one), by id."""
        for sanction in self.store.iter_sanctions():
            if self.on is None or sanction.decided_on <= self.on:
                self._tick("sanction")
                yield sanction

    def commendations(self) -> Iterator[Commendation]:
        """The good records decided by the day (all without one), by id."""
        for commendation in self.store.iter_commendations():
            if self.on is None or commendation.decided_on <= self.on:
                self._tick("commendation")
                yield commendation

    def restrictions(self) -> Iterator[RestrictionFact]:
        """The restrictions valid on the day (all without one), by person."""
        for fact in self.store.iter_restriction_facts(self.on):
            self._tick("restriction")
            yield fact

    def _tick(self, kind: str) -> None:
        if self.tick is not None:
            self.tick(kind)
