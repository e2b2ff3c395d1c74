"""Stored restriction facts and their rebuilding (graph.propagation.build_restriction).

The stores keep only facts; reads rebuild full restrictions from them. Whatever
derive_restrictions gives must come back unchanged from its facts.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.errors import PolicyError
from graph.model import EntityKind, Role, RoleType, Sanction
from graph.policy import load_catalogue
from graph.propagation import (
    build_restriction,
    derive_restrictions,
    restriction_fact,
)
from tests.factories import credit_code, make_role, make_sanction, resident_id

CATALOGUE = load_catalogue()
ACME = credit_code(1)
DAY0 = date(2019, 2, 28)

days = st.integers(min_value=0, max_value=400).map(lambda n: DAY0 + timedelta(n))
roles = st.builds(
    Role,
    person_id=st.sampled_from([resident_id(n) for n in range(1, 5)]),
    credit_code=st.just(ACME),
    # liable roles (legal representative, senior manager) more often
    role=st.sampled_from([*RoleType, *[RoleType.LEGAL_REPRESENTATIVE] * 3]),
    since=st.none() | days,
    until=st.none() | days,
    source=st.sampled_from(["market_regulation", "tax"]),
    record_id=st.sampled_from(["1", "2"]),
)
sanctions = st.builds(
    Sanction,
    sanction_id=st.just("S1"),
    subject_kind=st.just(EntityKind.ENTERPRISE),
    subject_id=st.just(ACME),
    type=st.sampled_from(CATALOGUE.types()),
    authority=st.just("成都市市场监督管理局"),
    decision_no=st.just("成市监〔2021〕7号"),
    decided_on=days,
    violation_date=st.none() | days,
    display_until=st.none() | days,
) | st.builds(
    Sanction,
    sanction_id=st.just("S2"),
    subject_kind=st.just(EntityKind.PERSON),
    subject_id=st.just(resident_id(9)),
    type=st.sampled_from(CATALOGUE.types()),
    authority=st.just("成都市中级人民法院"),
    decision_no=st.just("（2021）川01执3号"),
    decided_on=days,
    display_until=st.none() | days,
)


@settings(max_examples=300)  # about a third of them derive something
@given(sanction=sanctions, held=st.lists(roles, max_size=8))
def test_every_restriction_is_rebuilt_from_its_fact(
    sanction: Sanction, held: list[Role]
) -> None:
    rule = CATALOGUE.rule(sanction.type)
    for restriction in derive_restrictions(sanction, held, rule):
        fact = restriction_fact(restriction)
        chain = restriction.chain
        # the stored role record the restriction came from (role_id plus the rest)
        role = next(
            (
                r
                for r in held
                if r.role_id == fact.role_id
                and (r.until, r.source, r.record_id)
                == (chain.role_until, chain.source, chain.record_id)
            ),
            None,
        )
        assert (role is None) is (fact.role_id is None)
        assert build_restriction(sanction, rule, fact.measure, role) == restriction


def test_a_fact_keeps_what_reads_need() -> None:
    sanction = make_sanction()
    role = make_role(role=RoleType.LEGAL_REPRESENTATIVE, since=date(2020, 1, 1))
    (restriction,) = derive_restrictions(
        sanction, [role], CATALOGUE.rule(sanction.type)
    )
    fact = restriction_fact(restriction)
    assert (fact.sanction_id, fact.person_id, fact.role_id) == (
        "S1",
        role.person_id,
        role.role_id,
    )
    assert fact.measure == "bar_legal_representative"
    assert (fact.valid_from, fact.valid_until) == (date(2023, 6, 1), date(2026, 6, 1))
    assert fact.restriction_id == restriction.restriction_id
    assert (
        build_restriction(sanction, CATALOGUE.rule(sanction.type), fact.measure, role)
        == restriction
    )


@pytest.mark.parametrize(
    ("sanction_type", "measure", "role", "message"),
    [
        # a measure the type does not have
        ("serious_illegal_dishonest", "restrict_exit", RoleType.LEGAL_REPRESENTATIVE,
         "no measure 'restrict_exit'"),
        # a measure of the type, but not for this role
        ("serious_illegal_dishonest", "bar_legal_representative", RoleType.DIRECTOR,
         "through the role director"),
        # the type has no direct measure (it reaches persons through roles only)
        ("serious_illegal_dishonest", "bar_legal_representative", None, "directly"),
    ],
)  # fmt: skip
def test_facts_the_catalogue_no_longer_gives_are_refused(
    sanction_type: str, measure: str, role: RoleType | None, message: str
) -> None:
    sanction = make_sanction(type=sanction_type)
    held = make_role(role=role) if role is not None else None
    with pytest.raises(PolicyError, match=message):
        build_restriction(sanction, CATALOGUE.rule(sanction_type), measure, held)


def test_a_rule_of_another_type_is_refused() -> None:
    sanction = make_sanction()
    rule = CATALOGUE.rule("license_revoked")
    with pytest.raises(PolicyError, match="license_revoked"):
        build_restriction(sanction, rule, "bar_director_supervisor_manager", None)
