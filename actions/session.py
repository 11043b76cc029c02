"""A new Rasa session (after an hour of silence, domain.yml's session_config): a filing
paused for a human adviser is kept as long as the handoff lasts (24 h), form and all."""

from __future__ import annotations

from datetime import datetime, timedelta

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, SessionStarted, SlotSet

from actions.common import now
from actions.forms import PAUSED
from actions.pqrs_slots import FORM_SLOTS

# As long as a handoff waits for an adviser (mara.services.contact.request_handoff).
PAUSE_KEPT = timedelta(hours=24)
FILING_SLOTS = frozenset({*FORM_SLOTS, "requested_slot"})
# Rasa sets this one itself at every session start.
RASA_SLOTS = frozenset({"session_started_metadata"})


def paused_at(tracker: Tracker) -> datetime | None:
    """When the filing in progress was paused for a human (None: not paused)."""
    value = tracker.get_slot(PAUSED)
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class ActionSessionStart(Action):
    """Rasa's session start, with the slots carried over; the filing's slots only when it
    was paused for a human less than 24 h ago, and then its form is active again, so the
    person's next message answers the question it had asked. Any other filing left
    half-way an hour ago starts afresh (Rasa would keep its answers but not its form)."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        paused = paused_at(tracker)
        keep_filing = (
            paused is not None
            and tracker.active_loop_name == "pqrs_form"
            and now() - paused < PAUSE_KEPT
        )
        events: list[EventType] = [SessionStarted()]
        for slot, value in tracker.slots.items():
            if slot in RASA_SLOTS or (slot in FILING_SLOTS and not keep_filing):
                continue
            if value is not None:
                events.append(SlotSet(slot, value))
        if keep_filing:
            events.append(ActiveLoop("pqrs_form"))
        return [*events, ActionExecuted("action_listen")]
