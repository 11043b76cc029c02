"""The one base class of MARA's form validators: answers first, retries counted per slot,
cleared slots skipped, and a confirmation before a form is cancelled."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.utils import call_potential_coroutine

from actions.common import latest_intent, latest_text, say
from mara.domain.messages import PERSONAL_ANSWER, SIGNAL_KEY
from mara.policy.keywords import keywords
from mara.text import choices
from mara.text.extract import extract_person_data
from mara.text.names import parse_full_name
from mara.text.normalize import normalize_text

MAX_TRIES = 3
# Below this, the model's guess never interrupts a form: the text is an answer.
CONFIDENT = 0.7
FAILURES_SLOT = "field_failures"
CANCEL_SLOT = "cancel_confirm"
CANCEL_REQUESTED = "cancel_requested"
PAUSED = "form_paused"
# What the person may ask in the middle of a form (a rule answers, then the form resumes).
INTERRUPTIONS = frozenset(
    {
        "cancel",
        "menu",
        "human_handoff",
        "ask_hours",
        "ask_types",
        "ask_deadlines",
        "ask_preferential",
        "media_shared",
    }
)


def keyword_intent(text: str) -> str | None:
    """The intent of a keyword of config/keywords.yml typed alone, or None."""
    plain = normalize_text(text)
    return next(
        (intent for intent, words in keywords().items() if plain in map(normalize_text, words)),
        None,
    )


QUESTION_WORDS = frozenset({"que", "cual", "cuales", "como", "cuando", "donde", "cuanto", "porque"})
# Intents that are questions: a question in a free-text answer is asked, not answered.
QUESTIONS = frozenset({"ask_hours", "ask_types", "ask_deadlines", "ask_preferential"})


def is_question(text: str) -> bool:
    """ "¿a qué hora abren?", "que diferencia hay…": a question mark or a question word first."""
    words = normalize_text(text).split()
    return "?" in text or bool(words and words[0] in QUESTION_WORDS)


def asks_a_question(text: str, tracker: Tracker) -> bool:
    """A question the model confidently recognizes, typed where free text was expected."""
    intent, confidence = latest_intent(tracker)
    return is_question(text) and intent in QUESTIONS and confidence >= CONFIDENT


# What says nothing more of a person's story, however long: small talk ("ya le confirmo
# ahorita") and answers to the form's other questions; also what the rules handle mid-form
# (INTERRUPTIONS) when the model is sure of it.
NOT_STORY = frozenset({
    "affirm", "deny", "thank", "greet", "goodbye", "out_of_scope", "bot_challenge", "opt_out",
    "opt_in", "inform", "same_number", "no_email", "change_field", "choose_option",
})  # fmt: skip
STORY_WORDS = 4
CONTACT_DATA = ("email", "document_number", "phone")


def says_no_first(text: str) -> bool:
    """ "no, lo que pasa es que…": a no before anything else."""
    words = normalize_text(text).split()
    return bool(words) and words[0].rstrip(",.;:!") in {"no", "nop", "nel", "negativo"}


def tells_more(text: str, tracker: Tracker) -> bool:
    """A few words more about what happened, written where an option was expected (people
    tell their story in several messages): not a question, small talk, an answer to
    another question of the form, nor contact data (kept out of the description)."""
    intent, confidence = latest_intent(tracker)
    words = normalize_text(text).split()
    # "que pongan más sillas" is a wish, not "¿qué…?", when the model read a request in it.
    wish = "?" not in text and words[:1] == ["que"] and str(intent).startswith("pqrs_")
    if len(words) < STORY_WORDS or (is_question(text) and not wish):
        return False
    if (intent in NOT_STORY and confidence >= 0.5) or (
        intent in INTERRUPTIONS and confidence >= CONFIDENT
    ):
        return False
    given = extract_person_data(text).given()
    return not any(key in given for key in CONTACT_DATA) and not written_as_a_name(text)


# Words of an answer about their data ("la verdad no quiero dar mis datos"), not a story.
CONSENT_WORDS = frozenset({"datos", "acepto", "autorizo", "autorizacion", "politica"})


def goes_on_with_the_story(text: str, tracker: Tracker) -> bool:
    """More of what happened, where a yes/no or a piece of data was asked: not begun with a
    yes or a no, not asking to stay anonymous."""
    first = text.split()[:1]
    answer_first = bool(first) and choices.parse_yes_no(first[0]) is not None
    about_consent = bool(set(normalize_text(text).split()) & CONSENT_WORDS)
    return (
        tells_more(text, tracker)
        and not answer_first
        and not about_consent
        and not choices.wants_anonymity(text)
    )


def written_as_a_name(text: str) -> bool:
    """ "Luz Dary Ramírez O.": a name written as one (capitals), the answer to a question
    still to come, not more of a story."""
    capitalized = all(word[:1].isupper() for word in text.split())
    return capitalized and isinstance(parse_full_name(text), str)


@dataclass(frozen=True)
class Invalid:
    """A text that does not answer the slot's question, and the response that says why."""

    response: str
    values: dict[str, Any] = field(default_factory=dict)


class FormValidator(FormValidationAction, ABC):
    """Validators return `{slot: value, …}` for an answer or `Invalid(...)` for a text that is
    not one. The base decides what an invalid text is: an interruption (an exact keyword, or a
    confident intent other than an answer), handed to the rules by rejecting the form's turn;
    or a wrong answer, said and counted (a human is offered at the third)."""

    # Slots that ask for personal data: their answers are never shown to trainers.
    personal_slots: frozenset[str] = frozenset()

    @abstractmethod
    def name(self) -> str:
        """validate_<form>: abstract, so rasa-sdk registers only the concrete validators."""

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        required = [*required, CANCEL_SLOT]
        requested = tracker.get_slot("requested_slot")
        result: dict[str, Any] = {}
        for slot, value in tracker.slots_to_validate().items():
            if slot not in required:
                continue
            if value is None:
                # Cleared by an action: no answer, nothing checked, counted or said.
                result[slot] = None
                continue
            validate = getattr(self, f"validate_{slot}", None)
            if validate is None:
                continue
            if slot == requested and self.keyword_typed(tracker):
                return self.interrupt(slot)
            if slot == requested and slot in self.personal_slots:
                # The worker keeps this text away from trainers (data, not phrasing).
                dispatcher.utter_message(json_message={SIGNAL_KEY: PERSONAL_ANSWER})
            output = await call_potential_coroutine(validate(value, dispatcher, tracker, domain))
            if isinstance(output, Invalid):
                if slot == requested and self.confident_interruption(tracker):
                    return self.interrupt(slot)
                output = self.wrong_answer(dispatcher, tracker, slot, output, result)
            if slot == requested and tracker.get_slot(PAUSED):
                # The person wrote again after a pause: the form is theirs again.
                output = {**output, PAUSED: None}
            result.update(output)
            tracker.slots.update(output)
        return [SlotSet(slot, value) for slot, value in result.items()]

    def interrupt(self, slot: str) -> list[EventType]:
        """Not an answer: the form's turn is rejected, so the rules answer the interruption
        (and bring the form back to its question, or ask before cancelling)."""
        return [SlotSet(slot, None), ActionExecutionRejected(self.form_name())]

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        if any(e.get("event") == "action_execution_rejected" for e in events):
            # Handed to the rules: the form neither asks nor moves on this turn.
            return [e for e in events if e.get("name") != "requested_slot"]
        return events

    @staticmethod
    def keyword_typed(tracker: Tracker) -> bool:
        """A keyword typed alone ("cancelar", "menú", "asesor"), or the worker's /intent for
        it: never an answer, whatever the question."""
        text = latest_text(tracker)
        intent, _ = latest_intent(tracker)
        return intent in INTERRUPTIONS and (text.startswith("/") or keyword_intent(text) == intent)

    @staticmethod
    def confident_interruption(tracker: Tracker) -> bool:
        """For a text that is no answer: does the model confidently read a question or a
        request the rules handle in the middle of a form? A text shaped as a question
        needs only the model's ordinary confidence (it is no answer anyway)."""
        intent, confidence = latest_intent(tracker)
        if intent in QUESTIONS and is_question(latest_text(tracker)):
            return True
        return intent in INTERRUPTIONS and confidence >= CONFIDENT

    def wrong_answer(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        slot: str,
        invalid: Invalid,
        result: dict[str, Any],
    ) -> dict[str, Any]:
        if tracker.get_slot(PAUSED):
            # Back after a pause (a human took the chat): the question is asked again,
            # without calling what they wrote wrong.
            return {slot: None}
        intent, confidence = latest_intent(tracker)
        if intent == "greet" and confidence >= CONFIDENT and len(latest_text(tracker).split()) <= 4:
            # "hola" back in the middle of a form: greeted, and the question asked again.
            say(dispatcher, "utter_hello_again")
            return {slot: None}
        say(dispatcher, invalid.response, **invalid.values)
        failures = dict(result.get(FAILURES_SLOT) or tracker.get_slot(FAILURES_SLOT) or {})
        failures[slot] = failures.get(slot, 0) + 1
        if failures[slot] == MAX_TRIES:
            say(dispatcher, "utter_offer_human_after_failures")
        return {slot: None, FAILURES_SLOT: failures}

    # --- cancelling: always asked first, nothing lost on "no" -----------------------

    def with_cancel(self, tracker: Tracker, slots: list[str]) -> list[str]:
        """The form's slots, led by the cancel question while a cancel waits for its yes."""
        if tracker.get_slot(CANCEL_SLOT) is True:
            return [CANCEL_SLOT]  # answered yes: nothing more to ask, the form ends
        if tracker.get_slot(CANCEL_REQUESTED):
            return [CANCEL_SLOT, *slots]
        return slots

    def validate_cancel_confirm(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        if value is True:
            # Set by an action that ends the form (the person left it for something else).
            return {CANCEL_SLOT: True, CANCEL_REQUESTED: None}
        text = str(value)
        answer = choices.parse_yes_no(text)
        if answer is None:
            answer = {1: True, 2: False}.get(choices.parse_choice(text, 2) or 0)
        if answer is True:
            return {CANCEL_SLOT: True, CANCEL_REQUESTED: None}
        if answer is False:
            say(dispatcher, "utter_cancel_declined")
            return {CANCEL_SLOT: None, CANCEL_REQUESTED: None}
        return Invalid("utter_invalid_yes_no")
