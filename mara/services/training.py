"""What trainers need from conversations: messages the bot did not understand."""

from __future__ import annotations

from mara.clock import utcnow
from mara.db.models import (
    UnrecognizedMessage,
)
from mara.db.unit_of_work import UnitOfWork


def record_unrecognized(
    uow: UnitOfWork, wa_id: str, message_sid: str | None, text: str, nlu: dict
) -> int:
    intent = nlu.get("intent") or {}
    row = UnrecognizedMessage(
        wa_id=wa_id,
        message_sid=message_sid,
        text=text,
        intent=intent.get("name"),
        confidence=intent.get("confidence"),
        nlu={
            "intent": intent,
            "intent_ranking": (nlu.get("intent_ranking") or [])[:5],
            "entities": nlu.get("entities") or [],
        },
        received_at=utcnow(),
    )
    uow.session.add(row)
    uow.session.flush()
    return row.id
