"""Domain values -> response schemas, masked for a public audience when asked."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from api.masking import mask_id_number, mask_name
from api.schemas import EnterpriseOut, PersonOut, RoleOut

if TYPE_CHECKING:
    from graph.model import Enterprise, Person, Role


class View(StrEnum):
    """Who will see the answer: an authorised system (full) or the public (masked)."""

    FULL = "full"
    PUBLIC = "public"


def person_out(person: Person, view: View) -> PersonOut:
    """A person; the public view hides the ID number, given names and birth date."""
    if view is View.PUBLIC:
        return PersonOut(
            person_id=mask_id_number(person.person_id),
            name=mask_name(person.name),
            aliases=[],
            birth_date=None,
            sex=person.sex,
        )
    return PersonOut(
        person_id=person.person_id,
        name=person.name,
        aliases=list(person.aliases),
        birth_date=person.birth_date,
        sex=person.sex,
    )


def role_out(role: Role, view: View) -> RoleOut:
    """A role; the public view masks the holder's ID number."""
    person_id = role.person_id
    if view is View.PUBLIC:
        person_id = mask_id_number(person_id)
    return RoleOut(
        person_id=person_id,
        credit_code=role.credit_code,
        role=role.role,
        since=role.since,
        until=role.until,
        source=role.source,
        record_id=role.record_id,
    )


def enterprise_out(enterprise: Enterprise) -> EnterpriseOut:
    """An enterprise (its data is public record)."""
    return EnterpriseOut(
        credit_code=enterprise.credit_code,
        name=enterprise.name,
        status=enterprise.status,
        founded_on=enterprise.founded_on,
        conforming=enterprise.conforming,
    )
