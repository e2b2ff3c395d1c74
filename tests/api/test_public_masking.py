"""Every answer a public audience can get, from every route, on a generated
registry: not one full ID number, name or key of the registry anywhere in it
(ids that embed numbers, chains, errors included). Both stores."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from graph.enforcement import propagate
from graph.model import EntityKind
from graph.policy.catalogue import load_catalogue
from linkage.link_store import link_store
from loaders.generator import REFERENCE_DATE
from loaders.generator import generate as generate_registry
from loaders.pipeline import load_folder
from loaders.rows import roles_of_record
from tests.api.conftest import Api, open_api

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from graph.store import GraphStore

ON = REFERENCE_DATE.isoformat()


@pytest.fixture
def registry(store: GraphStore, tmp_path: Path) -> Iterator[tuple[Api, GraphStore]]:
    """A generated registry, loaded, linked and propagated."""
    folder = tmp_path / "registry"
    generate_registry(folder, persons=250, enterprises=50, seed=11, jobs=1)
    load_folder(folder, store)
    link_store(store, roles_of=roles_of_record)
    propagate(store, load_catalogue())
    with open_api(store, tmp_path) as api:
        yield api, store


def _secrets(store: GraphStore) -> tuple[set[str], set[str]]:
    """Every full person key and every full name (2+ characters) in the store."""
    keys: set[str] = set()
    names: set[str] = set()
    for record in store.iter_source_records(EntityKind.PERSON):
        if record.entity_key:
            keys.add(record.entity_key)
        raw = record.raw_dict()
        for field in ("name", "id_number"):
            value = str(raw.get(field, "")).strip()
            if field == "name" and len(value) >= 2:
                names.add(value)
            if field == "id_number" and re.fullmatch(r"\d{17}[\dXx]", value):
                keys.add(value.upper())
    return keys, names


def _scan(text: str, keys: set[str], names: set[str], where: str) -> None:
    for key in keys:
        assert key not in text, f"{where}: full number {key[:6]}… in the answer"
    for name in names:
        assert name not in text, f"{where}: full name in the answer"


def test_no_public_answer_carries_a_full_number_or_name(
    registry: tuple[Api, GraphStore],
) -> None:
    api, store = registry
    keys, names = _secrets(store)
    assert len(keys) > 100
    persons = sorted(k for k in keys if not k.startswith("U"))[:40]
    sanctions = [
        s.sanction_id
        for kind in (EntityKind.ENTERPRISE, EntityKind.PERSON)
        for key in (sorted(keys)[:60] if kind is EntityKind.PERSON else [])
        for s in store.sanctions_against(kind, key)
    ]
    enterprise_sanctions = _enterprise_sanctions(store)
    answers: list[tuple[str, Any]] = []
    # the public role, on every route it may call (it asks for the full view)
    for person in persons:
        answers.append(
            ("public restrictions", api.post(
                "/persons/restrictions",
                {"id_number": person, "on": ON, "view": "full"}, role="public",
            ))
        )  # fmt: skip
    for sanction in [*sanctions, *enterprise_sanctions][:40]:
        answers.append(
            ("public trace", api.post(
                "/sanctions/trace", {"sanction_id": sanction, "view": "full"},
                role="public",
            ))
        )  # fmt: skip
    for code in _enterprises(store)[:20]:
        answers.append(
            ("public people", api.get(
                f"/enterprises/{code}/people", role="public",
                params={"view": "full"},
            ))
        )  # fmt: skip
        answers.append(("public enterprise", api.get(f"/enterprises/{code}", "public")))
    # routes the public may not call give nothing away either (403 bodies) ...
    for person in persons[:5]:
        answers.append(
            ("public lookup", api.post("/persons/lookup", {"id_number": person},
                                       role="public"))
        )  # fmt: skip
    # ... and a full role asking for the public view gets the same masking
    for person in persons[:20]:
        for path in ("/persons/lookup", "/persons/related", "/persons/restrictions"):
            answers.append(
                (f"investigator {path}", api.post(
                    path, {"id_number": person, "view": "public"}
                ))
            )  # fmt: skip
    for a, b in zip(persons[:10], persons[10:20], strict=True):
        answers.append(
            ("investigator connections", api.post(
                "/connections", {"a": a, "b": b, "view": "public"}
            ))
        )  # fmt: skip
    statuses = Counter(f"{where} {r.status_code}" for where, r in answers)
    for where, response in answers:
        _scan(response.text, keys, names, where)
    assert sum(n for s, n in statuses.items() if s.endswith(" 200")) > 80, statuses


def _enterprises(store: GraphStore) -> list[str]:
    return sorted(
        {r.entity_key for r in store.iter_source_records(EntityKind.ENTERPRISE)
         if r.entity_key}
    )  # fmt: skip


def _enterprise_sanctions(store: GraphStore) -> list[str]:
    return [
        s.sanction_id
        for code in _enterprises(store)
        for s in store.sanctions_against(EntityKind.ENTERPRISE, code)
    ]


def test_a_default_sanction_id_never_shows_its_subjects_number(
    registry: tuple[Api, GraphStore], tmp_path: Path
) -> None:
    api, store = registry
    keys, _ = _secrets(store)
    person = sorted(k for k in keys if store.get_person(k) is not None)[0]
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "sanctions.csv").write_text(
        "subject_kind,subject_id,type,authority,decision_no,decided_on\n"
        f"person,{person},major_tax_violation,税务局,成税罚〔2025〕9号,2025-03-01\n",
        encoding="utf-8",
    )  # no sanction_id: the loader's default embeds the person's number
    report = load_folder(extra, store)
    assert report.files[0].loaded == 1, report
    embedded = [
        s.sanction_id
        for key in sorted(keys)
        for s in store.sanctions_against(EntityKind.PERSON, key)
        if key in s.sanction_id
    ]
    assert embedded
    for sanction in embedded[:10]:
        for role, view in (("public", "full"), ("investigator", "public")):
            body = api.post(
                "/sanctions/trace", {"sanction_id": sanction, "view": view}, role=role
            )
            assert body.status_code == 200, body.text
            assert body.json()["sanction_id"].startswith("h:")
            _scan(body.text, keys, set(), f"{role} trace")
