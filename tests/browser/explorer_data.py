"""A small registry for the explorer's browser tests: four people, three
enterprises, roles with intervals, one sanction; keys per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from api.access.apikeys import create_key
from api.access.roles import load_roles
from graph.embedded_store import EmbeddedStore
from graph.model import RoleType
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from pathlib import Path

WANG, LI, ZHANG, CHEN = (resident_id(n) for n in (1, 2, 3, 4))
E1, E2, E3 = (credit_code(n) for n in (1, 2, 3))
NAMES = {WANG: "王建国", LI: "李梅", ZHANG: "张伟", CHEN: "陈静"}


@dataclass(frozen=True, slots=True)
class Registry:
    """The store file and a key per role."""

    db: Path
    keys: dict[str, str]


def build_registry(db: Path) -> Registry:
    """王建国 is legal representative of E1 (sanctioned half a year ago), and since
    became one of E3 while barred (违规任职); 李梅 was a
    director of E1 until 2020 and is one of E2 since 2018; 张伟 supervises E2;
    陈静 manages E3. Path 王建国 → E1 → 李梅 → E2 → 张伟."""
    store = EmbeddedStore(db)
    store.upsert_persons(
        [make_person(person_id=key, name=name) for key, name in NAMES.items()]
    )
    store.upsert_enterprises(
        [
            make_enterprise(credit_code=E1, name="成都市锦江区示例科技有限公司"),
            make_enterprise(credit_code=E2, name="成都青羊区测试贸易有限公司"),
            make_enterprise(credit_code=E3, name="绵阳市样本建材有限公司"),
        ]
    )
    decided = date.today() - timedelta(days=180)  # in force today
    store.upsert_roles(
        [
            make_role(  # taken while barred (违规任职)
                person_id=WANG,
                credit_code=E3,
                role=RoleType.LEGAL_REPRESENTATIVE,
                since=decided + timedelta(days=30),
                record_id="r6",
            ),
            make_role(
                person_id=WANG,
                credit_code=E1,
                role=RoleType.LEGAL_REPRESENTATIVE,
                since=date(2015, 1, 1),
                record_id="r1",
            ),
            make_role(
                person_id=LI,
                credit_code=E1,
                role=RoleType.DIRECTOR,
                since=date(2015, 1, 1),
                until=date(2020, 1, 1),
                record_id="r2",
            ),
            make_role(
                person_id=LI,
                credit_code=E2,
                role=RoleType.DIRECTOR,
                since=date(2018, 3, 1),
                record_id="r3",
            ),
            make_role(
                person_id=ZHANG,
                credit_code=E2,
                role=RoleType.SUPERVISOR,
                since=date(2019, 1, 1),
                record_id="r4",
            ),
            make_role(
                person_id=CHEN,
                credit_code=E3,
                role=RoleType.SENIOR_MANAGER,
                since=date(2012, 1, 1),
                record_id="r5",
            ),
        ]
    )
    store.upsert_sanctions(
        [
            make_sanction(
                sanction_id="S1",
                subject_id=E1,
                decided_on=decided,
                violation_date=decided - timedelta(days=90),
            )
        ]
    )
    policy = load_roles()
    keys = {
        role: create_key(store, policy, role=role, name=f"{role} desk").key
        for role in ("investigator", "public", "appointment_checker")
    }
    store.close()
    return Registry(db, keys)
