"""Where a request begins: a request told in the person's words starts the form; a question
about a service is answered where config/ knows, and otherwise offered as a "solicitud de
información"; a long story the model did not place is offered as a request."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, latest_text, previous_text, say
from actions.forms import is_question
from actions.info import (
    answer_about_filed,
    answer_hours_follow_up,
    answer_office_asked,
    say_service_info,
    service_by_key,
)
from actions.pqrs_form import (
    leave_for_status,
    leave_quietly,
    say_type,
    start_events,
    type_from_words,
)
from actions.pqrs_slots import OFFERED
from mara.domain.tickets import PqrsType
from mara.text.asks import (
    announces_only,
    asks_about_a_service,
    asks_about_status,
    asks_when,
    service_asked,
    tells_a_grievance,
    wants_to_ask,
)
from mara.text.choices import service_named

# A message this long that the model does not understand is most likely a PQRS.
LONG_STORY_WORDS = 15


def is_long_story(text: str) -> bool:
    return len(text.split()) >= LONG_STORY_WORDS


def offer_filing(tracker: Tracker, text: str, pqrs_type: PqrsType | None = None) -> list[EventType]:
    """The form, started with the person's text as the description (the type proposed when
    known, else asked from the list); a plain "no" ends it."""
    events = [
        *start_events(tracker, with_text=False),
        SlotSet("description", text.strip()),
        SlotSet("description_from_start", True),
        SlotSet("filing_offered", OFFERED),
    ]
    service = service_named(text)
    if service:
        events.append(SlotSet("service", service))
    if pqrs_type is not None:
        _, confidence = latest_intent(tracker)
        events += [
            SlotSet("pqrs_type", pqrs_type.value),
            SlotSet("proposed_type", pqrs_type.value),
            SlotSet("proposed_confidence", round(confidence, 4)),
        ]
    return [*events, FollowupAction("pqrs_form")]


def file_the_type_named(
    dispatcher: CollectingDispatcher, tracker: Tracker, named: str
) -> list[EventType]:
    """ "tengo un reclamo", which the model was unsure of: the form starts with the type they
    named, and asks what happened."""
    say_type(dispatcher, named)
    return [
        *start_events(tracker, with_text=False),
        SlotSet("pqrs_type", named),
        SlotSet("type_confirmed", True),
        FollowupAction("pqrs_form"),
    ]


def answer_service(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    text: str,
    service_key: str | None,
    form_follows: bool = False,
) -> list[EventType]:
    """What config/services.yml says of the service; where it says nothing, or the question
    is for a date, the web page and phone, and the question offered as a "solicitud de
    información". `form_follows`:
    the rules run the form next (the model read a request), so an answer ends it quietly."""
    service = service_by_key(service_key)
    if asks_when(text):
        # "¿cuándo pagan el subsidio?": dates change with each payment or call for
        # enrollment; config/ holds none, so the Caja's channels, and a written answer offered.
        if service is not None:
            say(dispatcher, "utter_service_dates", service_label=service.label)
        else:
            say(dispatcher, "utter_service_dates_general")
        return offer_filing(tracker, text, PqrsType.INFORMACION)
    if say_service_info(dispatcher, service_key):
        return leave_quietly() if form_follows else []
    if service is not None:
        say(dispatcher, "utter_service_unknown", service_label=service.label)
    else:
        say(dispatcher, "utter_service_unknown_general")
    return offer_filing(tracker, text, PqrsType.INFORMACION)


class ActionAnswerService(Action):
    """A question about the Caja's services (intent ask_service)."""

    def name(self) -> str:
        return "action_answer_service"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        text = latest_text(tracker)
        if tells_a_grievance(text):
            # "¿por qué me rechazaron la postulación si cumplo los requisitos?": a case to
            # file, which the requirements do not answer.
            say(dispatcher, "utter_offer_to_file")
            return offer_filing(tracker, text)
        service = service_asked(text) or service_named(text) or service_before(tracker)
        return answer_service(dispatcher, tracker, text, service)


def service_in_question(tracker: Tracker, text: str) -> str | None:
    """The service a question is about: the one it names, or for a question that names none
    ("¿cómo me postulo?"), the one the person's message before named."""
    service = service_asked(text)
    if service is None and is_question(text) and asks_about_a_service(text):
        service = service_before(tracker)
    return service


def service_before(tracker: Tracker) -> str | None:
    """The service the person's message before named: "¿y cuáles son los requisitos?" right
    after "es para preguntar por el kit escolar"."""
    return service_named(previous_text(tracker))


class ActionStartPqrs(Action):
    """A request told in the person's words: the form starts with its type proposed; a
    question about a service read as an information request is answered like one."""

    def name(self) -> str:
        return "action_start_pqrs"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        text = latest_text(tracker)
        if answer_hours_follow_up(dispatcher, tracker):
            # "y el 24?" after an hours answer, read as a request.
            return leave_quietly()
        if answer_about_filed(dispatcher, text):
            # "quiero actualizar el celular de la queja": not a new request.
            return leave_quietly()
        if asks_about_status(text):
            # "¿cómo va lo que puse…?" read as a new request: it is a status question.
            return leave_for_status(dispatcher, tracker, domain)
        if answer_office_asked(dispatcher, text):
            return leave_quietly()  # "¿tienen sede en Calarcá?" read as a request
        intent, _ = latest_intent(tracker)
        if PqrsType.from_intent(intent) is PqrsType.INFORMACION and wants_to_ask(text):
            say(dispatcher, "utter_ask_your_question")  # "necesito una información"
            return leave_quietly()
        service = service_in_question(tracker, text)
        if PqrsType.from_intent(intent) is PqrsType.INFORMACION and (
            service is not None or asks_when(text)
        ):
            # "¿qué requisitos hay para el subsidio de vivienda?", "¿cuándo le llega el
            # subsidio?": answered, or offered.
            return answer_service(dispatcher, tracker, text, service, form_follows=True)
        events = start_events(tracker, with_text=True)
        named, read = type_from_words(text), PqrsType.from_intent(intent)
        if named and read is not None and named == read.value:
            # "quiero poner una queja porque…", read as one too: no need to ask.
            events.append(SlotSet("type_confirmed", True))
        if named and (read is None or announces_only(text)):
            # "quiero poner un reclamo": the type they named is not asked again, and words
            # that only announce it are no description.
            events += [
                SlotSet("pqrs_type", named),
                SlotSet("type_confirmed", True),
                SlotSet("description", None),
                SlotSet("description_from_start", None),
            ]
        slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
        if slots.get("type_confirmed"):
            say_type(dispatcher, slots["pqrs_type"])
        return events
