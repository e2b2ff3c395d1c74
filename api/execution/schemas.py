"""Request and response models of the execution routes (docs/execution.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from graph.execution import Outcome, feedback_problem

_Region = Annotated[str, StringConstraints(pattern=r"^(?:[0-9]{2}){1,3}$")]
_Key = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class SubscriptionIn(BaseModel):
    """What the department receives; an empty list accepts any value."""

    model_config = ConfigDict(extra="forbid")

    measures: list[_Key] = Field(default_factory=list, max_length=100)
    sanction_types: list[_Key] = Field(default_factory=list, max_length=100)
    regions: list[_Region] = Field(
        default_factory=list,
        max_length=500,
        description="Region code prefixes (2, 4 or 6 digits).",
    )


class SubscriptionOut(SubscriptionIn):
    """The department's subscription as stored."""


class EventOut(BaseModel):
    """One change of one restriction (the JSON Schema in docs/execution.md)."""

    event_id: str
    seq: int
    at: datetime
    kind: str
    cause: str
    restriction_id: str
    person_id: str
    measure: str
    sanction_id: str
    sanction_type: str
    enterprise: str | None
    valid_from: date
    valid_until: date
    rule_version: str
    explanation_zh: str
    explanation_en: str
    region: str | None
    enterprise_region: str | None
    role: str | None = Field(default=None, description="A breach: the role taken.")
    role_enterprise: str | None = None
    role_since: date | None = None


class EventsOut(BaseModel):
    """A page of events; ask again with ``after=next`` for the following ones."""

    events: list[EventOut]
    next: int = Field(description="The cursor to resume from (the last seq read).")


class FeedbackIn(BaseModel):
    """A department's report on one event."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["executed", "not_applicable", "failed"]
    reason: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _reason_given(self) -> FeedbackIn:
        problem = feedback_problem(Outcome(self.outcome), self.reason)
        if problem is not None:
            raise ValueError(problem)
        return self


class FeedbackItemIn(FeedbackIn):
    """One report of a bulk submission."""

    event_id: str = Field(min_length=1, max_length=100)


class BulkFeedbackIn(BaseModel):
    """Reports on many events at once (all taken, or none)."""

    model_config = ConfigDict(extra="forbid")

    reports: list[FeedbackItemIn] = Field(min_length=1, max_length=1000)


class FeedbackOut(BaseModel):
    """The reports taken."""

    accepted: int
    event_ids: list[str]


class WebhookIn(BaseModel):
    """Where to push the department's events, and the secret that signs them."""

    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]
    secret: str = Field(min_length=16, max_length=200)
    after: int = Field(default=0, ge=0, le=2**62, description="Deliver after this seq.")


class WebhookOut(BaseModel):
    """The webhook as stored (never its secret)."""

    url: str
    cursor: int


class RedeliverIn(BaseModel):
    """Events to send again; none named: every dead delivery."""

    model_config = ConfigDict(extra="forbid")

    event_ids: list[str] | None = Field(default=None, max_length=1000)


class RedeliverOut(BaseModel):
    """How many deliveries were made pending again."""

    redelivered: int


class WatchIn(BaseModel):
    """A person (any written form of the ID number) or an enterprise to watch."""

    model_config = ConfigDict(extra="forbid")

    person: str | None = Field(default=None, max_length=40)
    enterprise: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _one_named(self) -> WatchIn:
        if not self.person and not self.enterprise:
            raise ValueError("name a person or an enterprise to watch")
        return self


class WatchOut(BaseModel):
    """How many persons and enterprises the caller watches now."""

    persons: int
    enterprises: int
