"""The one builder of an event as a caller sees it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.execution.schemas import EventOut
from api.masking import mask_id_number, mask_id_numbers_in, opaque_id, public_id
from api.routes.views import View

if TYPE_CHECKING:
    from graph.outbox import OutboxEvent


def event_out(event: OutboxEvent, view: View) -> EventOut:
    """``event`` for a caller with ``view``: a masked role gets the ID number
    masked, in the person and restriction ids and in the explanations."""
    body = event.body()
    if view is not View.FULL:
        body["person_id"] = mask_id_number(event.person_id)
        body["restriction_id"] = opaque_id(event.restriction_id)
        body["sanction_id"] = public_id(event.sanction_id)
        body["explanation_zh"] = mask_id_numbers_in(event.explanation_zh)
        body["explanation_en"] = mask_id_numbers_in(event.explanation_en)
    return EventOut.model_validate(body)
