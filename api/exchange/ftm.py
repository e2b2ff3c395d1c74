"""FollowTheMoney entities of the graph, built and validated with ``followthemoney``.

One JSON object per line (FtM's JSON Lines, as OpenSanctions and Aleph read):

person -> ``Person``; enterprise -> ``Company``; role -> ``Directorship`` (a
shareholder: ``Ownership``); sanction -> ``Sanction``; restriction -> ``Sanction``
of the person, status ``derived``, citing the sanction that reached it.

docs/exchange.md gives every field. Ids are ``make_entity_id`` of the kind and the
credlink key under the view's namespace: stable across exports in the full view,
unlinkable in the public one. Every entity is checked against the model
(:func:`entity_problems`) before it is written; one that fails stops the export.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any, Final

from followthemoney import model
from followthemoney.types import registry
from followthemoney.util import make_entity_id

from graph.model import EntityKind, RoleType, Sex
from graph.policy import load_catalogue

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from followthemoney.proxy import EntityProxy

    from api.exchange.population import Population
    from api.exchange.views import ExportView
    from graph.model import Enterprise, Person, Role, Sanction
    from graph.propagation import RestrictionFact

DERIVED: Final = "derived"
"""Status of a restriction's ``Sanction``: credlink derived it (import skips it)."""

GENDERS: Final = {Sex.MALE: "male", Sex.FEMALE: "female"}
JURISDICTION: Final = "cn"


class FtmValidationError(ValueError):
    """An entity the followthemoney model does not accept (a bug, not data)."""


def entity_problems(data: dict[str, Any]) -> list[str]:
    """What the followthemoney model finds wrong with one entity's JSON object.

    The schema must exist and be concrete, the id and required properties be
    there, and every value of every property be valid for the property's type
    (``PropertyType.validate``) and already in its cleaned form.
    """
    schema = model.get(str(data.get("schema") or ""))
    if schema is None:
        return [f"unknown schema {data.get('schema')!r}"]
    problems = []
    if schema.abstract:
        problems.append(f"abstract schema {schema.name}")
    if not data.get("id"):
        problems.append("no id")
    properties: dict[str, list[object]] = data.get("properties") or {}
    for name in schema.required:
        if not properties.get(name):
            problems.append(f"{schema.name}: required {name} missing")
    for name, values in properties.items():
        prop = schema.get(name)
        if prop is None:
            problems.append(f"{schema.name} has no property {name}")
            continue
        for value in values:
            if not isinstance(value, str):
                problems.append(f"{schema.name}.{name}: invalid {value!r}")
                continue
            problem = _value_problem(prop.type.name, value)
            if problem:
                problems.append(f"{schema.name}.{name}: {problem} {value!r}")
    return problems


@lru_cache(maxsize=1 << 16)
def _value_problem(type_name: str, value: str) -> str:
    """What the property type finds wrong with a value ("" for nothing); cached:
    dates and codes repeat, and parsing dates is most of an export's time."""
    kind = registry.get(type_name)  # the name of a property's own type
    if not kind.validate(value):
        return "invalid"
    if kind.clean(value) != value:
        return "not clean"
    return ""


def _add_date(entity: EntityProxy, prop: str, day: date | None) -> None:
    """A date as the ISO text FtM keeps (already clean: not parsed again)."""
    if day is not None:
        entity.add(prop, day.isoformat(), cleaned=True)


def export_ftm(population: Population, view: ExportView, path: Path) -> int:
    """Write the population's entities to the JSON Lines file ``path``; how many."""
    writer = _Writer(population, view)
    with path.open("w", encoding="utf-8") as out:
        for person in population.persons():
            writer.put(out, writer.person(person))
        for enterprise in population.enterprises():
            writer.put(out, writer.company(enterprise))
        for role in population.roles():
            writer.put(out, writer.role(role))
        for sanction in population.sanctions():
            writer.put(out, writer.sanction(sanction))
        for fact in population.restrictions():
            entity = writer.restriction(fact)
            if entity is not None:
                writer.put(out, entity)
    return writer.written


class _Writer:
    """Builds the entities of one export and writes them, validated."""

    def __init__(self, population: Population, view: ExportView) -> None:
        self._view = view
        self._on = population.on
        self._programs = {r.sanction_type: r.name_zh for r in load_catalogue().rules}
        self._sanction_of = lru_cache(maxsize=4096)(population.store.get_sanction)
        # a person or an enterprise is named by every role and sanction citing it:
        # its id (a SHA-1) is made once while it is recent
        self.person_id = lru_cache(maxsize=1 << 16)(self._person_id)  # type: ignore[method-assign]
        self.company_id = lru_cache(maxsize=1 << 16)(self._company_id)  # type: ignore[method-assign]
        self.written = 0

    def _id(self, kind: str, key: str) -> str:
        made = make_entity_id(self._view.namespace, kind, key)
        assert made is not None  # parts are never empty
        return made

    def person_id(self, person_id: str) -> str:
        """The FtM id of a person (by credlink key)."""
        return self._person_id(person_id)

    def company_id(self, credit_code: str) -> str:
        """The FtM id of an enterprise."""
        return self._company_id(credit_code)

    def _person_id(self, person_id: str) -> str:
        return self._id("person", self._view.key(person_id))

    def _company_id(self, credit_code: str) -> str:
        return self._id("enterprise", credit_code)

    def sanction_id(self, sanction: Sanction) -> str:
        """The FtM id of a sanction (as shown: a person subject by pseudonym)."""
        return self._id("sanction", self._view.sanction(sanction).sanction_id)

    def person(self, person: Person) -> EntityProxy:
        shown = self._view.person(person)
        entity = model.make_entity("Person")
        entity.id = self.person_id(person.person_id)
        number = None
        if not person.person_id.startswith("U"):  # a surrogate is no ID number
            number = self._view.id_number(person.person_id)
            entity.add("idNumber", number)
        # FtM requires a name: a nameless person is named by its number
        entity.add("name", shown.name or number or shown.person_id)
        entity.add("alias", list(shown.aliases))
        _add_date(entity, "birthDate", shown.birth_date)
        entity.add("gender", GENDERS.get(shown.sex) if shown.sex else None)
        return entity

    def company(self, e: Enterprise) -> EntityProxy:
        entity = model.make_entity("Company")
        entity.id = self.company_id(e.credit_code)
        entity.add("name", e.name or e.credit_code)  # FtM requires a name
        entity.add("uscCode", e.credit_code)
        entity.add("taxNumber", e.credit_code)  # the USCC is the taxpayer number
        entity.add("registrationNumber", [e.credit_code, e.org_code, e.registration_no])
        entity.add("status", e.status)
        _add_date(entity, "incorporationDate", e.founded_on)
        entity.add("jurisdiction", JURISDICTION)
        return entity

    def role(self, role: Role) -> EntityProxy:
        shown = self._view.role(role)
        if role.role is RoleType.SHAREHOLDER:
            entity = model.make_entity("Ownership")
            entity.add("owner", self.person_id(role.person_id))
            entity.add("asset", self.company_id(role.credit_code))
        else:
            entity = model.make_entity("Directorship")
            entity.add("director", self.person_id(role.person_id))
            entity.add("organization", self.company_id(role.credit_code))
        entity.id = self._id("role", shown.role_id)
        entity.add("role", role.role.value)
        _add_date(entity, "startDate", role.since)
        _add_date(entity, "endDate", role.until)  # the first day no longer held
        if not self._view.public:
            entity.add("recordId", f"{role.source}#{role.record_id}")
        return entity

    def _subject_id(self, sanction: Sanction) -> str:
        if sanction.subject_kind is EntityKind.PERSON:
            return self.person_id(sanction.subject_id)
        return self.company_id(sanction.subject_id)

    def sanction(self, s: Sanction) -> EntityProxy:
        entity = model.make_entity("Sanction")
        entity.id = self.sanction_id(s)
        entity.add("entity", self._subject_id(s))
        entity.add("authority", s.authority or None)
        entity.add("authorityId", s.decision_no or None)
        entity.add("program", self._programs.get(s.type, s.type))
        entity.add("programId", s.type)
        _add_date(entity, "startDate", s.decided_on)
        _add_date(entity, "endDate", s.display_until)
        _add_date(entity, "date", s.violation_date)
        entity.add("status", s.status.value)
        entity.add("country", JURISDICTION)
        return entity

    def restriction(self, fact: RestrictionFact) -> EntityProxy | None:
        """The restriction as a sanction of the person citing the sanction that
        reached it; None when that sanction is gone (a stale fact)."""
        cited = self._sanction_of(fact.sanction_id)
        if cited is None:
            return None
        shown = self._view.fact(fact)
        entity = model.make_entity("Sanction")
        entity.id = self._id("restriction", shown.restriction_id)
        entity.add("entity", self.person_id(fact.person_id))
        entity.add("authority", cited.authority or None)
        entity.add("authorityId", cited.decision_no or None)
        entity.add("program", self._programs.get(cited.type, cited.type))
        entity.add("programId", cited.type)
        entity.add("provisions", fact.measure)
        _add_date(entity, "startDate", fact.valid_from)
        _add_date(entity, "endDate", fact.valid_until)
        entity.add("status", DERIVED)
        entity.add("country", JURISDICTION)
        entity.add(
            "reason",
            f"credlink: {fact.measure}, derived from the sanction "
            f"{self.sanction_id(cited)} against {cited.subject_kind.value} "
            + (
                cited.subject_id
                if cited.subject_kind is EntityKind.ENTERPRISE
                else self._view.key(cited.subject_id)
            ),
        )
        return entity

    def put(self, out: IO[str], entity: EntityProxy) -> None:
        data = entity.to_dict()
        problems = entity_problems(data)
        if problems:
            raise FtmValidationError(f"entity {entity.id}: {'; '.join(problems)}")
        out.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
        self.written += 1
