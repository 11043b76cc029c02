"""Information answers: hours and channels (open now, or on the day asked), policies."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Action
from rasa_sdk.events import EventType

from actions.common import bot_action_before, latest_intent, latest_text, now, previous_text, say
from actions.forms import is_question
from actions.preferences import preferential_events
from mara.policy import catalogs
from mara.policy.channels import business_calendar
from mara.policy.messages import policy_answer
from mara.text.asks import adds_to_filed, asks_if_late, asks_to_change_filed, service_asked
from mara.text.choices import service_named
from mara.text.cues import another_day
from mara.text.hours import answer_hours_question
from mara.text.hours_question import (
    asks_for_an_office_in,
    named_channel,
    read_hours_question,
    town_named,
)

# A follow-up names a day or a channel in a few words ("y el sábado?", "y por WhatsApp?").
FOLLOW_UP_WORDS = 5


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
    town = town_named(question)
    if town is not None:
        # "¿a qué hora atienden en Quimbaya?": no office there, then the hours of the one.
        say(dispatcher, "utter_no_office_in_town", town=town)
    asked = read_hours_question(question, instant)
    text = answer_hours_question(business_calendar(), asked, instant)
    say(dispatcher, "utter_policy", text_block=text)


def answer_hours_follow_up(dispatcher, tracker) -> bool:
    """ "y el 24?", "y por WhatsApp?" right after an hours answer are about hours too,
    whatever the model read; answered, True."""
    if bot_action_before(tracker) != "action_answer_hours":
        return False
    text = latest_text(tracker)
    town = town_named(text)
    if town is not None and len(text.split()) <= FOLLOW_UP_WORDS:
        say(dispatcher, "utter_no_office_in_town", town=town)  # "y en Calarcá?"
        return True
    question = another_day(text, previous_text(tracker), now())
    if question is None and len(text.split()) <= FOLLOW_UP_WORDS and named_channel(text):
        question = text
    if question is None:
        return False
    answer_hours(dispatcher, question)
    return True


def answer_information_question(dispatcher, tracker, text: str) -> bool:
    """ "¿cómo me postulo?" asked where the bot proposed to file their question: what
    config/services.yml says of the service asked about, or of the one their question named
    before; True when there was something to say."""
    if not is_question(text):
        return False
    before = str(tracker.get_slot("description") or "")
    return say_service_info(
        dispatcher, service_asked(text) or service_named(text) or service_named(before)
    )


def service_by_key(key: str | None) -> catalogs.Service | None:
    return next((s for s in catalogs.services() if s.key == key), None)


def say_service_info(dispatcher, key: str | None) -> bool:
    """What config/services.yml says of the service, said; False where it says nothing."""
    service = service_by_key(key)
    if service is None or not service.info:
        return False
    say(dispatcher, "utter_service_info", service_label=service.label, info=service.info)
    return True


def answer_office_asked(dispatcher, text: str) -> bool:
    """ "¿tienen sede en Calarcá?": no office in that town, the one there is and the channels
    that reach the Caja from anywhere; True when answered."""
    town = asks_for_an_office_in(text)
    if town is not None:
        say(dispatcher, "utter_no_office_in_town", town=town)
    return town is not None


def answer_about_filed(dispatcher, text: str) -> bool:
    """A change or a file for a request already filed ("quiero agregarle una foto a la queja
    que puse"): where to send it, since the bot cannot; True when answered."""
    if asks_to_change_filed(text):
        say(dispatcher, "utter_change_filed")
        return True
    if adds_to_filed(text):
        say(dispatcher, "utter_add_to_filed")
        return True
    return False


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
        if key == "deadlines" and asks_if_late(latest_text(tracker)):
            key = "late_answer"  # "¿y si no me responden a tiempo?"
        say(dispatcher, "utter_policy", text_block=policy_answer(key))
        if key == "preferential":
            return preferential_events(dispatcher, tracker)
        return []
