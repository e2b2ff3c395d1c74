"""The execution loop over HTTP: events of a department's subscriptions."""

from api.execution.routes import router

__all__ = ["router"]
