"""Information answers: hours and channels (open now or when they open)."""

from __future__ import annotations

from rasa_sdk import Action
from rasa_sdk.events import EventType

from bot import clock
from bot.calendar import BusinessCalendar
from bot.hours import channel_statuses, render_channels


class ActionAnswerHours(Action):
    def name(self) -> str:
        return "action_answer_hours"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        now = clock.now()
        text = render_channels(channel_statuses(BusinessCalendar(), now), now)
        dispatcher.utter_message(response="utter_hours", channels=text)
        return []
