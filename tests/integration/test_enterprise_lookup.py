"""Enterprises by legacy identifier: both stores answer as ``EnterpriseIndex`` does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.model import Enterprise
from linkage.enterprises import EnterpriseIndex, LegacyId, LegacyKind
from linkage.ids import make_uscc, org_code_of
from tests.factories import credit_code, make_enterprise

if TYPE_CHECKING:
    from graph.store import GraphStore

ORG = "D2143569X"
REG = "110108000000016"
REG_2 = "510100000000001"


def test_lookup_by_embedded_stated_and_registration(store: GraphStore) -> None:
    a, b, c = credit_code(11), credit_code(12), credit_code(13)
    store.upsert_enterprises(
        [
            make_enterprise(credit_code=a, registration_no=REG),
            make_enterprise(credit_code=b, org_code=ORG),
            make_enterprise(credit_code=c, org_code=ORG, registration_no=REG_2),
        ]
    )
    asked = [org_code_of(a), org_code_of(b), ORG, REG, REG_2, "000000000", "x"]
    assert store.enterprises_by_legacy_id(asked) == {
        org_code_of(a): (a,),
        org_code_of(b): (b,),
        ORG: tuple(sorted((b, c))),  # a conflict: two claimants
        REG: (a,),
        REG_2: (c,),
    }
    assert store.enterprises_by_legacy_id([]) == {}


def test_an_enterprise_claiming_one_code_twice_is_one_claimant(
    store: GraphStore,
) -> None:
    code = credit_code(21)
    store.upsert_enterprises(
        [make_enterprise(credit_code=code, org_code=org_code_of(code))]
    )
    assert store.enterprises_by_legacy_id([org_code_of(code)]) == {
        org_code_of(code): (code,)
    }


def test_an_org_code_elsewhere_in_a_credit_code_is_no_claim(store: GraphStore) -> None:
    """Only characters 9-17 are the embedded organisation code."""
    body = "12345678"
    code = make_uscc("91", "510100", body)
    org = org_code_of(code)
    # a second code holding the same nine characters at another position
    shifted = make_uscc("91", "510100", "0" + org[:7])
    store.upsert_enterprises(
        [make_enterprise(credit_code=code), make_enterprise(credit_code=shifted)]
    )
    assert store.enterprises_by_legacy_id([org]) == {org: (code,)}


def test_many_identifiers_in_one_call(store: GraphStore) -> None:
    codes = [credit_code(1000 + n) for n in range(1200)]
    store.upsert_enterprises([make_enterprise(credit_code=c) for c in codes])
    found = store.enterprises_by_legacy_id([org_code_of(c) for c in codes])
    assert found == {org_code_of(c): (c,) for c in codes}


_CODES = [credit_code(n) for n in range(31, 35)]
_ORGS = [ORG, *(org_code_of(c) for c in _CODES[:2])]
_enterprises = st.builds(
    Enterprise,
    credit_code=st.sampled_from(_CODES),
    name=st.just("某公司"),
    org_code=st.none() | st.sampled_from(_ORGS),
    registration_no=st.none() | st.sampled_from([REG, REG_2]),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batches=st.lists(st.lists(_enterprises, max_size=3), max_size=3))
def test_the_store_answers_as_the_index(
    store: GraphStore, batches: list[list[Enterprise]]
) -> None:
    store.wipe()
    for batch in batches:
        store.upsert_enterprises(batch)
    stored = [e for c in _CODES if (e := store.get_enterprise(c)) is not None]
    index = EnterpriseIndex.of(stored)
    answer = store.enterprises_by_legacy_id([*_ORGS, REG, REG_2])
    for value in [*_ORGS, REG, REG_2]:
        kind = LegacyKind.ORG_CODE if len(value) == 9 else LegacyKind.REGISTRATION_NO
        assert index.match(LegacyId(kind, value)).claimants == answer.get(value, ())
