"""The explorer's own routes: the caller's session (what the page may offer) and
saved cases, kept in the store per key. Reading a case back is audited with every
person drawn in it, like any answer that carries them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from api.access.guard import Caller, require
from api.deps import request_store
from api.explorer.schemas import (
    CaseContent,
    CaseDeletedOut,
    CaseIn,
    CaseNameIn,
    CaseOut,
    CaseSummaryOut,
    PurposeOut,
    SessionOut,
)
from api.keys import is_person_key
from graph.cases import Case
from graph.errors import EntityNotFoundError
from graph.store import GraphStore

router = APIRouter(tags=["explorer"])

Store = Annotated[GraphStore, Depends(request_store)]
CaseKeeper = Annotated[Caller, require("cases.manage")]


@router.get("/session")
def session(
    caller: Annotated[Caller, require("session.read", own_file=True)],
) -> SessionOut:
    """The key's name and role, the role's view, actions and purposes."""
    role = caller.role
    return SessionOut(
        key_id=caller.identity.key_id,
        key_name=caller.identity.name,
        role=role.name,
        view="masked" if caller.masked else "full",
        actions=sorted(role.actions),
        purposes=[PurposeOut(code=p.code, name=p.name) for p in role.purposes],
        default_purpose=role.default_purpose.code if role.default_purpose else None,
    )


@router.get("/cases")
def list_cases(store: Store, caller: CaseKeeper) -> list[CaseSummaryOut]:
    """The key's saved cases, by name (no personal data)."""
    caller.about("cases")
    found = store.cases(caller.identity.key_id)
    caller.answered()
    return [_summary(case) for case in found]


@router.post("/cases")
def save_case(body: CaseIn, store: Store, caller: CaseKeeper) -> CaseSummaryOut:
    """Save the drawing as the key's case of that name (replacing it)."""
    caller.about(f"case {body.name}")
    content = CaseContent.model_validate(body.model_dump(exclude={"name"}))
    persons = tuple(
        dict.fromkeys(
            node.key
            for node in content.nodes
            if node.kind == "person" and node.key and is_person_key(node.key)
        )
    )
    case = Case(
        owner=caller.identity.key_id,
        name=body.name,
        saved_at=datetime.now(UTC),
        persons=persons,
        content=content.model_dump_json(),
    )
    store.save_case(case)
    caller.answered(persons)
    return _summary(case)


@router.post("/cases/open")
def open_case(body: CaseNameIn, store: Store, caller: CaseKeeper) -> CaseOut:
    """The key's case of that name as saved; every person in it is audited."""
    caller.about(f"case {body.name}")
    case = store.get_case(caller.identity.key_id, body.name)
    if case is None:
        raise EntityNotFoundError("case", body.name)
    caller.answered(case.persons)
    content = CaseContent.model_validate_json(case.content)
    return CaseOut(name=case.name, saved_at=case.saved_at, **content.model_dump())


@router.post("/cases/delete")
def delete_case(body: CaseNameIn, store: Store, caller: CaseKeeper) -> CaseDeletedOut:
    """Delete the key's case of that name."""
    caller.about(f"case {body.name}")
    deleted = store.delete_case(caller.identity.key_id, body.name)
    caller.answered()
    return CaseDeletedOut(name=body.name, deleted=deleted)


def _summary(case: Case) -> CaseSummaryOut:
    nodes = CaseContent.model_validate_json(case.content).nodes
    return CaseSummaryOut(
        name=case.name,
        saved_at=case.saved_at,
        nodes=len(nodes),
        persons=len(case.persons),
    )
