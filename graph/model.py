"""Domain types of credlink: people, enterprises, the roles that link them, sanctions.

Plain frozen values with no I/O. Every store turns its records into these types and
every caller receives only these types.

Role intervals are half-open: a role is held on day ``d`` when ``since <= d < until``.
A missing ``since`` means "held since before anything we know"; a missing ``until``
means "still held". With half-open intervals a hand-over on day D gives exactly one
holder on that day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date, datetime


class EntityKind(StrEnum):
    """The two kinds of entity that carry credit records."""

    PERSON = "person"
    ENTERPRISE = "enterprise"


class RoleType(StrEnum):
    """Roles a person holds in an enterprise (the responsible persons of 落实到人)."""

    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人
    DIRECTOR = "director"  # 董事
    SUPERVISOR = "supervisor"  # 监事
    SENIOR_MANAGER = "senior_manager"  # 高级管理人员
    SHAREHOLDER = "shareholder"  # 股东


class Sex(StrEnum):
    """Sex as encoded in the resident ID number (odd sequence digit = male)."""

    MALE = "M"
    FEMALE = "F"


class SanctionStatus(StrEnum):
    """Where a sanction stands in its lifecycle; expiry is derived from its dates."""

    ACTIVE = "active"
    SUSPENDED = "suspended"  # an objection (异议) is pending
    REPAIRED = "repaired"  # credit repair (信用修复) lifted it
    REVOKED = "revoked"  # an upheld objection or a correction removed it


class Judgement(StrEnum):
    """A reviewer's verdict on whether two records describe one identity."""

    SAME = "same"
    DIFFERENT = "different"
    UNSURE = "unsure"


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One row of one source system, kept verbatim as provenance of the facts it gave.

    ``raw`` holds the row's fields exactly as read, as sorted (field, value) pairs.
    ``entity_key`` is the entity the record was resolved to, or None while unresolved.
    """

    source: str
    record_id: str
    kind: EntityKind
    raw: tuple[tuple[str, str], ...]
    entity_key: str | None = None

    @property
    def key(self) -> str:
        """The record's unique key: its source and its id in that source."""
        return f"{self.source}#{self.record_id}"

    def raw_dict(self) -> dict[str, str]:
        """The raw fields as a dict."""
        return dict(self.raw)


@dataclass(frozen=True, slots=True)
class Person:
    """A natural person, keyed by the canonical 18-character resident ID number.

    When no valid ID number is known the key is a surrogate starting with ``U``
    (never a valid ID number, so the two cannot collide).
    """

    person_id: str
    name: str
    birth_date: date | None = None
    sex: Sex | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Enterprise:
    """An enterprise keyed by its unified social credit code (统一社会信用代码).

    ``conforming`` is False for codes that were legally issued but fail the GB 32100
    check character (early pilot regions); they link by exact value only.
    """

    credit_code: str
    name: str
    status: str | None = None
    founded_on: date | None = None
    conforming: bool = True
    org_code: str | None = None  # 9-character organisation code (GB 11714)
    registration_no: str | None = None  # 15-digit business registration number


@dataclass(frozen=True, slots=True)
class Role:
    """A person's role in an enterprise over the half-open interval [since, until)."""

    person_id: str
    credit_code: str
    role: RoleType
    since: date | None = None
    until: date | None = None
    source: str = ""
    record_id: str = ""

    @property
    def role_id(self) -> str:
        """Stable key: one person, one enterprise, one role type, one start date."""
        since = self.since.isoformat() if self.since else ""
        return f"{self.person_id}|{self.credit_code}|{self.role.value}|{since}"

    def held_on(self, day: date) -> bool:
        """Whether the role is held on ``day`` (half-open interval)."""
        return (self.since is None or self.since <= day) and (
            self.until is None or day < self.until
        )


# The longest connection a store searches for: Cypher's variable-length bound is part
# of the query text (graph.queries.CONNECTIONS), so it is a constant, not a parameter.
CONNECTION_MAX_HOPS = 12


@dataclass(frozen=True, slots=True)
class Connection:
    """A shortest path between two entities through roles held (person-enterprise-...).

    ``kinds[i]``/``keys[i]`` are the i-th entity from one end to the other;
    ``roles[i]`` is the role linking entities i and i+1, so there is one role fewer
    than entities. Two roles between the same person and enterprise give two
    connections. A connection of an entity to itself has no roles.
    """

    kinds: tuple[EntityKind, ...]
    keys: tuple[str, ...]
    roles: tuple[Role, ...]

    @property
    def hops(self) -> int:
        """How many roles the path goes through."""
        return len(self.roles)

    @property
    def sort_key(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The order connections are listed in: entity keys, then role ids."""
        return self.keys, tuple(role.role_id for role in self.roles)


@dataclass(frozen=True, slots=True)
class Sanction:
    """A decision against a subject: an enterprise (by credit code) or a person."""

    sanction_id: str
    subject_kind: EntityKind
    subject_id: str
    type: str  # a key of the measures catalogue
    authority: str
    decision_no: str
    decided_on: date
    violation_date: date | None = None
    display_until: date | None = None
    status: SanctionStatus = SanctionStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class Commendation:
    """A good record (守信记录) of a person or an enterprise: a commendation or a
    listing for incentives (诚信道德模范, 优秀志愿者, 守信激励对象 …).

    ``kind`` is a key of the incentives catalogue; ``authority`` the issuing body;
    ``valid_until`` the first day it no longer holds (None: the catalogue's period
    alone bounds it). Keyed by ``commendation_id`` (by default ``source#record_id``).
    """

    commendation_id: str
    subject_kind: EntityKind
    subject_id: str
    kind: str
    authority: str
    decided_on: date
    valid_until: date | None = None
    source: str = ""
    record_id: str = ""


# Fields of a Sanction a correction (更正) may replace. Every correction derives the
# sanction's restrictions again, since the chain and explanations quote all of them.
CORRECTABLE_FIELDS: frozenset[str] = frozenset(
    {
        "subject_kind",
        "subject_id",
        "type",
        "authority",
        "decision_no",
        "decided_on",
        "violation_date",
        "display_until",
    }
)


@dataclass(frozen=True, slots=True)
class Counts:
    """How many entities of each kind a store holds."""

    persons: int = 0
    enterprises: int = 0
    roles: int = 0
    sanctions: int = 0
    commendations: int = 0
    source_records: int = 0


@dataclass(frozen=True, slots=True)
class Registry:
    """A whole registry in memory: what a loader produces and a store ingests."""

    persons: tuple[Person, ...] = ()
    enterprises: tuple[Enterprise, ...] = ()
    roles: tuple[Role, ...] = ()
    sanctions: tuple[Sanction, ...] = ()
    source_records: tuple[SourceRecord, ...] = field(default=())


# -- linkage -----------------------------------------------------------------------


class ConflictKind(StrEnum):
    """What a record of an identity contradicts."""

    NAME = "name"  # one ID number, names that cannot be one person's
    BIRTH_DATE = "birth_date"  # stated birth date differs from the one in the number
    SEX = "sex"  # stated sex differs from the one in the number


class CandidateRule(StrEnum):
    """The rule that proposed a candidate; candidates never merge by themselves."""

    ID_TYPO = "id_typo"  # a number failing its check is one typo from a known one
    LEGACY_TYPO = "legacy_typo"  # a lone 15-digit number is one typo from a known one
    NUMBER_TYPO = "number_typo"  # two identities' valid numbers are one typo apart
    FUZZY = "fuzzy"  # no usable number: blocking plus name and birth date scores


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposal that a source record is a known person or another record.

    ``target`` is a person id, or the key (``source#record_id``) of another record
    without a usable ID number. ``rank`` is 1 for the record's best candidate.
    """

    record_key: str
    target: str
    score: float
    rule: CandidateRule
    reasons: tuple[str, ...]
    rank: int = 1

    @property
    def target_is_record(self) -> bool:
        """Whether the target is another source record (person ids have no #)."""
        return "#" in self.target


@dataclass(frozen=True, slots=True)
class JudgementRecord:
    """A reviewer's verdict that ``a`` and ``b`` are (not) one identity.

    ``a`` and ``b`` are record keys or person ids. A judgement is undone, never
    deleted: ``undone_at``/``undone_by`` say when and by whom.
    """

    judgement_id: str
    a: str
    b: str
    verdict: Judgement
    by: str
    at: datetime
    reason: str = ""
    undone_at: datetime | None = None
    undone_by: str | None = None

    @property
    def active(self) -> bool:
        """Whether the judgement still applies."""
        return self.undone_at is None


@dataclass(frozen=True, slots=True)
class Conflict:
    """A record of an identity that contradicts it; flagged, never dropped."""

    person_id: str
    record_key: str
    kind: ConflictKind
    detail: str


@dataclass(frozen=True, slots=True)
class RecordLink:
    """What the last link knew of a person source record, kept to find neighbourhoods.

    Written by ``credlink link`` for every record it resolved: ``entity`` the person
    it went to (None: unresolved), ``number`` its normalised ID number, ``text`` its
    bad number as typo recovery looks it up, ``sound`` its name's blocking key,
    ``birth`` the birth date it states and ``born`` the one its number encodes.
    ``pending`` is set when the record is written or deleted after that link: the
    keys are then those of the last link (all None for a record never linked).
    ``filed`` is, for a deleted record, the person it was filed under when deleted.
    ``rev`` counts the pending marks: every write or delete of the record raises it
    (in the same transaction), so a link saves a state only if it read the latest.
    """

    key: str
    entity: str | None = None
    number: str | None = None
    text: str | None = None
    sound: str | None = None
    birth: date | None = None
    born: date | None = None
    pending: bool = False
    filed: str | None = None
    rev: int = 0


@dataclass(frozen=True, slots=True)
class LinkLease:
    """The store's link lease: while it is held, no other ``credlink link`` runs.

    ``holder`` names the run that took it (host, process id and a random part),
    ``since`` when it took it, ``expires`` when another run may take it over (the
    lease of a run that crashed expires).
    """

    holder: str
    since: datetime
    expires: datetime


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A caller's API key as stored: never the key itself, only its hash.

    ``key_id`` is the public part of the key (shown in lists and the audit log);
    ``secret_hash`` the SHA-256 of its secret part. A key answers while it is
    neither revoked nor past ``expires_at``. ``person_id`` is the key's subject
    when the key is bound to one person (a citizen's own key): it reads only
    that person's file.
    """

    key_id: str
    name: str
    role: str
    secret_hash: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    person_id: str | None = None

    def usable_at(self, now: datetime) -> bool:
        """Whether the key may be used at ``now``."""
        if self.revoked_at is not None and self.revoked_at <= now:
            return False
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True, slots=True)
class AuditCheckpoint:
    """The head of an audit log at one entry, kept in the store as an anchor.

    An audit file whose entry ``seq`` no longer hashes to ``head``, or which ends
    before ``seq``, was edited or cut after the checkpoint was taken.
    """

    log_id: str
    seq: int
    head: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SearchLookup:
    """What one search asks of a store (``GraphStore.search_candidates``).

    The search keys of each kind (``linkage.search_keys``): an exact key lists its
    first ``limit`` holders by key, a gram every holder, or none when it has more
    than ``limit`` (a key in both counts as exact). And the identifiers the query
    may be: a resident ID number, a credit code, a legacy identifier (canonical
    organisation code or registration number).
    """

    person_exact: tuple[str, ...] = ()
    person_grams: tuple[str, ...] = ()
    enterprise_exact: tuple[str, ...] = ()
    enterprise_grams: tuple[str, ...] = ()
    person_id: str | None = None
    credit_code: str | None = None
    legacy_id: str | None = None
    limit: int = 200


@dataclass(frozen=True, slots=True)
class Named:
    """An entity as search ranks it: its key (resident ID number or credit code),
    its name and, for a person, its aliases; nothing else is read for a search."""

    key: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchCandidates:
    """A store's answer to a ``SearchLookup``, each part sorted by key: the person
    with the ID number, the persons filed under the person keys, the enterprise
    with the credit code, the enterprises claiming the legacy identifier, and the
    enterprises filed under the enterprise keys."""

    persons_by_id: tuple[Named, ...] = ()
    persons: tuple[Named, ...] = ()
    enterprises_by_code: tuple[Named, ...] = ()
    enterprises_by_legacy_id: tuple[Named, ...] = ()
    enterprises: tuple[Named, ...] = ()
