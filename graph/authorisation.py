"""A person's authorisation of a third party to obtain their report (授权查询).

The person authorises one API key (an employer's, a bank's) to obtain their report
for one purpose until a day; the authorisation can be revoked. Pure rules here;
the stores keep the records as flat rows (dates as ISO strings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


@dataclass(frozen=True, slots=True)
class Authorisation:
    """``person_id`` lets the key ``grantee_key_id`` obtain their report for
    ``purpose`` from ``granted_on`` to ``expires_on`` (both inclusive), unless
    revoked (from ``revoked_on``). ``recorded_by`` is who recorded it."""

    authorisation_id: str
    person_id: str
    grantee_key_id: str
    purpose: str
    granted_on: date
    expires_on: date
    recorded_by: str
    revoked_on: date | None = None

    def valid_on(self, day: date) -> bool:
        """Whether it allows a report on ``day`` (granted, not expired, not revoked)."""
        if self.revoked_on is not None and self.revoked_on <= day:
            return False
        return self.granted_on <= day <= self.expires_on


def authorisation_problem(
    authorisations: Iterable[Authorisation], key_id: str, purpose: str, day: date
) -> str | None:
    """Why the key may not obtain the report on ``day`` for ``purpose``, or None.

    The reasons, most specific first: no authorisation for this key; revoked;
    expired (or not yet granted); given for another purpose.
    """
    mine = [a for a in authorisations if a.grantee_key_id == key_id]
    if not mine:
        return "no authorisation from the person for this key"
    fitting = [a for a in mine if a.purpose == purpose]
    if any(a.valid_on(day) for a in fitting):
        return None
    if not fitting:
        given = ", ".join(sorted({a.purpose for a in mine}))
        return f"authorised for another purpose ({given}), not {purpose}"
    if all(a.revoked_on is not None and a.revoked_on <= day for a in fitting):
        return "the authorisation was revoked"
    return "the authorisation has expired or is not yet in force"


def authorisation_row(item: Authorisation) -> dict[str, Any]:
    """The stored row of an authorisation."""
    return {
        "authorisation_id": item.authorisation_id,
        "person_id": item.person_id,
        "grantee_key_id": item.grantee_key_id,
        "purpose": item.purpose,
        "granted_on": item.granted_on.isoformat(),
        "expires_on": item.expires_on.isoformat(),
        "recorded_by": item.recorded_by,
        "revoked_on": item.revoked_on.isoformat() if item.revoked_on else None,
    }


def authorisation_from_row(row: Mapping[str, Any]) -> Authorisation:
    """An authorisation from its stored row."""
    revoked = row["revoked_on"]
    return Authorisation(
        authorisation_id=row["authorisation_id"],
        person_id=row["person_id"],
        grantee_key_id=row["grantee_key_id"],
        purpose=row["purpose"],
        granted_on=date.fromisoformat(row["granted_on"]),
        expires_on=date.fromisoformat(row["expires_on"]),
        recorded_by=row["recorded_by"],
        revoked_on=date.fromisoformat(revoked) if revoked else None,
    )
