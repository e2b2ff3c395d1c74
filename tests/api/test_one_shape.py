"""One JSON shape: for every question both answer, the command line's ``--json``
and the HTTP API return the same response model with the same values (the
appointment check: the HTTP answer is the checker's reduced one, which must agree
with the command line's on every field it carries)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from api.stores import open_store
from graph.model import RoleType
from tests.api.conftest import Api, open_api
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.api.conftest import Cli

ANN = resident_id(1)
BEN = resident_id(2)
ACME = credit_code(1)
OTHER = credit_code(2)


@pytest.fixture
def both(cli: Cli, tmp_path: Path) -> Iterator[tuple[Cli, Api]]:
    """The CLI and the HTTP API on one store: ANN ran ACME when it was listed."""
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        store.upsert_persons(
            [make_person(person_id=ANN), make_person(person_id=BEN, name="王芳")]
        )
        store.upsert_enterprises(
            [make_enterprise(credit_code=ACME), make_enterprise(credit_code=OTHER)]
        )
        store.upsert_roles(
            [
                make_role(person_id=ANN, role=RoleType.LEGAL_REPRESENTATIVE,
                          since=date(2016, 1, 1), until=date(2024, 1, 1)),
                make_role(person_id=BEN, since=date(2018, 1, 1)),
                make_role(person_id=BEN, credit_code=OTHER, since=date(2018, 1, 1)),
            ]
        )  # fmt: skip
        store.upsert_sanctions([make_sanction(sanction_id="S1")])
        with open_api(store, tmp_path / "http") as api:
            yield cli, api
    finally:
        store.close()


def _http(api: Api, path: str, as_role: str = "investigator", **body: Any) -> Any:
    response = api.post(path, body, role=as_role)
    assert response.status_code == 200, response.text
    return response.json()


def test_restrictions(both: tuple[Cli, Api]) -> None:
    cli, client = both
    on = "2024-01-01"
    answer = cli.json("restrictions", ANN, "--on", on)
    assert answer["restrictions"]  # a question with a real answer
    assert answer == _http(client, "/persons/restrictions", id_number=ANN, on=on)


def test_appointment_check(both: tuple[Cli, Api]) -> None:
    cli, client = both
    for person, code in ((ANN, 1), (BEN, 0)):
        answer = cli.json(
            "check", "--person", person, "--role", "legal_representative",
            "--enterprise", OTHER, "--on", "2024-01-01", code=code,
        )  # fmt: skip
        http = _http(
            client,
            "/checks/appointment",
            as_role="appointment_checker",
            person=person,
            role="legal_representative",
            enterprise=OTHER,
            on="2024-01-01",
        )
        shared = set(http) - {"blocking"}
        assert {k: answer[k] for k in shared} == {k: http[k] for k in shared}
        assert [(b["measure"], b["valid_until"]) for b in answer["blocking"]] == [
            (b["measure"], b["valid_until"]) for b in http["blocking"]
        ]


def test_trace(both: tuple[Cli, Api]) -> None:
    cli, client = both
    for on in (None, "2024-01-01"):
        answer = cli.json("trace", "S1", *(("--on", on) if on else ()))
        assert answer["restrictions"]
        assert answer == _http(client, "/sanctions/trace", sanction_id="S1", on=on)


def test_related(both: tuple[Cli, Api]) -> None:
    cli, client = both
    answer = cli.json("related", BEN, "--on", "2020-01-01")
    assert answer["associates"]
    http = _http(client, "/persons/related", id_number=BEN, on="2020-01-01")
    assert answer == http


def test_people(both: tuple[Cli, Api]) -> None:
    cli, client = both
    answer = cli.json("people", ACME)
    assert len(answer["holders"]) == 2
    response = client.get(f"/enterprises/{ACME}/people")
    assert response.status_code == 200, response.text
    assert answer == response.json()


def test_connections(both: tuple[Cli, Api]) -> None:
    cli, client = both
    answer = cli.json("connections", ANN, OTHER)
    assert answer["connections"]
    assert answer == _http(client, "/connections", a=ANN, b=OTHER)
