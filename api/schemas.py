"""Request and response shapes of the HTTP API (pydantic lives only at the edges)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from graph.model import RoleType, Sex


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


class HealthOut(_Out):
    """Liveness and what the service runs on."""

    status: str
    store: str
