"""What a person asks of us about themselves: no proactive messages (BAJA) or again (ALTA),
and preferential attention recorded on the request they file."""

from __future__ import annotations

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from actions.common import latest_text, message_sid, say, uow, wa_id
from mara.services import contact
from mara.text import cues


class ActionOptOut(Action):
    def name(self) -> str:
        return "action_opt_out"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        with uow() as work:
            contact.set_opt_out(work, wa_id(tracker), True, message_sid(tracker))
            work.commit()
        say(dispatcher, "utter_opted_out")
        return []


class ActionOptIn(Action):
    def name(self) -> str:
        return "action_opt_in"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        with uow() as work:
            contact.set_opt_out(work, wa_id(tracker), False, message_sid(tracker))
            work.commit()
        say(dispatcher, "utter_opted_in")
        return []


def preferential_events(dispatcher, tracker) -> list[EventType]:
    """After the preferential-attention answer: whoever says they are entitled gets it
    recorded on the request they file (said so only when a request is being filed)."""
    if not cues.claims_preferential(latest_text(tracker)):
        return []
    if tracker.active_loop_name == "pqrs_form":
        say(dispatcher, "utter_preferential_recorded")
    else:
        say(dispatcher, "utter_preferential_noted")
    return [SlotSet("preferential", True)]
