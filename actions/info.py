"""Information answers: hours and channels (open now, or on the day asked), policies."""

from __future__ import annotations

from functools import cache

import yaml
from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from actions.common import latest_intent
from mara import clock
from mara.policy.channels import business_calendar
from mara.settings import ROOT
from mara.text import cues
from mara.text.hours import answer_hours_question
from mara.text.hours_question import read_hours_question


@cache
def policies() -> dict[str, str]:
    with (ROOT / "config" / "policies.yml").open(encoding="utf-8") as f:
        return {k: " ".join(v.split()) for k, v in yaml.safe_load(f).items()}


class ActionAnswerHours(Action):
    def name(self) -> str:
        return "action_answer_hours"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        answer_hours(dispatcher, tracker.latest_message.get("text", ""))
        return []


def answer_hours(dispatcher, question: str) -> None:
    """The answer to the hours question asked: the channel or day named, "hasta qué hora",
    a short summary, or every channel when the person asks for all of them."""
    now = clock.now()
    question_read = read_hours_question(question, now)
    dispatcher.utter_message(
        response="utter_policy",
        text_block=answer_hours_question(business_calendar(), question_read, now),
    )


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
        dispatcher.utter_message(response="utter_policy", text_block=policies()[key])
        text = tracker.latest_message.get("text", "")
        if key != "preferential" or not cues.claims_preferential(text):
            return []
        # Whoever says they are entitled gets it recorded on the request they file.
        dispatcher.utter_message(
            response="utter_policy", text_block=policies()["preferential_recorded"]
        )
        return [SlotSet("preferential", True)]
