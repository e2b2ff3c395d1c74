"""schemathesis over the whole OpenAPI document, against the app with valid keys:
no server error, no response that violates its schema."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from api.access.apikeys import create_key
from api.access.roles import load_roles
from api.app import create_app
from graph.embedded_store import EmbeddedStore
from graph.model import RoleType
from tests.factories import (
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

ROLE_OF_TAG = {
    "persons": "investigator",
    "enterprises": "investigator",
    "exploring": "investigator",
    "sanctions": "investigator",
    "lifecycle": "sanctions_officer",
    "checks": "appointment_checker",
    "audit": "auditor",
    "keys": "admin",
    "exchange": "exchange_partner",
    "health": "investigator",
    "explorer": "investigator",
    "search": "investigator",
    "execution": "department",
    "reports": "investigator",
    "authorisations": "sanctions_officer",
    "requests": "citizen",
}
PURPOSE = {
    "investigator": "enforcement_inspection",
    "sanctions_officer": "enforcement_inspection",
    "appointment_checker": "executive_appointment_review",
    "auditor": "audit_review",
    "admin": "",
    "exchange_partner": "credit_data_sharing",
    "department": "joint_punishment_execution",
    "citizen": "own_file",
}


def _app(folder: Path) -> tuple[Any, dict[str, str]]:
    store = EmbeddedStore(folder / "s.db")
    store.upsert_persons([make_person(), make_person(person_id=resident_id(2))])
    store.upsert_enterprises([make_enterprise()])
    store.upsert_roles(
        [make_role(), make_role(person_id=resident_id(2),
                                role=RoleType.LEGAL_REPRESENTATIVE,
                                since=date(2016, 1, 1))]
    )  # fmt: skip
    store.upsert_sanctions([make_sanction(sanction_id="S9")])
    policy = load_roles()
    keys = {
        role: create_key(
            store, policy, role=role, name=role,
            person=resident_id(1) if spec.own_file else None,
        ).key
        for role, spec in policy.roles.items()
    }  # fmt: skip
    app = create_app(store, folder / "audit.jsonl", quota_file=folder / "q.sqlite")
    return app, keys


@pytest.fixture(scope="module")
def keyed_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Any, dict[str, str]]]:
    """The app on an embedded store with a key per role (roomy quotas), its
    lifespan running."""
    app, keys = _app(tmp_path_factory.mktemp("schemathesis"))
    with TestClient(app):
        yield app, keys


def test_no_server_error_and_every_answer_fits_its_schema(
    keyed_app: tuple[Any, dict[str, str]],
) -> None:
    app, keys = keyed_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = cast("Any", result).ok()
        operations += 1
        tags = operation.definition.raw.get("tags") or ["health"]
        role = ROLE_OF_TAG[tags[0]]
        headers = {"Authorization": f"Bearer {keys[role]}"}
        if PURPOSE[role]:
            headers["X-Purpose"] = PURPOSE[role]
        try:
            _exercise(operation, headers)
        except AssertionError as exc:  # schemathesis's check failures included
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 19
    assert not failures, "\n\n".join(failures)


def _exercise(operation: Any, headers: dict[str, str]) -> None:
    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        if isinstance(case.query, dict) and "wait" in case.query:
            case.query["wait"] = 0.05  # the long-poll's bound is tested elsewhere
        response = case.call(headers=headers)
        case.validate_response(
            response,
            checks=[
                schemathesis.checks.not_a_server_error,
                schemathesis.checks.response_schema_conformance,
            ],
        )

    run()
