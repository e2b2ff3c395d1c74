"""Domain values -> response schemas, masked for a public audience when asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.keys import is_person_key
from api.masking import mask_id_number, mask_name, opaque_id, public_id
from api.schemas import (
    AppointmentCheckOut,
    AssociateOut,
    ConnectionOut,
    ConnectionsOut,
    EnterpriseOut,
    EnterprisePeopleOut,
    FacilitationOut,
    HolderOut,
    HopRoleOut,
    IncentiveBriefOut,
    IncentiveOut,
    LifecycleEventOut,
    PersonOut,
    RelatedOut,
    RestrictionOut,
    RestrictionsOut,
    RoleOut,
    StepOut,
    TraceOut,
    View,
)
from graph.model import EntityKind
from graph.propagation import Lifecycle, RestrictionStatus

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from graph.exploration import Related
    from graph.incentives import GoodRecord
    from graph.model import Connection, Enterprise, Person, Role, RoleType
    from graph.propagation import AppointmentCheck, Restriction, SanctionEvent


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
    lifecycle = restriction.lifecycle or _dated_only(restriction)
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
        ends_on=lifecycle.ends_on,
        status=lifecycle.status,
        status_on=lifecycle.since,
        status_event=_event_out(lifecycle.event),
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


def _dated_only(restriction: Restriction) -> Lifecycle:
    """The lifecycle of a restriction read without its events: its dates decide."""
    return Lifecycle(
        RestrictionStatus.IN_FORCE, restriction.valid_from, restriction.valid_until
    )


def _event_out(event: SanctionEvent | None) -> LifecycleEventOut | None:
    if event is None:
        return None
    return LifecycleEventOut(
        kind=event.kind.value,
        on=event.on,
        seq=event.seq,
        by=event.by,
        reason=event.reason,
    )


# -- whole answers: one builder per question, for the CLI's --json and the routes --


def restrictions_answer(
    person_id: str,
    known: bool,
    day: date,
    found: Sequence[Restriction],
    view: View,
    incentives: Sequence[GoodRecord] = (),
) -> RestrictionsOut:
    """The restrictions in force on a person on a day, and their incentives."""
    return RestrictionsOut(
        person_id=key_out(person_id, view),
        person_known=known,
        on=day,
        restrictions=[restriction_out(r, view) for r in found],
        incentives=[incentive_out(r, view) for r in incentives],
    )


def _facilitations(record: GoodRecord) -> list[FacilitationOut]:
    kind = record.kind
    return [
        FacilitationOut(key=f.key, name_zh=f.name_zh, name_en=f.name_en)
        for f in (kind.facilitations if kind is not None else ())
    ]


def incentive_out(record: GoodRecord, view: View) -> IncentiveOut:
    """A good record in force and what it earns; the public view sees an opaque
    record id (a default id names the source row)."""
    item, kind = record.commendation, record.kind
    assert kind is not None
    assert record.ends_on is not None
    return IncentiveOut(
        commendation_id=public_id(item.commendation_id)
        if view is View.PUBLIC
        else item.commendation_id,
        kind=item.kind,
        name_zh=kind.name_zh,
        name_en=kind.name_en,
        authority=item.authority,
        decided_on=item.decided_on,
        valid_until=record.ends_on,
        facilitations=_facilitations(record),
        example=record.example,
    )


def incentive_brief_out(record: GoodRecord) -> IncentiveBriefOut:
    """A good record in force as an appointment decision carries it."""
    kind = record.kind
    assert kind is not None
    assert record.ends_on is not None
    return IncentiveBriefOut(
        kind=record.commendation.kind,
        name_zh=kind.name_zh,
        valid_until=record.ends_on,
        facilitations=_facilitations(record),
        example=record.example,
    )


def check_answer(
    person_id: str,
    known: bool,
    role: RoleType,
    credit_code: str,
    day: date,
    check: AppointmentCheck,
    view: View,
    incentives: Sequence[GoodRecord] = (),
) -> AppointmentCheckOut:
    """An appointment check, what blocks it, and the incentives in force."""
    return AppointmentCheckOut(
        person_id=key_out(person_id, view),
        person_known=known,
        role=role,
        enterprise=credit_code,
        on=day,
        allowed=check.allowed,
        blocking=[restriction_out(r, view) for r in check.blocking],
        incentives=[incentive_out(r, view) for r in incentives],
    )


def trace_answer(
    sanction_id: str, day: date | None, reached: Sequence[Restriction], view: View
) -> TraceOut:
    """Everyone a sanction reaches."""
    return TraceOut(
        sanction_id=sanction_id,
        on=day,
        restrictions=[restriction_out(r, view) for r in reached],
    )


def related_answer(related: Related, day: date | None, view: View) -> RelatedOut:
    """A person's roles, enterprises and associates."""
    return RelatedOut(
        on=day,
        person=person_out(related.person, view),
        roles=[role_out(r, view) for r in related.roles],
        enterprises=[enterprise_out(e) for e in related.enterprises],
        associates=[
            AssociateOut(person=person_out(a.person, view), via=list(a.via))
            for a in related.associates
        ],
        depth=related.depth,
        further=[role_out(r, view) for r in related.further],
        further_enterprises=[enterprise_out(e) for e in related.further_enterprises],
        next_cursor=related.next_cursor,
    )


def people_answer(
    enterprise: Enterprise,
    holders: Sequence[tuple[Role, Person]],
    day: date | None,
    view: View,
    next_cursor: str | None = None,
) -> EnterprisePeopleOut:
    """An enterprise's role holders (one page of them)."""
    return EnterprisePeopleOut(
        on=day,
        enterprise=enterprise_out(enterprise),
        holders=[
            HolderOut(role=role_out(role, view), person=person_out(person, view))
            for role, person in holders
        ],
        next_cursor=next_cursor,
    )


def connections_answer(
    a: str,
    b: str,
    day: date | None,
    max_hops: int,
    found: Sequence[Connection],
    view: View,
) -> ConnectionsOut:
    """Every shortest connection between two entities."""
    return ConnectionsOut(
        a=_end_out(a, view),
        b=_end_out(b, view),
        on=day,
        max_hops=max_hops,
        connections=[_connection_out(c, view) for c in found],
    )


def _end_out(key: str, view: View) -> str:
    """An end as asked, masked in the public view when it reads as an ID number."""
    return key_out(key, view) if is_person_key(key) else key


def _connection_out(connection: Connection, view: View) -> ConnectionOut:
    roles = []
    for role in connection.roles:
        shown = role_out(role, view)
        roles.append(
            HopRoleOut(
                **shown.model_dump(),
                role_id=(
                    opaque_id(role.role_id) if view is View.PUBLIC else role.role_id
                ),
            )
        )
    return ConnectionOut(
        hops=connection.hops,
        steps=[
            StepOut(
                kind=kind,
                key=key_out(key, view) if kind is EntityKind.PERSON else key,
            )
            for kind, key in zip(connection.kinds, connection.keys, strict=True)
        ],
        roles=roles,
    )
