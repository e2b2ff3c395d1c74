"""Liveness (open to all: it names no data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import request_store
from api.schemas import HealthOut
from graph.store import GraphStore

router = APIRouter(tags=["health"])


@router.get("/health")
def health(store: Annotated[GraphStore, Depends(request_store)]) -> HealthOut:
    """The service answers and its store counts: 503 with Retry-After when the
    store is away, within CREDLINK_STORE_TIMEOUT (3 s)."""
    store.counts()
    return HealthOut(status="ok", store=type(store).__name__)
