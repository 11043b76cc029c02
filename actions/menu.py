"""The main menu's numbers, the PQRS types explained, and turns the model did not understand."""

from __future__ import annotations

from rasa_sdk import Action
from rasa_sdk.events import EventType, FollowupAction, SlotSet

from actions.common import (
    bot_action_before,
    entity,
    latest_text,
    previous_user_event,
    response_text,
    say,
)
from actions.handoff import hand_off
from actions.info import (
    answer_about_filed,
    answer_hours,
    answer_hours_follow_up,
    answer_office_asked,
)
from actions.offers import (
    answer_service,
    file_the_type_named,
    is_long_story,
    offer_filing,
    service_in_question,
)
from actions.pqrs_form import start_events, type_from_words
from actions.status import answer_status_without_number
from mara.policy.pqrs_types import catalog
from mara.text import choices
from mara.text.asks import (
    announces_only,
    asks_about_status,
    asks_for_a_call,
    introduces_only,
    is_lost,
    service_asked,
    sounds_upset,
    wants_to_ask,
)
from mara.text.cues import asks_about_hours

NOT_UNDERSTOOD = {"nlu_fallback", "out_of_scope"}


class ActionGreet(Action):
    """A greeting: hello and the menu. A greeting that carries a question about a service
    ("buenas tardes, es para preguntar por el kit escolar") gets hello and the answer."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        text = latest_text(tracker)
        say(dispatcher, "utter_greet")
        if answer_about_filed(dispatcher, text):
            return []  # "hola, ya radiqué una queja pero quiero agregarle una foto"
        service = service_asked(text)
        if service is not None:
            return answer_service(dispatcher, tracker, text, service)
        say(dispatcher, "utter_menu")
        return []


class ActionMenuChoice(Action):
    """A number typed at the main menu."""

    def name(self) -> str:
        return "action_menu_choice"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        option = entity(tracker, "option") or latest_text(tracker)
        choice = choices.parse_choice(str(option), 4)
        if choice == 1:
            return [*start_events(tracker, with_text=False), FollowupAction("pqrs_form")]
        if choice == 2:
            reset = [SlotSet("status_radicado", None), SlotSet("status_document", None)]
            return [*reset, FollowupAction("status_form")]
        if choice == 3:
            answer_hours(dispatcher, "")
            return []
        if choice == 4:
            hand_off(dispatcher, tracker)
            return []
        say(dispatcher, "utter_menu")
        return []


class ActionExplainTypes(Action):
    def name(self) -> str:
        return "action_explain_types"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        text = latest_text(tracker)
        chosen = type_from_words(text)
        if chosen and bot_action_before(tracker) == "action_explain_types":
            # "ok entonces es un reclamo" right after the explanation: a choice, not a question.
            return file_the_type_named(dispatcher, tracker, chosen)
        # The types the person named ("¿diferencia entre queja y reclamo?"), else all six.
        named = choices.types_named(text)
        types = [t for t in catalog().types if t.key.value in named] or catalog().types
        definitions = "\n".join(
            response_text(domain, "utter_type_definition", label=t.label, definition=t.definition)
            for t in types
        )
        if len(named) >= 2:
            say(dispatcher, "utter_pqrs_types_compared", definitions=definitions)
        elif named:
            say(dispatcher, "utter_policy", text_block=definitions)
        else:
            say(dispatcher, "utter_pqrs_types", definitions=definitions)
        return []


def intent_name(parse_data: dict) -> str | None:
    return (parse_data.get("intent") or {}).get("name")


def previous_user_intent(tracker) -> str | None:
    previous = previous_user_event(tracker)
    return intent_name(previous.get("parse_data") or {}) if previous else None


class ActionNotUnderstood(Action):
    """Answer what was not understood (the worker stores the NLU result for trainers:
    mara.services.nlu_review); twice in a row, offer menu and human."""

    def name(self) -> str:
        return "action_not_understood"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        latest = tracker.latest_message
        text = latest_text(tracker)
        if answer_hours_follow_up(dispatcher, tracker):
            return []
        if intent_name(latest) == "nlu_fallback" and asks_about_hours(text):
            # The model was unsure, but "¿atienden el 8 de diciembre?" is clearly about hours.
            answer_hours(dispatcher, text)
            return []
        if asks_about_status(text):
            # "¿y cómo va lo que puse de la droguería?"
            answer_status_without_number(dispatcher, tracker, domain, text)
            return []
        if answer_about_filed(dispatcher, text):
            return []
        if answer_office_asked(dispatcher, text):
            return []  # "¿dónde puedo poner una queja en Montenegro?"
        if asks_for_a_call(text):
            # "¿me pueden llamar al 310…?": the bot cannot call; an adviser can write or call.
            say(dispatcher, "utter_no_calls")
            hand_off(dispatcher, tracker)
            return []
        service = service_asked(text)
        if service is not None:
            # "¿qué requisitos piden para el subsidio de vivienda?"
            return answer_service(dispatcher, tracker, text, service)
        if wants_to_ask(text):
            # "es que necesito una información": the question is still to come.
            say(dispatcher, "utter_ask_your_question")
            return []
        if introduces_only(text):
            # "mi nombre es Diana Ríos": greeted, and the options (their name not repeated
            # back: no data is used before their consent).
            say(dispatcher, "utter_nice_to_meet_you")
            say(dispatcher, "utter_menu")
            return []
        named = type_from_words(text)
        if named and announces_only(text):
            return file_the_type_named(dispatcher, tracker, named)
        if is_lost(text) and not is_long_story(text):
            # "no entiendo nada": the options again, said plainly.
            say(dispatcher, "utter_lost_menu")
            say(dispatcher, "utter_menu")
            return []
        if sounds_upset(text) and not is_long_story(text):
            # "ustedes son unos ladrones": heard, and offered the way to a queja.
            say(dispatcher, "utter_upset_offer_queja")
            return []
        service = service_in_question(tracker, text)
        if service is not None:
            # "¿cómo me postulo?" right after a message about the subsidio de vivienda.
            return answer_service(dispatcher, tracker, text, service)
        if is_long_story(text):
            # A long story not understood is most likely a PQRS in the person's own words.
            say(dispatcher, "utter_offer_to_file")
            return offer_filing(tracker, text)
        if choices.nothing_more(text):
            # "no", "nada más" after an answer: nothing was asked, so nothing to read again.
            say(dispatcher, "utter_ok")
            return []
        if previous_user_intent(tracker) in NOT_UNDERSTOOD:
            say(dispatcher, "utter_still_not_understood")
            say(dispatcher, "utter_menu")
            return []
        out_of_scope = intent_name(latest) == "out_of_scope"
        say(dispatcher, "utter_out_of_scope" if out_of_scope else "utter_default")
        return []
