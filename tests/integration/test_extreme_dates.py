"""Extreme dates through load -> link -> propagate -> every read, on both stores.

Any date text may reach a registry file: the ends of the calendar, placeholders
(``9999-12-31``, ``0000-00-00``), days that do not exist, the edges of the bounds
(docs/formats.md, "What credlink refuses"). Whatever the dates, every row is loaded
or quarantined, propagation finishes, every read answers on both stores, and both
stores answer alike.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import enforcement
from graph.bounds import date_horizon
from graph.embedded_store import EmbeddedStore
from graph.exploration import people_of, related_entities
from graph.model import EntityKind, RoleType, Sanction
from graph.policy import load_catalogue
from graph.propagation import DATES_OUT_OF_RANGE, derivation_problem
from linkage.link_store import link_store
from loaders.pipeline import load_folder
from loaders.rows import roles_of_record
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    resident_id,
)

if TYPE_CHECKING:
    from graph.neo4j_store import Neo4jStore
    from graph.store import GraphStore

pytestmark = pytest.mark.neo4j

CATALOGUE = load_catalogue()
PEOPLE = [resident_id(n) for n in range(1, 4)]
COMPANIES = [credit_code(n) for n in range(1, 3)]
_HORIZON = date_horizon()
EDGES = [
    "0001-01-01", "9999-12-31", "99991231", "0000-00-00", "10000-01-01",
    "2020-02-30", "1879-12-31", "1880-01-01", "1799-12-31",
    _HORIZON.isoformat(), (_HORIZON + timedelta(days=1)).isoformat(),
    date.today().isoformat(), "9999年12月31日", "",
]  # fmt: skip
SANE = st.dates(date(2015, 1, 1), date(2025, 12, 31)).map(date.isoformat)
EXTREME = st.sampled_from(EDGES) | st.dates().map(date.isoformat)
dates = st.one_of(SANE, EXTREME)
SANCTION_TYPES = [rule.sanction_type for rule in CATALOGUE.rules]
PROBES = [date(2020, 1, 1), date(2024, 6, 1), date(9999, 12, 31), date(1, 1, 1)]


@st.composite
def _registry(draw: st.DrawFn) -> dict[str, list[dict[str, str]]]:
    persons = [
        {"name": f"测试{i}", "id_number": pid, "birth_date": draw(dates)}
        for i, pid in enumerate(PEOPLE)
    ]
    enterprises = [
        {"credit_code": code, "name": f"企业{i}", "founded_on": draw(dates)}
        for i, code in enumerate(COMPANIES)
    ]
    roles = [
        {
            "id_number": draw(st.sampled_from(PEOPLE)),
            "credit_code": draw(st.sampled_from(COMPANIES)),
            "role": draw(st.sampled_from([r.value for r in RoleType])),
            "since": draw(dates),
            "until": draw(st.just("") | dates),
        }
        for _ in range(draw(st.integers(1, 4)))
    ]
    sanctions = [
        {
            "sanction_id": f"S{i}",
            "credit_code": draw(st.sampled_from(COMPANIES)),
            "type": draw(st.sampled_from(SANCTION_TYPES)),
            "violation_date": draw(st.just("") | dates),
            "decided_on": draw(dates),
            "display_until": draw(st.just("") | dates),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    return {
        "persons": persons,
        "enterprises": enterprises,
        "roles": roles,
        "sanctions": sanctions,
    }


def _write(folder: Path, registry: dict[str, list[dict[str, str]]]) -> None:
    for kind, rows in registry.items():
        with (folder / f"{kind}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


def _every_read(store: GraphStore, sanction_ids: list[str]) -> dict[str, Any]:
    """Every read of persons, enterprises and sanctions, as comparable values."""
    answers: dict[str, Any] = {"set_aside": store.set_aside_sanctions()}
    for day in PROBES:
        for pid in PEOPLE:
            if store.get_person(pid) is None:
                continue
            found = enforcement.restrictions_on(store, CATALOGUE, pid, day)
            answers[f"r {pid} {day}"] = [
                (r.restriction_id, r.valid_from, r.valid_until, r.explanation_en)
                for r in found
            ]
            check = enforcement.check_appointment(
                store, CATALOGUE, pid, RoleType.DIRECTOR, COMPANIES[0], day
            )
            answers[f"c {pid} {day}"] = check.allowed
            related = related_entities(store, pid, day)
            answers[f"rel {pid} {day}"] = sorted(r.role_id for r in related.roles)
        for code in COMPANIES:
            if store.get_enterprise(code) is not None:
                _, holders = people_of(store, code, day)
                answers[f"p {code} {day}"] = sorted(r.role_id for r, _ in holders)
        for sid in sanction_ids:
            if store.get_sanction(sid) is not None:
                traced = enforcement.trace(store, CATALOGUE, sid, day)
                answers[f"t {sid} {day}"] = [r.restriction_id for r in traced]
    return answers


def _run(folder: Path, store: GraphStore) -> tuple[list[tuple[int, int, int]], Any]:
    report = load_folder(folder, store)
    for file in report.files:
        assert file.read == file.loaded + file.quarantined
    link_store(store, roles_of=roles_of_record)
    enforcement.propagate(store, CATALOGUE)
    enforcement.propagate(store, CATALOGUE, full=True)
    files = [(f.read, f.loaded, f.quarantined) for f in report.files]
    return files, _every_read(store, [f"S{i}" for i in range(3)])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(registry=_registry())
def test_extreme_dates_never_stop_a_read_and_both_stores_agree(
    neo4j_store: Neo4jStore, registry: dict[str, list[dict[str, str]]]
) -> None:
    neo4j_store.wipe()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        _write(folder, registry)
        embedded = EmbeddedStore(Path(tmp) / "e.db")
        try:
            expected = _run(folder, embedded)
        finally:
            embedded.close()
        assert _run(folder, neo4j_store) == expected


ANY_DAY = st.sampled_from([date.min, date.max, date(9999, 1, 1), date(1, 12, 31)])
any_days = st.one_of(
    st.dates(date(2015, 1, 1), date(2025, 12, 31)), ANY_DAY, st.dates()
)


@st.composite
def _stored_sanctions(draw: st.DrawFn) -> list[Sanction]:
    sanctions = []
    for i in range(draw(st.integers(1, 4))):
        decided = draw(any_days)
        person = draw(st.booleans())
        sanctions.append(
            Sanction(
                sanction_id=f"S{i}",
                subject_kind=EntityKind.PERSON if person else EntityKind.ENTERPRISE,
                subject_id=PEOPLE[0] if person else draw(st.sampled_from(COMPANIES)),
                type=draw(st.sampled_from(SANCTION_TYPES)),
                authority="某局",
                decision_no=f"D{i}",
                decided_on=decided,
                violation_date=draw(st.none() | any_days),
                display_until=draw(st.none() | any_days),
            )
        )
    return sanctions


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sanctions=_stored_sanctions())
def test_sanctions_stored_before_the_bounds_are_set_aside_alike(
    neo4j_store: Neo4jStore, sanctions: list[Sanction]
) -> None:
    """A store written before the bounds: a sanction whose dates cannot be derived
    is set aside with the same error on both stores; everything else is derived."""
    neo4j_store.wipe()
    with tempfile.TemporaryDirectory() as tmp:
        embedded = EmbeddedStore(Path(tmp) / "e.db")
        try:
            answers = [_seeded(store, sanctions) for store in (embedded, neo4j_store)]
        finally:
            embedded.close()
    assert answers[0] == answers[1]
    expected = sorted(
        (s.sanction_id, DATES_OUT_OF_RANGE)
        for s in sanctions
        if derivation_problem(s, CATALOGUE.rule(s.type)) is not None
    )
    assert answers[0]["set_aside"] == expected


def _seeded(store: GraphStore, sanctions: list[Sanction]) -> dict[str, Any]:
    store.upsert_persons([make_person(person_id=pid) for pid in PEOPLE])
    store.upsert_enterprises([make_enterprise(credit_code=c) for c in COMPANIES])
    store.upsert_roles(
        [
            make_role(person_id=pid, credit_code=code, role=role, since=None)
            for pid in PEOPLE
            for code in COMPANIES
            for role in (RoleType.LEGAL_REPRESENTATIVE, RoleType.DIRECTOR)
        ]
    )
    store.upsert_sanctions(sanctions)
    enforcement.propagate(store, CATALOGUE)
    answers = _every_read(store, [s.sanction_id for s in sanctions])
    full = enforcement.propagate(store, CATALOGUE, full=True)
    assert full.set_aside == tuple(answers["set_aside"])
    return answers
