"""What an export shows of each type, per view: full, or masked for the public.

One function per output type builds the masked view (as ``api.routes.views`` does
for the HTTP API, with the same masking functions). The public view never carries
a person's key: persons are named by a pseudonym, an HMAC of the key under a
secret drawn for the export, so the persons of one export link up but nothing
links them to the key, to another export, or to the full view. ID numbers are
shown masked (region code and last four), names by surname only; birth dates,
other names and provenance of persons are left out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import replace
from typing import TYPE_CHECKING

from api.masking import mask_id_number, mask_name
from api.routes.views import View
from graph.model import EntityKind

if TYPE_CHECKING:
    from graph.model import Commendation, Person, Role, Sanction
    from graph.propagation import RestrictionFact


class ExportView:
    """The view of one export: full, or public with this export's pseudonyms."""

    def __init__(self, view: View, *, secret: bytes | None = None) -> None:
        self.view = view
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    @property
    def public(self) -> bool:
        """Whether persons are masked."""
        return self.view is View.PUBLIC

    @property
    def namespace(self) -> str:
        """What entity ids of other systems (FollowTheMoney) are made under:
        ``credlink`` (stable across exports), or this export's secret (public)."""
        return self._secret.hex() if self.public else "credlink"

    def key(self, person_id: str) -> str:
        """How the export names a person: the key, or its pseudonym (``P…``)."""
        if not self.public:
            return person_id
        digest = hmac.new(self._secret, person_id.encode(), hashlib.sha256)
        return "P" + digest.hexdigest()[:24]

    def id_number(self, person_id: str) -> str:
        """A person's ID number as shown: whole, or masked."""
        return mask_id_number(person_id) if self.public else person_id

    def person(self, person: Person) -> Person:
        """A person; public: pseudonym, surname only, no birth date or aliases."""
        if not self.public:
            return person
        return replace(
            person,
            person_id=self.key(person.person_id),
            name=mask_name(person.name),
            birth_date=None,
            aliases=(),
        )

    def role(self, role: Role) -> Role:
        """A role; public: the holder by pseudonym."""
        if not self.public:
            return role
        return replace(role, person_id=self.key(role.person_id))

    def sanction(self, sanction: Sanction) -> Sanction:
        """A sanction; public: a person subject by pseudonym (in its id too)."""
        if not self.public or sanction.subject_kind is EntityKind.ENTERPRISE:
            return sanction
        alias = self.key(sanction.subject_id)
        return replace(
            sanction,
            subject_id=alias,
            # an id the loaders made (type|decision|person|key) holds the key
            sanction_id=sanction.sanction_id.replace(sanction.subject_id, alias),
        )

    def commendation(self, commendation: Commendation) -> Commendation:
        """A good record; public: a person subject by pseudonym (in its id too)."""
        if not self.public or commendation.subject_kind is EntityKind.ENTERPRISE:
            return commendation
        alias = self.key(commendation.subject_id)
        return replace(
            commendation,
            subject_id=alias,
            commendation_id=commendation.commendation_id.replace(
                commendation.subject_id, alias
            ),
        )

    def fact(self, fact: RestrictionFact) -> RestrictionFact:
        """A restriction; public: the person (and the role id, which holds the
        person's key) by pseudonym."""
        if not self.public:
            return fact
        alias = self.key(fact.person_id)
        return replace(
            fact,
            person_id=alias,
            restriction_id=fact.restriction_id.replace(fact.person_id, alias),
            # a direct measure's sanction is against the person (see sanction)
            sanction_id=fact.sanction_id.replace(fact.person_id, alias),
            role_id=None
            if fact.role_id is None
            else fact.role_id.replace(fact.person_id, alias),
        )
