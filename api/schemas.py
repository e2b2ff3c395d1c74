"""Request and response shapes of the HTTP API (pydantic lives only at the edges)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from graph.model import EntityKind, RoleType, Sex


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonOut(_Out):
    """A person as the API shows it (masked when the caller asks for ``public``)."""

    person_id: str
    name: str
    aliases: list[str]
    birth_date: date | None
    sex: Sex | None


class EnterpriseOut(_Out):
    """An enterprise."""

    credit_code: str
    name: str
    status: str | None
    founded_on: date | None
    conforming: bool


class RoleOut(_Out):
    """A role held over [since, until)."""

    person_id: str
    credit_code: str
    role: RoleType
    since: date | None
    until: date | None
    source: str
    record_id: str


class AssociateOut(_Out):
    """Someone met in a shared enterprise."""

    person: PersonOut
    via: list[str]


class RelatedOut(_Out):
    """A person's roles, enterprises and associates as of a date."""

    on: date | None
    person: PersonOut
    roles: list[RoleOut]
    enterprises: list[EnterpriseOut]
    associates: list[AssociateOut]


class HolderOut(_Out):
    """A role in an enterprise and the person holding it."""

    role: RoleOut
    person: PersonOut


class EnterprisePeopleOut(_Out):
    """An enterprise and its role holders as of a date."""

    on: date | None
    enterprise: EnterpriseOut
    holders: list[HolderOut]


class StepOut(_Out):
    """One entity on a connection (a person's key masked in the public view)."""

    kind: EntityKind
    key: str


class HopRoleOut(RoleOut):
    """The role of one hop of a connection, with its id."""

    role_id: str


class ConnectionOut(_Out):
    """A shortest chain of roles: ``roles[i]`` links ``steps[i]`` and ``steps[i+1]``."""

    hops: int
    steps: list[StepOut]
    roles: list[HopRoleOut]


class ConnectionsOut(_Out):
    """Every shortest connection between ``a`` and ``b`` (roles held on ``on``;
    all roles when None), at most ``max_hops`` long, by keys then role ids."""

    a: str
    b: str
    on: date | None
    max_hops: int
    connections: list[ConnectionOut]


class HealthOut(_Out):
    """Liveness and what the service runs on."""

    status: str
    store: str


class RestrictionOut(_Out):
    """A restriction in force (or, in a trace without a date, ever derived), with
    its chain: sanction -> subject -> role and its interval -> person."""

    restriction_id: str
    sanction_id: str
    person_id: str
    measure: str
    bars: list[RoleType]
    except_enterprise: str | None
    valid_from: date
    valid_until: date
    survives_repair: bool
    example: bool
    explanation: str
    explanation_en: str
    rule: str
    sanction_type: str
    subject_kind: str
    subject_id: str
    role: RoleType | None
    role_since: date | None
    role_until: date | None
    source: str
    record_id: str


class RestrictionsOut(_Out):
    """The restrictions in force on a person on a date."""

    person_id: str
    person_known: bool
    on: date
    restrictions: list[RestrictionOut]


class AppointmentCheckOut(_Out):
    """May the person take the role in the enterprise on the date? If not, why."""

    person_id: str
    person_known: bool
    role: RoleType
    enterprise: str
    on: date
    allowed: bool
    blocking: list[RestrictionOut]


class TraceOut(_Out):
    """Everyone a sanction reaches, and why (in force on ``on``; all when None)."""

    sanction_id: str
    on: date | None
    restrictions: list[RestrictionOut]
