"""Reads Rasa's tracker store (the `events` table Rasa keeps in the application's database)
to tell whether Rasa already took a WhatsApp message's turn.

A worker killed after Rasa answered but before the replies were stored must not send the
text to Rasa again on the retry: Rasa would take it as a new turn (a confirming "1" would
open the menu instead of answering with the radicado). The tracker has the turn, keyed by
the MessageSid the worker passes as metadata, and the bot's texts that followed it.

It also tells whether a confirmed request was filed: the submit action clears the
`confirmation` slot; a turn that set it to "confirmed" and left it so lost its submit (the
action failed, or Rasa lost its events), and the worker files it again (mara.services.conversation).
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import text

from mara.db.engine import get_engine
from mara.domain.messages import CONFIRMATION_SLOT, CONFIRMED, TakenTurn

log = logging.getLogger(__name__)


def taken_turn(database_url: str, sender_id: str, message_sid: str) -> TakenTurn | None:
    """What Rasa's tracker holds of this message's turn(s), or None when Rasa has no turn
    for it (or its tracker store is not this database)."""
    if not message_sid.isalnum():
        return None
    try:
        with get_engine(database_url).connect() as conn:
            first = conn.execute(
                text(
                    "SELECT MIN(id) FROM events WHERE sender_id = :sender "
                    "AND type_name = 'user' AND data LIKE :marker"
                ),
                {"sender": sender_id, "marker": f"%{message_sid}%"},
            ).scalar()
            if first is None:
                return None
            rows = conn.execute(
                text(
                    "SELECT type_name, data FROM events WHERE sender_id = :sender "
                    "AND id >= :first ORDER BY id"
                ),
                {"sender": sender_id, "first": first},
            ).all()
    except Exception as exc:  # no tracker table yet, another tracker store: ask Rasa
        log.info("tracker store not readable (%s); the turn goes to Rasa", type(exc).__name__)
        return None
    replies: list[str] = []
    confirmation = None
    for type_name, data in rows:
        event = json.loads(data or "{}")
        if type_name == "user":
            if (event.get("metadata") or {}).get("message_sid") != message_sid:
                break  # the person's next message: this turn ended before it
        elif type_name == "bot" and event.get("text"):
            replies.append(event["text"])
        elif type_name == "slot" and event.get("name") == CONFIRMATION_SLOT:
            confirmation = event.get("value")
    return TakenTurn(tuple(replies), submit_pending=confirmation == CONFIRMED)
