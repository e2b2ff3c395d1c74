"""Request and response shapes of the HTTP API (pydantic lives only at the edges)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, computed_field

from api.audience import View as View  # re-exported: requests and views use it
from graph.model import CONNECTION_MAX_HOPS, EntityKind, RoleType, Sex
from graph.propagation import RestrictionStatus


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


PersonRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="A resident ID number in any written form (15 or 18 digits, "
        "lowercase x, full-width, spaces) or a surrogate `U…` key.",
    ),
]
On = Annotated[date | None, Field(description="As of this date.")]


# -- requests: ID numbers travel in bodies, never in paths or query strings --------


class PersonQuery(_In):
    """One person, by number."""

    id_number: PersonRef
    view: View = View.FULL


class RelatedQuery(PersonQuery):
    """A person's related entities as of a date (all roles when ``on`` is absent),
    to ``depth``, the associates a page at a time."""

    on: On = None
    depth: int = Field(default=2, ge=1, le=3)
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: str | None = Field(default=None, max_length=200)


class RestrictionsQuery(_In):
    """The restrictions in force on a person on a date (default today); a key
    bound to one person may leave out ``id_number`` (its own)."""

    id_number: PersonRef | None = None
    view: View = View.FULL
    on: On = None


class AppointmentCheckIn(_In):
    """May ``person`` take ``role`` in ``enterprise`` on ``on`` (default today)?"""

    person: PersonRef
    role: RoleType
    enterprise: Annotated[str, Field(min_length=1, max_length=64)]
    on: On = None


class TraceQuery(_In):
    """Everyone a sanction reaches (in force on ``on``; all ever derived without)."""

    sanction_id: Annotated[str, Field(min_length=1, max_length=512)]
    on: On = None
    view: View = View.FULL


class ConnectionsQuery(_In):
    """Every shortest chain of roles between ``a`` and ``b`` (IDs or credit codes)."""

    a: PersonRef
    b: PersonRef
    on: On = None
    max_hops: Annotated[int, Field(ge=0, le=CONNECTION_MAX_HOPS)] = 6
    limit: Annotated[int, Field(ge=1, le=1000)] = 20
    view: View = View.FULL


class LifecycleIn(_In):
    """A lifecycle event of a sanction; who records it comes from the key."""

    sanction_id: Annotated[str, Field(min_length=1, max_length=512)]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    on: On = None


class DecisionIn(LifecycleIn):
    """The decision on a pending objection."""

    upheld: bool


class CorrectionIn(LifecycleIn):
    """Corrected fields of a sanction record (dates ISO; "" clears an optional date)."""

    changes: Annotated[dict[str, str], Field(min_length=1)]


class KeyCreateIn(_In):
    """A new API key for a role."""

    role: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    expires_days: Annotated[int | None, Field(ge=1, le=3650)] = None


class RotateIn(_In):
    """How long the old key keeps working after a rotation."""

    grace_hours: Annotated[int, Field(ge=0, le=720)] = 0


class WhoQueriedIn(_In):
    """Every query about one person (by number)."""

    person: PersonRef


class ReviewIn(_In):
    """The audit review of a period (``until`` exclusive, default: now)."""

    since: date
    until: date | None = None


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
    depth: int = Field(default=2, description="How far the answer goes (1..3).")
    further: list[RoleOut] = Field(
        default_factory=list,
        description="Depth 3: this page's associates' roles in other enterprises.",
    )
    further_enterprises: list[EnterpriseOut] = Field(default_factory=list)
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page (null: last)."
    )


class HolderOut(_Out):
    """A role in an enterprise and the person holding it."""

    role: RoleOut
    person: PersonOut


class EnterprisePeopleOut(_Out):
    """An enterprise and its role holders as of a date."""

    on: date | None
    enterprise: EnterpriseOut
    holders: list[HolderOut]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page (null: last)."
    )


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


class FacilitationOut(_Out):
    """A facilitation a good record earns (绿色通道, 容缺受理, 优先办理 …)."""

    key: str
    name_zh: str
    name_en: str


class IncentiveOut(_Out):
    """A good record (守信记录) in force on the day and the facilitations it earns
    until ``valid_until`` (exclusive: the commendation's own validity or the
    incentives catalogue's period, whichever ends first). ``example``: the
    incentives catalogue is an example a city replaces."""

    commendation_id: str
    kind: str
    name_zh: str
    name_en: str
    authority: str
    decided_on: date
    valid_until: date
    facilitations: list[FacilitationOut]
    example: bool


class RestrictionsOut(_Out):
    """The restrictions in force on a person on a date, and the incentives their
    good records earn that day."""

    person_id: str
    person_known: bool
    on: date
    restrictions: list[RestrictionOut]
    incentives: list[IncentiveOut] = Field(default_factory=list)


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
    incentives: list[IncentiveOut] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> CheckOutcome:
        """allowed, blocked or no_record_held."""
        return check_outcome(allowed=self.allowed, person_known=self.person_known)


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


class BlockingOut(_Out):
    """A measure that bars the appointment: what, which roles, until when, why in
    general terms (no person's data)."""

    measure: str
    bars: list[RoleType]
    sanction_type: str
    valid_until: date
    rule: str
    example: bool


class IncentiveBriefOut(_Out):
    """A good record in force, as a registration or HR system gets it: the kind,
    the facilitations and until when (no record id, nothing about the person)."""

    kind: str
    name_zh: str
    valid_until: date
    facilitations: list[FacilitationOut]
    example: bool


class AppointmentDecisionOut(_Out):
    """The appointment check as a registration or HR system gets it: allowed or
    blocked, the blocking measures and until when, nothing else about the person.
    ``outcome`` is the answer to act on (``no_record_held``: never a clearance)."""

    person_known: bool
    role: RoleType
    enterprise: str
    on: date
    allowed: bool
    blocking: list[BlockingOut]
    incentives: list[IncentiveBriefOut] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> CheckOutcome:
        """allowed, blocked or no_record_held."""
        return check_outcome(allowed=self.allowed, person_known=self.person_known)


class RecordedEventOut(_Out):
    """A lifecycle event just recorded."""

    sanction_id: str
    seq: int
    kind: str
    on: date
    by: str
    reason: str
    changes: dict[str, str]


class LifecycleOut(_Out):
    """The sanction after the event, and the event."""

    sanction_id: str
    status: str
    event: RecordedEventOut


class KeyOut(_Out):
    """An API key as listed (never its secret)."""

    key_id: str
    name: str
    role: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    usable: bool


class KeyIssuedOut(KeyOut):
    """A key just made: ``key`` is shown this once and stored only as a hash."""

    key: str


class AuditVerifyOut(_Out):
    """Whether the audit log's chain holds and agrees with the store's checkpoints."""

    ok: bool
    entries: int
    head: str | None
    log: str | None
    first_bad: int | None
    problem: str | None
    checkpoints: int


class QueryRecordOut(_Out):
    """One query about a person: when, which organisation (key), role, purpose."""

    at: str
    key_id: str
    key_name: str
    role: str
    purpose: str
    action: str
    outcome: str
    via: str


class WhoQueriedOut(_Out):
    """Every query about one person, oldest first."""

    person: str
    queries: list[QueryRecordOut]


class KeyReviewOut(_Out):
    """One key's use over the reviewed period, and why it stands out if it does."""

    key_id: str
    key_name: str
    role: str
    requests: int
    persons: int
    denials: int
    max_persons_per_window: int
    off_hours: int
    flags: list[str]


class ReviewOut(_Out):
    """The audit review of a period, per key."""

    since: date
    until: date | None
    window_minutes: int
    keys: list[KeyReviewOut]


class ProblemOut(_Out):
    """One invalid part of a request (never the value sent)."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(_Out):
    """Every error answer: the error's name, what went wrong (a sentence, or the
    invalid parts of a request), and a short machine-readable reason."""

    error: str
    detail: str | list[ProblemOut]
    reason: str | None = None


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


def check_outcome(*, allowed: bool, person_known: bool) -> CheckOutcome:
    """Blocked, else no record held of an unknown person, else allowed."""
    if not allowed:
        return CheckOutcome.BLOCKED
    if not person_known:
        return CheckOutcome.NO_RECORD_HELD
    return CheckOutcome.ALLOWED
