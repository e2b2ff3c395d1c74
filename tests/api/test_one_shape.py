"""One JSON shape: for every question both answer, the command line's ``--json``
and the HTTP API return the same response model with the same values."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.stores import open_store
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
    from collections.abc import Iterator
    from pathlib import Path

    from tests.api.conftest import Cli

ANN = resident_id(1)
BEN = resident_id(2)
ACME = credit_code(1)
OTHER = credit_code(2)
HEADERS = {"X-Requester": "officer-7", "X-Purpose": "one shape"}


@pytest.fixture
def both(cli: Cli, tmp_path: Path) -> Iterator[tuple[Cli, TestClient]]:
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
        with TestClient(create_app(store, tmp_path / "http-audit.jsonl")) as client:
            yield cli, client
    finally:
        store.close()


def _http(client: TestClient, path: str, **params: str) -> Any:
    response = client.get(path, params=params, headers=HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


def test_restrictions(both: tuple[Cli, TestClient]) -> None:
    cli, client = both
    on = "2024-01-01"
    answer = cli.json("restrictions", ANN, "--on", on)
    assert answer["restrictions"]  # a question with a real answer
    assert answer == _http(client, f"/persons/{ANN}/restrictions", on=on)


def test_appointment_check(both: tuple[Cli, TestClient]) -> None:
    cli, client = both
    for person, code in ((ANN, 1), (BEN, 0)):
        answer = cli.json(
            "check", "--person", person, "--role", "legal_representative",
            "--enterprise", OTHER, "--on", "2024-01-01", code=code,
        )  # fmt: skip
        http = _http(
            client,
            f"/persons/{person}/appointment-check",
            role="legal_representative",
            enterprise=OTHER,
            on="2024-01-01",
        )
        assert answer == http


def test_trace(both: tuple[Cli, TestClient]) -> None:
    cli, client = both
    for on in (None, "2024-01-01"):
        answer = cli.json("trace", "S1", *(("--on", on) if on else ()))
        assert answer["restrictions"]
        params = {"on": on} if on else {}
        assert answer == _http(client, "/sanctions/S1/trace", **params)


def test_related(both: tuple[Cli, TestClient]) -> None:
    cli, client = both
    answer = cli.json("related", BEN, "--on", "2020-01-01")
    assert answer["associates"]
    assert answer == _http(client, f"/persons/{BEN}/related", on="2020-01-01")


def test_people(both: tuple[Cli, TestClient]) -> None:
    cli, client = both
    answer = cli.json("people", ACME)
    assert len(answer["holders"]) == 2
    assert answer == _http(client, f"/enterprises/{ACME}/people")


def test_connections(both: tuple[Cli, TestClient]) -> None:
    cli, client = both
    answer = cli.json("connections", ANN, OTHER)
    assert answer["connections"]
    assert answer == _http(client, "/connections", a=ANN, b=OTHER)
