"""An enterprise's standing on a day: its own sanctions, the restrictions in force
on its role holders, the roles taken while a restriction barred them (违规任职), and
its good records (守信记录) with the incentives they earn that day.

Built on the GraphStore protocol, ``graph.enforcement`` and ``graph.incentives``:
restrictions, the appointment rule (``check_appointment``) and the incentives rule
are the ones every other answer uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from graph import enforcement
from graph.errors import EntityNotFoundError
from graph.incentives import good_records_of
from graph.model import EntityKind

if TYPE_CHECKING:
    from datetime import date

    from graph.incentives import GoodRecord
    from graph.model import Enterprise, Role, Sanction
    from graph.policy.catalogue import Catalogue
    from graph.policy.incentives import IncentivesCatalogue
    from graph.propagation import Restriction
    from graph.store import GraphStore


@dataclass(frozen=True, slots=True)
class RestrictedHolder:
    """A role held on the day by a person under restrictions in force that day."""

    role: Role
    restrictions: tuple[Restriction, ...]


@dataclass(frozen=True, slots=True)
class IrregularAppointment:
    """A role held on the day that was taken (on its ``since``) while restrictions
    in force that day barred it: 违规任职."""

    role: Role
    blocking: tuple[Restriction, ...]


@dataclass(frozen=True, slots=True)
class Standing:
    """An enterprise's standing on ``day``."""

    enterprise: Enterprise
    day: date
    sanctions: tuple[Sanction, ...]
    restricted: tuple[RestrictedHolder, ...]
    irregular: tuple[IrregularAppointment, ...]
    good_records: tuple[GoodRecord, ...] = ()

    @property
    def incentives(self) -> list[GoodRecord]:
        """The good records that earn their facilitations on the day."""
        return [r for r in self.good_records if r.in_force]

    @property
    def persons(self) -> list[str]:
        """Every person the standing names (for the audit entry)."""
        roles = [h.role for h in self.restricted] + [a.role for a in self.irregular]
        return list(dict.fromkeys(r.person_id for r in roles))


def standing_of(
    store: GraphStore,
    catalogue: Catalogue,
    incentives: IncentivesCatalogue,
    credit_code: str,
    day: date,
) -> Standing:
    """The enterprise's sanctions (every one, with its status), its role holders on
    ``day`` under restrictions in force that day, and its roles held on ``day``
    that were taken while a restriction barred that role in this enterprise (the
    appointment rule of ``enforcement.check_appointment`` on the role's start
    date; a role without a start date is not judged), sorted by role id; and its
    commendations decided by ``day``, each assessed on ``day`` (in force, suspended
    or withdrawn by a later sanction against it, expired), by decision date.

    Raises EntityNotFoundError for an unknown credit code.
    """
    enterprise = store.get_enterprise(credit_code)
    if enterprise is None:
        raise EntityNotFoundError("enterprise", credit_code)
    sanctions = store.sanctions_against(EntityKind.ENTERPRISE, credit_code)
    roles = store.neighbours(EntityKind.ENTERPRISE, credit_code, day)
    in_force: dict[str, list[Restriction]] = {}
    restricted: list[RestrictedHolder] = []
    irregular: list[IrregularAppointment] = []
    for role in roles:
        if role.person_id not in in_force:
            in_force[role.person_id] = enforcement.restrictions_on(
                store, catalogue, role.person_id, day
            )
        if in_force[role.person_id]:
            restricted.append(RestrictedHolder(role, tuple(in_force[role.person_id])))
        if role.since is not None:
            check = enforcement.check_appointment(
                store, catalogue, role.person_id, role.role, credit_code, role.since
            )
            if not check.allowed:
                irregular.append(IrregularAppointment(role, check.blocking))
    good = good_records_of(
        store, catalogue, incentives, EntityKind.ENTERPRISE, credit_code, day
    )
    return Standing(
        enterprise,
        day,
        tuple(sanctions),
        tuple(restricted),
        tuple(irregular),
        tuple(good),
    )
