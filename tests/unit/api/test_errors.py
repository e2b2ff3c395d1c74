"""Domain errors -> HTTP statuses, through a real FastAPI app in process."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers, status_for
from graph.errors import (
    EntityNotFoundError,
    GraphUnavailableError,
    IdentityConflictError,
    LifecycleError,
    LinkageError,
    LinkLeaseHeldError,
    PolicyError,
)
from linkage.ids import normalize_resident_id

_NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _bad_number() -> LinkageError:
    try:
        normalize_resident_id("11010519491231002Y")
    except LinkageError as exc:
        return exc
    raise AssertionError("the number should not validate")


CASES = [
    (EntityNotFoundError("person", "x"), 404),
    (_bad_number(), 422),  # InvalidIdNumber, via InvalidIdentifierError
    (LifecycleError("repair refused"), 409),
    (IdentityConflictError("two names"), 409),
    (LinkLeaseHeldError("host:1", _NOW, _NOW + timedelta(hours=1)), 409),
    (PolicyError("no such measure"), 500),
    (GraphUnavailableError("down", retryable=True), 503),
    (LinkageError("anything else"), 500),
]


@pytest.mark.parametrize(("error", "status"), CASES)
def test_each_error_has_its_status(error: LinkageError, status: int) -> None:
    assert status_for(error) == status


@pytest.mark.parametrize(("error", "status"), CASES)
def test_the_handler_answers_with_it(error: LinkageError, status: int) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise error

    response = TestClient(app).get("/boom")
    assert response.status_code == status
    body = response.json()
    assert body["error"] == type(error).__name__
    retry = isinstance(error, GraphUnavailableError) and error.retryable
    assert ("retry-after" in response.headers) is retry
    if not isinstance(error, GraphUnavailableError):
        assert body["detail"] == str(error)


@pytest.mark.parametrize("retryable", [True, False])
def test_an_unavailable_store_names_no_internal_address(retryable: bool) -> None:
    app = FastAPI()
    install_error_handlers(app)
    message = "cannot reach Neo4j at bolt://10.0.0.5:7687: Couldn't connect"

    @app.get("/boom")
    def boom() -> None:
        raise GraphUnavailableError(message, retryable=retryable)

    response = TestClient(app).get("/boom")
    assert response.status_code == 503
    assert "10.0.0.5" not in response.text
    assert "7687" not in response.text
    assert response.json()["store"] == "unavailable"
    assert (response.headers.get("retry-after") == "5") is retryable


def test_a_request_that_hangs_answers_503_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CREDLINK_REQUEST_TIMEOUT", "0.5")
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/slow")
    def slow() -> dict[str, str]:
        time.sleep(1.5)  # a store that accepted the query and does not answer
        return {"late": "answer"}

    @app.get("/fast")
    def fast() -> dict[str, str]:
        return {"quick": "answer"}

    with TestClient(app) as client:
        started = time.perf_counter()
        response = client.get("/slow")
        took = time.perf_counter() - started
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert 0.5 <= took < 1.0
        assert client.get("/fast").json() == {"quick": "answer"}
