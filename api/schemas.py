"""Request and response shapes of the HTTP API (pydantic lives only at the edges)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field

from graph.model import EntityKind, RoleType, Sex
from graph.propagation import RestrictionStatus


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


class LifecycleEventOut(_Out):
    """The recorded event behind a restriction's status (repair, objection …)."""

    kind: str
    on: date
    seq: int
    by: str
    reason: str


class RestrictionOut(_Out):
    """A restriction in force (or, in a trace without a date, ever derived), with
    its chain: sanction -> subject -> role and its interval -> person.

    ``status`` is where it stands on the day asked about (today for a trace without
    a date): in_force, corrected, suspended, repaired, revoked, expired or not_yet,
    since ``status_on``, because of ``status_event`` (None when its dates alone
    decide). ``ends_on`` is its effective end: ``valid_until``, or the day a repair
    or an upheld objection ended it."""

    restriction_id: str
    sanction_id: str
    person_id: str
    measure: str
    bars: list[RoleType]
    except_enterprise: str | None
    valid_from: date
    valid_until: date
    ends_on: date
    status: RestrictionStatus
    status_on: date | None
    status_event: LifecycleEventOut | None
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
    """May the person take the role in the enterprise on the date? If not, why.

    ``outcome`` is the answer to act on: ``allowed``, ``blocked``, or
    ``no_record_held`` when the store holds no such person (nothing blocks them,
    but nothing is known about them either: never a clearance)."""

    person_id: str
    person_known: bool
    role: RoleType
    enterprise: str
    on: date
    allowed: bool
    blocking: list[RestrictionOut]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> CheckOutcome:
        """allowed, blocked or no_record_held."""
        if not self.allowed:
            return CheckOutcome.BLOCKED
        if not self.person_known:
            return CheckOutcome.NO_RECORD_HELD
        return CheckOutcome.ALLOWED


class CheckOutcome(StrEnum):
    """The answer of an appointment check."""

    ALLOWED = "allowed"
    BLOCKED = "blocked"
    NO_RECORD_HELD = "no_record_held"


class TraceOut(_Out):
    """Everyone a sanction reaches, and why (in force on ``on``; all when None)."""

    sanction_id: str
    on: date | None
    restrictions: list[RestrictionOut]


class PersonNotHeldOut(_Out):
    """The store holds no record of the person asked about: nothing is known of
    them (the command line's answer, with exit code 1)."""

    person_id: str
    person_known: bool = False
    detail: str


class EnterpriseNotHeldOut(_Out):
    """The store holds no record of the enterprise asked about."""

    credit_code: str
    enterprise_known: bool = False
    detail: str
