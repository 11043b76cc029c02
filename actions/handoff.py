"""A human adviser: during the advisers' hours the chat waits for one (a form in progress is
paused, not lost); otherwise say when they are back and how to reach the Caja."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from actions.common import now, say, uow, wa_id
from actions.forms import PAUSED
from mara.domain.calendar import BOGOTA
from mara.policy.channels import advisers_channel, business_calendar
from mara.services import contact
from mara.text.format_es import format_date_es, format_time_es


def hand_off(dispatcher, tracker, instant: datetime | None = None) -> bool:
    """Ask for an adviser; True when one was asked for (the bot then keeps quiet)."""
    instant = instant or now()
    calendar = business_calendar()
    channel = advisers_channel()
    in_form = tracker.active_loop_name is not None
    if calendar.is_open(channel, instant):
        with uow() as work:
            contact.request_handoff(work, wa_id(tracker), instant)
            work.commit()
        say(dispatcher, "utter_handoff_waiting")
        return True
    opening = calendar.next_opening(channel, instant)
    if opening is None:
        raise RuntimeError("the advisers' channel never opens: check config/channels.yml")
    opening = opening.astimezone(BOGOTA)
    when = {"date": format_date_es(opening.date()), "time": format_time_es(opening.time())}
    say(dispatcher, "utter_handoff_closed_in_form" if in_form else "utter_handoff_closed", **when)
    return False


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        instant = now()
        waiting = hand_off(dispatcher, tracker, instant)
        if waiting and tracker.active_loop_name == "pqrs_form":
            # The form keeps its answers and asks nothing more until the person writes
            # again; when it was paused tells a new session whether to keep it (24 h).
            return [SlotSet(PAUSED, instant.isoformat())]
        return []
