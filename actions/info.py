"""Information answers: hours and channels (open now, or on the day asked), policies."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Action
from rasa_sdk.events import EventType

from actions.common import latest_intent, latest_text, now, say
from actions.preferences import preferential_events
from mara.policy.channels import business_calendar
from mara.policy.messages import policy_answer
from mara.text.hours import answer_hours_question
from mara.text.hours_question import read_hours_question


class ActionAnswerHours(Action):
    def name(self) -> str:
        return "action_answer_hours"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        answer_hours(dispatcher, latest_text(tracker))
        return []


def answer_hours(dispatcher, question: str, instant: datetime | None = None) -> None:
    """The answer to the hours question asked: the channel or day named, "hasta qué hora",
    a short summary, or every channel when the person asks for all of them."""
    instant = instant or now()
    asked = read_hours_question(question, instant)
    text = answer_hours_question(business_calendar(), asked, instant)
    say(dispatcher, "utter_policy", text_block=text)


POLICY_BY_INTENT = {
    "ask_resarcimiento": "resarcimiento",
    "ask_answer_quality": "answer_quality",
    "ask_deadlines": "deadlines",
    "ask_rights": "rights",
    "ask_preferential": "preferential",
    "ask_keep_in_mind": "keep_in_mind",
}


class ActionPolicyAnswer(Action):
    """One short answer from config/policies.yml, chosen by the question's intent."""

    def name(self) -> str:
        return "action_policy_answer"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        intent, _ = latest_intent(tracker)
        key = POLICY_BY_INTENT.get(intent or "", "keep_in_mind")
        say(dispatcher, "utter_policy", text_block=policy_answer(key))
        if key == "preferential":
            return preferential_events(dispatcher, tracker)
        return []
