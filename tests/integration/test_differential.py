"""Differential test: random small registries give identical answers in both stores."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.embedded_store import EmbeddedStore
from graph.errors import EntityNotFoundError
from graph.model import (
    Enterprise,
    EntityKind,
    Person,
    Role,
    RoleType,
    Sanction,
    SanctionStatus,
    Sex,
    SourceRecord,
)
from tests.factories import credit_code, resident_id

if TYPE_CHECKING:
    from collections.abc import Sequence

    from graph.neo4j_store import Neo4jStore
    from graph.store import GraphStore

pytestmark = pytest.mark.neo4j

PEOPLE = [resident_id(n) for n in range(1, 7)]
COMPANIES = [credit_code(n) for n in range(1, 4)]
DAY0 = date(2010, 1, 1)
NAMES = ["", "张伟", "張偉", "王芳", "李娜", "刘洋"]

days = st.integers(min_value=0, max_value=40).map(lambda n: DAY0 + timedelta(days=n))
maybe_days = st.none() | days

persons = st.builds(
    Person,
    person_id=st.sampled_from(PEOPLE),
    name=st.sampled_from(NAMES),
    birth_date=maybe_days,
    sex=st.none() | st.sampled_from(Sex),
    aliases=st.lists(st.sampled_from(NAMES), max_size=2).map(tuple),
)
enterprises = st.builds(
    Enterprise,
    credit_code=st.sampled_from(COMPANIES),
    name=st.sampled_from(["", "甲公司", "乙公司"]),
    status=st.none() | st.sampled_from(["存续", "吊销"]),
    founded_on=maybe_days,
    conforming=st.booleans(),
    org_code=st.none() | st.just("D2143569X"),
    registration_no=st.none(),
)
roles = st.builds(
    Role,
    person_id=st.sampled_from(PEOPLE),
    credit_code=st.sampled_from(COMPANIES),
    role=st.sampled_from(RoleType),
    since=maybe_days,
    until=maybe_days,
    source=st.sampled_from(["a", "b"]),
    record_id=st.sampled_from(["1", "2"]),
)
sanctions = st.builds(
    Sanction,
    sanction_id=st.sampled_from(["S1", "S2", "S3"]),
    subject_kind=st.just(EntityKind.ENTERPRISE),
    subject_id=st.sampled_from(COMPANIES),
    type=st.sampled_from(["serious_illegal_dishonest", "administrative_penalty"]),
    authority=st.just("某局"),
    decision_no=st.just("〔2020〕1号"),
    decided_on=days,
    violation_date=maybe_days,
    display_until=maybe_days,
    status=st.sampled_from(SanctionStatus),
) | st.builds(
    Sanction,
    sanction_id=st.sampled_from(["S1", "S4"]),
    subject_kind=st.just(EntityKind.PERSON),
    subject_id=st.sampled_from(PEOPLE),
    type=st.just("dishonest_judgment_debtor"),
    authority=st.just("某法院"),
    decision_no=st.just("（2020）川01执1号"),
    decided_on=days,
)
records = st.builds(
    SourceRecord,
    source=st.sampled_from(["a", "b"]),
    record_id=st.sampled_from(["1", "2", "3"]),
    kind=st.sampled_from(EntityKind),
    raw=st.dictionaries(
        st.sampled_from(["name", "id_number", "备注"]), st.text(max_size=4), max_size=3
    ).map(lambda d: tuple(sorted(d.items()))),
    entity_key=st.none() | st.sampled_from(PEOPLE[:2] + COMPANIES[:1]),
)

# A registry is written as a sequence of batches, in the order a loader would.
batches = st.lists(
    st.one_of(
        st.tuples(st.just("persons"), st.lists(persons, max_size=4)),
        st.tuples(st.just("enterprises"), st.lists(enterprises, max_size=3)),
        st.tuples(st.just("roles"), st.lists(roles, max_size=5)),
        st.tuples(st.just("sanctions"), st.lists(sanctions, max_size=2)),
        st.tuples(st.just("source_records"), st.lists(records, max_size=3)),
    ),
    max_size=8,
)

RECORD_KEYS = [(source, n) for source in ("a", "b") for n in ("1", "2", "3")]
PROBE_DAYS = [None, DAY0, *(DAY0 + timedelta(days=n) for n in (1, 10, 20, 39, 40))]


def _write(store: GraphStore, kind: str, batch: list[object]) -> str:
    """Write one batch; returns the outcome so both stores can be compared on it."""
    try:
        getattr(store, f"upsert_{kind}")(batch)
    except EntityNotFoundError as exc:
        return f"missing {exc.kind} {exc.key}"
    return "ok"


def _answers(
    store: GraphStore,
    *,
    people: Sequence[str] = PEOPLE,
    companies: Sequence[str] = COMPANIES,
    sanction_ids: Sequence[str] = ("S1", "S2", "S3", "S4"),
    records: Sequence[tuple[str, str]] = RECORD_KEYS,
    days: Sequence[date | None] = PROBE_DAYS,
) -> dict[str, object]:
    """Everything ``store`` answers about these keys (the test's own by default);
    the export round trips (tests/integration/test_exchange_*) read with it too."""
    answers: dict[str, object] = {"counts": store.counts()}
    for key in people:
        answers[f"person {key}"] = store.get_person(key)
        answers[f"sanctions {key}"] = store.sanctions_against(EntityKind.PERSON, key)
        answers[f"records {key}"] = store.source_records_of(EntityKind.PERSON, key)
        for day in days:
            answers[f"roles {key} {day}"] = store.neighbours(
                EntityKind.PERSON, key, day
            )
    for key in companies:
        answers[f"enterprise {key}"] = store.get_enterprise(key)
        answers[f"sanctions {key}"] = store.sanctions_against(
            EntityKind.ENTERPRISE, key
        )
        answers[f"records {key}"] = store.source_records_of(EntityKind.ENTERPRISE, key)
        for day in days:
            answers[f"roles {key} {day}"] = store.neighbours(
                EntityKind.ENTERPRISE, key, day
            )
    for sanction_id in sanction_ids:
        answers[f"sanction {sanction_id}"] = store.get_sanction(sanction_id)
    for source, record_id in records:
        answers[f"record {source} {record_id}"] = store.get_source_record(
            source, record_id
        )
    return answers


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(registry=batches)
def test_both_stores_give_identical_answers(
    neo4j_store: Neo4jStore, registry: list[tuple[str, list[object]]]
) -> None:
    neo4j_store.wipe()
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore(Path(folder) / "diff.db")
        try:
            outcomes = [
                (_write(embedded, kind, batch), _write(neo4j_store, kind, batch))
                for kind, batch in registry
            ]
            for mine, theirs in outcomes:
                assert mine == theirs
            assert _answers(embedded) == _answers(neo4j_store)
        finally:
            embedded.close()
