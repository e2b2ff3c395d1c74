"""Domain values -> response schemas, masked for a public audience when asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.masking import mask_id_number, mask_name, opaque_id, public_id
from api.schemas import EnterpriseOut, PersonOut, RestrictionOut, RoleOut, View
from graph.model import EntityKind

if TYPE_CHECKING:
    from graph.model import Enterprise, Person, Role
    from graph.propagation import Restriction


__all__ = [
    "View",
    "enterprise_out",
    "key_out",
    "person_out",
    "restriction_out",
    "role_out",
    "sanction_id_out",
]


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


def key_out(person_id: str, view: View) -> str:
    """A person's key as the audience may see it."""
    return mask_id_number(person_id) if view is View.PUBLIC else person_id


def sanction_id_out(sanction_id: str, view: View) -> str:
    """A sanction's id as the audience may see it (a default id embeds the
    subject's number: hidden from the public)."""
    return public_id(sanction_id) if view is View.PUBLIC else sanction_id


def role_out(role: Role, view: View) -> RoleOut:
    """A role; the public view masks the holder's ID number."""
    person_id, record_id = role.person_id, role.record_id
    if view is View.PUBLIC:
        person_id = mask_id_number(person_id)
        record_id = public_id(record_id)
    return RoleOut(
        person_id=person_id,
        credit_code=role.credit_code,
        role=role.role,
        since=role.since,
        until=role.until,
        source=role.source,
        record_id=record_id,
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


def restriction_out(restriction: Restriction, view: View) -> RestrictionOut:
    """A restriction and its chain; the public view masks the person's ID number
    (and the subject's, for a sanction against a person) and the role's record.

    The explanations name the enterprise and the decision, never the person.
    """
    chain = restriction.chain
    person_id, subject_id = restriction.person_id, chain.subject_id
    restriction_id, record_id = restriction.restriction_id, chain.record_id
    sanction_id = restriction.sanction_id
    if view is View.PUBLIC:
        person_id = mask_id_number(person_id)
        # the id is built from the person's key (and the role's, which holds it)
        restriction_id = opaque_id(restriction_id)
        sanction_id = public_id(sanction_id)
        if chain.subject_kind is EntityKind.PERSON:
            subject_id = mask_id_number(subject_id)
        record_id = ""
    return RestrictionOut(
        restriction_id=restriction_id,
        sanction_id=sanction_id,
        person_id=person_id,
        measure=restriction.measure,
        bars=list(restriction.bars),
        except_enterprise=restriction.except_enterprise,
        valid_from=restriction.valid_from,
        valid_until=restriction.valid_until,
        survives_repair=restriction.survives_repair,
        example=restriction.example,
        explanation=restriction.explanation_zh,
        explanation_en=restriction.explanation_en,
        rule=restriction.rule,
        sanction_type=chain.sanction_type,
        subject_kind=chain.subject_kind.value,
        subject_id=subject_id,
        role=chain.role,
        role_since=chain.role_since,
        role_until=chain.role_until,
        source=chain.source,
        record_id=record_id,
    )
