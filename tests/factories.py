"""Builders of domain values with valid defaults, for tests.

Identifiers are made by check-digit arithmetic on synthetic numbers, never taken from
real people. Override any field by keyword.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from graph.model import (
    Commendation,
    Enterprise,
    EntityKind,
    Person,
    Role,
    RoleType,
    Sanction,
    SourceRecord,
)
from linkage.ids import make_resident_id, make_uscc


def resident_id(n: int, *, region: str = "510104", birth: date | None = None) -> str:
    """A synthetic, valid 18-digit resident ID; ``n`` picks birth date and sequence."""
    born = birth or date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
    return make_resident_id(region, born, n % 1000)


def credit_code(n: int, *, region: str = "510100") -> str:
    """A synthetic, valid 18-character unified social credit code."""
    return make_uscc("91", region, f"{n:08d}")


def make_person(**overrides: Any) -> Person:
    """A person with a valid synthetic ID number."""
    person = Person(person_id=resident_id(1), name="张伟", birth_date=date(1961, 2, 2))
    return replace(person, **overrides)


def make_enterprise(**overrides: Any) -> Enterprise:
    """An enterprise with a valid synthetic credit code."""
    enterprise = Enterprise(
        credit_code=credit_code(1),
        name="成都市锦江区示例科技有限公司",
        status="存续",
        founded_on=date(2010, 5, 1),
    )
    return replace(enterprise, **overrides)


def make_role(**overrides: Any) -> Role:
    """A director role of the default person in the default enterprise."""
    role = Role(
        person_id=resident_id(1),
        credit_code=credit_code(1),
        role=RoleType.DIRECTOR,
        since=date(2015, 1, 1),
        until=None,
        source="test",
        record_id="1",
    )
    return replace(role, **overrides)


def make_sanction(**overrides: Any) -> Sanction:
    """A serious-illegal-dishonest listing of the default enterprise."""
    sanction = Sanction(
        sanction_id="S1",
        subject_kind=EntityKind.ENTERPRISE,
        subject_id=credit_code(1),
        type="serious_illegal_dishonest",
        authority="成都市市场监督管理局",
        decision_no="成市监严〔2023〕1号",
        decided_on=date(2023, 6, 1),
        violation_date=date(2023, 1, 10),
    )
    return replace(sanction, **overrides)


def make_commendation(**overrides: Any) -> Commendation:
    """A 诚信道德模范 commendation of the default person."""
    commendation = Commendation(
        commendation_id="C1",
        subject_kind=EntityKind.PERSON,
        subject_id=resident_id(1),
        kind="moral_model",
        authority="成都市精神文明建设委员会",
        decided_on=date(2024, 1, 1),
        source="test",
        record_id="C1",
    )
    return replace(commendation, **overrides)


def make_source_record(**overrides: Any) -> SourceRecord:
    """A person source record resolved to the default person."""
    record = SourceRecord(
        source="test",
        record_id="1",
        kind=EntityKind.PERSON,
        raw=(("id_number", resident_id(1)), ("name", "张伟")),
        entity_key=resident_id(1),
    )
    return replace(record, **overrides)
