"""The PQRS form: which slots it asks, and one validator per slot."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    entity,
    latest_intent,
    latest_text,
    message_sid,
    previous_text,
    say,
    uow,
    wa_id,
)
from actions.forms import (
    CANCEL_REQUESTED,
    CANCEL_SLOT,
    FormValidator,
    Invalid,
    asks_a_question,
    goes_on_with_the_story,
    is_question,
    says_no_first,
    tells_more,
    written_as_a_name,
)
from actions.info import answer_information_question
from actions.pqrs_person import earlier_texts, person_data, this_whatsapp
from actions.pqrs_slots import (
    DECLINED,
    EARLY_SLOTS,
    FIELD_SLOTS,
    LEFT,
    NO_EMAIL,
    OFFERED,
    PERSONAL_FIELDS,
    PERSONAL_SLOTS,
    reset_events,
)
from actions.status import answer_status_without_number
from mara.domain.messages import CONFIRMED, SIGNAL_KEY, SUBMIT_EXPECTED
from mara.domain.tickets import PqrsType
from mara.policy import catalogs
from mara.policy.messages import message
from mara.policy.pqrs_types import catalog
from mara.services import filing
from mara.text import choices, documents, emails, normalize, phones
from mara.text.asks import asks_about_status, says_it_lacks
from mara.text.extract import extract_person_data, says_own_name
from mara.text.names import parse_full_name

MIN_DESCRIPTION = 8
# A description this long already says what, when and where: no "¿algo más?" question.
DETAILED_WORDS = 12
# A type proposed this surely is said, not asked ("¿Está bien?"): it can be changed at
# the summary, and AU classifies every request for good anyway.
TYPE_SURE = 0.8
# More of the story, read as a PQRS type at least this surely, confirms or changes the type.
STORY_TYPE_READ = 0.5


def say_type(dispatcher: CollectingDispatcher, pqrs_type: str) -> None:
    """ "Lo radico como *queja* (…)": the type the bot is sure of, in one plain line."""
    info = catalog().info(pqrs_type)
    say(dispatcher, "utter_type_proposed", type_name=info.name, gist=info.gist)


def type_from_words(text: str) -> str | None:
    """The one type named in words ("es un reclamo"), for answers that skip the numbers;
    None for a question ("¿qué diferencia hay entre queja y reclamo?") or two types."""
    if is_question(text):
        return None
    named = choices.types_named(text)
    return named[0] if len(named) == 1 else None


def field_named(tracker: Tracker, text: str) -> str | None:
    value = entity(tracker, "field")
    if value in FIELD_SLOTS:
        return value
    words: dict[str, list[str]] = message("summary_field_words")
    for word in re.findall(r"\w+", normalize.normalize_text(text)):
        for field, names in words.items():
            if word in names:
                return field
    return None


def service_events(tracker: Tracker, description: str) -> dict[str, Any]:
    """The service the description clearly names, when none was chosen yet."""
    if tracker.get_slot("service"):
        return {}
    service = choices.service_named(description)
    return {"service": service} if service else {}


# Questions whose answer may instead be more of the story, sent in another message.
STORY_GOES_ON = frozenset({*PERSONAL_SLOTS, "service"})


def more_story(tracker: Tracker, text: str) -> dict[str, Any]:
    """The description with `text` on a line of its own (and the service it names, if any)."""
    whole = f"{(tracker.get_slot('description') or '').strip()}\n{text.strip()}".strip()
    return {"description": whole, **service_events(tracker, whole)}


def leave_quietly() -> list[EventType]:
    """Events that end a filing just begun without a word (what was asked was answered)."""
    return [*reset_events(), SlotSet(CANCEL_SLOT, True), SlotSet("filing_offered", LEFT)]


def leave_for_status(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
) -> list[EventType]:
    """A status question where a filing began (misread, or corrected): answered, and the
    form ends quietly."""
    answer_status_without_number(dispatcher, tracker, domain, latest_text(tracker))
    return leave_quietly()


def declines_offer(tracker: Tracker, text: str, slot: str) -> dict[str, Any] | None:
    """ "no", "no gracias", "ahora no", "ok gracias" to the bot's offer to file what they
    wrote: the offer ends (the slot asked cleared, so nothing half-answered is left). Where
    the offer asks for a type from the list, "2" picks a type; where it is a yes/no
    question, "2" is no."""
    offered = tracker.get_slot("filing_offered") == OFFERED
    no = choices.parse_yes_no(text) is False or choices.only_thanks(text)
    # Asked by them, "no" there picks another type; "no gracias" still ends it.
    if not (offered and no) and not choices.no_thanks(text):
        return None
    if slot == "pqrs_type" and choices.parse_choice(text, 2) is not None:
        return None
    return {slot: None, CANCEL_SLOT: True, "filing_offered": DECLINED}


def start_events(tracker: Tracker, with_text: bool) -> list[EventType]:
    """Slots a new request starts with: the proposed type and the person's own words."""
    events = reset_events()
    intent, confidence = latest_intent(tracker)
    proposed = PqrsType.from_intent(intent)
    if proposed is not None and with_text:
        text = tracker.latest_message.get("text", "").strip()
        events += [SlotSet(k, v) for k, v in service_events(tracker, text).items()]
        events += [
            SlotSet("pqrs_type", proposed.value),
            SlotSet("proposed_type", proposed.value),
            SlotSet("proposed_confidence", round(confidence, 4)),
            SlotSet("description", tracker.latest_message.get("text", "").strip()),
            SlotSet("description_from_start", True),
        ]
        if confidence >= TYPE_SURE:
            events.append(SlotSet("type_confirmed", True))
    version = catalog().privacy_policy_version
    with uow() as work:
        consent_id = filing.current_consent(work, wa_id(tracker), version)
        saved = filing.saved_requester(work, wa_id(tracker)) if consent_id else None
        work.commit()
    if consent_id:
        # Consent to this notice version was given and recorded before: not asked again.
        events += [SlotSet("consent", True), SlotSet("consent_id", consent_id)]
        if saved:
            events.append(SlotSet("saved_requester", saved.__dict__))
    return events


class ValidatePqrsForm(FormValidator):
    personal_slots = frozenset(s for f in PERSONAL_FIELDS for s in FIELD_SLOTS[f])

    def name(self) -> str:
        return "validate_pqrs_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        return self.with_cancel(tracker, self.pqrs_slots(tracker))

    async def get_validation_events(self, dispatcher, tracker, domain) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if requested in EARLY_SLOTS and asks_about_status(latest_text(tracker)):
            return leave_for_status(dispatcher, tracker, domain)
        return await super().get_validation_events(dispatcher, tracker, domain)

    @staticmethod
    def pqrs_slots(tracker: Tracker) -> list[str]:
        slots = ["pqrs_type", "type_confirmed", "description"]
        description = str(tracker.get_slot("description") or "")
        if tracker.get_slot("description_from_start") and (
            len(description.split()) < DETAILED_WORDS or tracker.get_slot("details_offered")
        ):
            slots.append("details_offered")
        slots.append("consent")
        consent = tracker.get_slot("consent")
        if consent is False:
            if not catalog().allows_anonymous(tracker.get_slot("pqrs_type")):
                return slots  # nothing more to ask: the submit step explains the channels
        elif consent is True:
            missing = any(tracker.get_slot(slot) is None for slot in PERSONAL_SLOTS)
            if tracker.get_slot("saved_requester") and (missing or tracker.get_slot("use_saved")):
                slots.append("use_saved")
            slots += PERSONAL_SLOTS
        return slots + ["service", "confirmation"]

    def validate_pqrs_type(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        text = str(value)
        declined = declines_offer(tracker, text, "pqrs_type")
        if declined:
            return declined
        if text in {t.value for t in PqrsType}:
            return {"pqrs_type": text}
        number = choices.parse_choice(text, len(catalog().types))
        info = catalog().by_menu(number) if number else None
        chosen = info.key.value if info else type_from_words(text)
        if chosen:
            return {"pqrs_type": chosen, "type_confirmed": True}
        intent, confidence = latest_intent(tracker)
        proposed = PqrsType.from_intent(intent)
        if proposed:
            # They told their case instead of picking a number: propose its type (said,
            # not asked, when the model is sure of it); what they told before is kept.
            sure = confidence >= TYPE_SURE
            if sure:
                say_type(dispatcher, proposed.value)
            return {
                **({"type_confirmed": True} if sure else {}),
                "pqrs_type": proposed.value,
                "proposed_type": proposed.value,
                "proposed_confidence": round(confidence, 4),
                "description_from_start": True,
                **more_story(tracker, text),
            }
        if tells_more(text, tracker):
            # Their case, but no type read in it yet: kept, and the list asked again.
            say(dispatcher, "utter_story_noted")
            return {"pqrs_type": None, "description_from_start": True, **more_story(tracker, text)}
        return Invalid("utter_invalid_choice")

    def validate_type_confirmed(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        if value is True:
            return {"type_confirmed": True}
        text = str(value)
        declined = declines_offer(tracker, text, "type_confirmed")
        if declined:
            return declined
        if tracker.get_slot("pqrs_type") == PqrsType.INFORMACION.value:
            # Their question answered here ("¿cómo me postulo?"), then asked again; "gracias"
            # to it is a no.
            if choices.only_thanks(text):
                return {"type_confirmed": None, CANCEL_SLOT: True, "filing_offered": DECLINED}
            if answer_information_question(dispatcher, tracker, text):
                return {"type_confirmed": None}
        named = type_from_words(text)
        answer = choices.parse_yes_no(text)
        if named and answer is not True:
            return {"type_confirmed": True, "pqrs_type": named}
        # More of their story is kept whatever else the text says ("el señor no me atendió"
        # holds a "no" that answers nothing; only a "no" first does).
        story = more_story(tracker, text) if tells_more(text, tracker) else {}
        if answer is True:
            return {"type_confirmed": True, **story}
        if answer is False and (not story or says_no_first(text)):
            return {"type_confirmed": None, "pqrs_type": None, **story}
        if story:
            # Read as the type proposed, the story goes on with it; read as another, that
            # one is proposed instead ("tengo una duda con el crédito" then "me descontaron
            # dos cuotas"); unread, the question is asked again.
            intent, confidence = latest_intent(tracker)
            read = PqrsType.from_intent(intent) if confidence >= STORY_TYPE_READ else None
            if read is not None and read.value == tracker.get_slot("pqrs_type"):
                return {"type_confirmed": True, **story}
            say(dispatcher, "utter_story_noted")
            changed = (
                {"pqrs_type": read.value, "proposed_type": read.value,
                 "proposed_confidence": round(confidence, 4)}
                if read else {}
            )  # fmt: skip
            return {"type_confirmed": None, **changed, **story}
        return Invalid("utter_invalid_yes_no")

    def validate_description(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        text = str(value).strip()
        if len(text) < MIN_DESCRIPTION or len(text.split()) < 2 or asks_a_question(text, tracker):
            return Invalid("utter_invalid_description")
        return {"description": text, **service_events(tracker, text)}

    def validate_details_offered(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        text = str(value).strip()
        nothing = choices.parse_yes_no(text) is False or choices.nothing_more(text)
        if value is True or nothing or written_as_a_name(text):
            return {"details_offered": True}
        if asks_a_question(text, tracker):
            return Invalid("utter_ask_details_offered")
        if choices.parse_yes_no(text) is True and len(text.split()) <= 2:
            # "sí": asked for at once; "ok", "bueno": on with the form.
            return (
                {"details_offered": None, "details_wanted": True}
                if choices.agrees(text)
                else {"details_offered": True}
            )
        return {"details_offered": True, **more_story(tracker, text)}

    def validate_consent(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        if value is True and tracker.get_slot("consent_id"):
            # Consent on file (a returning number): what they wrote may be read at once.
            data = person_data(tracker, earlier_texts(tracker))
            return {"consent": True, **data, **this_whatsapp(tracker, data)}
        text = str(value)
        if goes_on_with_the_story(text, tracker):
            # "Me dijo que no había el medicamento…": more of the story, however many "no"s
            # it holds, kept; the question is asked again.
            say(dispatcher, "utter_story_noted")
            return {"consent": None, **more_story(tracker, text)}
        answer = choices.parse_yes_no(str(value))
        if answer is False and says_it_lacks(str(value)):
            # "no tengo correo" answers a question still to come, not this one.
            email = latest_intent(tracker)[0] == "no_email"
            return Invalid("utter_consent_without_email" if email else "utter_invalid_consent")
        if answer is None or (answer is False and says_own_name(text)):
            # "no, el nombre es de mi mamá, yo soy Jorge": a correction, not a refusal.
            return Invalid("utter_invalid_consent")
        version = catalog().privacy_policy_version
        with uow() as work:
            consent_id = filing.record_consent(
                work, wa_id(tracker), answer, message_sid(tracker), version
            )
            saved = filing.saved_requester(work, wa_id(tracker)) if answer else None
            work.commit()
        service = service_events(tracker, str(tracker.get_slot("description") or ""))
        if not answer:
            pqrs_type = tracker.get_slot("pqrs_type")
            if catalog().allows_anonymous(pqrs_type):
                label = catalog().info(pqrs_type).label.lower()
                say(dispatcher, "utter_consent_refused_anonymous", type_label_lower=label)
            return {"consent": False, "consent_id": None, **service}
        # Only now may what they already wrote be read for their data.
        data = person_data(tracker, earlier_texts(tracker))
        return {
            "consent": True,
            "consent_id": consent_id,
            "saved_requester": saved.__dict__ if saved else None,
            **data,
            **this_whatsapp(tracker, data),
            **service,
        }

    def validate_use_saved(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        answer = choices.parse_yes_no(str(value))
        saved = tracker.get_slot("saved_requester") or {}
        if answer is True and saved:
            return {"use_saved": True, **{k: saved[k] or NO_EMAIL for k in PERSONAL_SLOTS}}
        if answer is False:
            return {"use_saved": False}
        return Invalid("utter_invalid_yes_no")

    def wrong_answer(self, dispatcher, tracker, slot, invalid, result) -> dict[str, Any]:
        text = latest_text(tracker)
        if slot in STORY_GOES_ON and goes_on_with_the_story(text, tracker):
            # "Y la señora que atiende me trató muy mal" where a name was asked: their story
            # goes on in another message; kept, and the question asked again.
            say(dispatcher, "utter_story_noted")
            return {slot: None, **more_story(tracker, text)}
        return super().wrong_answer(dispatcher, tracker, slot, invalid, result)

    @staticmethod
    def with_data(dispatcher, slot: str, tracker: Tracker, own: dict | Invalid) -> dict | Invalid:
        """The answer to `slot` plus every other piece of personal data in the same message
        ("Ana López cc 1094… cel 310…"); the message's own reading wins where it has one."""
        found = person_data(tracker, [latest_text(tracker)], asked=slot)
        if isinstance(own, Invalid) and slot not in found and found:
            # "cc 7.555.444" where the name was asked: kept, and the name asked again.
            say(dispatcher, "utter_story_noted")
            return {**found, slot: None}
        if isinstance(own, Invalid):
            return found if slot in found else own
        return {**found, **own}

    def validate_full_name(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        name = parse_full_name(str(value))
        pqrs_type = tracker.get_slot("pqrs_type")
        anonymous_ok = catalog().allows_anonymous(pqrs_type)
        refused = choices.parse_yes_no(str(value)) is False or choices.wants_anonymity(str(value))
        said_yes = choices.agrees(str(value)) and not str(value).strip().isdigit()
        if isinstance(name, normalize.Invalid) and said_yes:
            return Invalid("utter_consent_already")  # "sí acepto" said twice
        if isinstance(name, normalize.Invalid) and anonymous_ok and refused:
            # "no", "anónima": a suggestion or a compliment goes on without their data.
            label = catalog().info(pqrs_type).label.lower()
            say(dispatcher, "utter_consent_refused_anonymous", type_label_lower=label)
            return {"consent": False, "consent_id": None, "full_name": None}
        if isinstance(name, normalize.Invalid):
            return self.with_data(
                dispatcher, "full_name", tracker, Invalid("utter_invalid_full_name")
            )
        return self.with_data(dispatcher, "full_name", tracker, {"full_name": name})

    def validate_document_type(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        code = documents.parse_document_type(str(value))
        if isinstance(code, normalize.Invalid):
            # A bare number of six or more digits is no menu choice: most people answer
            # with their cédula's number (the summary shows "CC …"; "2" there changes it).
            cedula = documents.bare_cedula(str(value))
            if cedula is not None:
                return {"document_type": "CC", "document_number": cedula}
            return self.with_data(
                dispatcher, "document_type", tracker, Invalid("utter_invalid_document_type")
            )
        slots: dict[str, Any] = {"document_type": code}
        # "CC 1094887654" answers both questions at once.
        _, number = documents.parse_document(str(value))
        if number and not isinstance(
            checked := documents.parse_document_number(number, code), normalize.Invalid
        ):
            slots["document_number"] = checked
        return self.with_data(dispatcher, "document_type", tracker, slots)

    def validate_document_number(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        code = tracker.get_slot("document_type") or "CC"
        number = documents.parse_document_number(str(value), code)
        if isinstance(number, normalize.Invalid):
            hint = next(d.hint for d in catalogs.document_types() if d.code == code)
            invalid = Invalid("utter_invalid_document_number", {"hint": hint})
            return self.with_data(dispatcher, "document_number", tracker, invalid)
        return self.with_data(dispatcher, "document_number", tracker, {"document_number": number})

    def validate_phone(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        phone = phones.parse_phone(str(value), wa_number=wa_id(tracker))
        if isinstance(phone, normalize.Invalid):
            return self.with_data(dispatcher, "phone", tracker, Invalid("utter_invalid_phone"))
        return self.with_data(dispatcher, "phone", tracker, {"phone": phone})

    def validate_email(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        if value == NO_EMAIL:
            return {"email": NO_EMAIL}
        email = emails.parse_email(str(value))
        if email is None:
            return {"email": NO_EMAIL}
        meant = emails.corrected(previous_text(tracker))
        if meant and choices.parse_yes_no(str(value)) is True:
            return {"email": meant}  # "sí" to "¿quisiste decir luz@hotmail.com?"
        if isinstance(email, normalize.Invalid):
            meant = emails.corrected(str(value))
            invalid = (
                Invalid("utter_invalid_email_typo", {"suggestion": meant})
                if meant
                else Invalid("utter_invalid_email")
            )
            return self.with_data(dispatcher, "email", tracker, invalid)
        return self.with_data(dispatcher, "email", tracker, {"email": email})

    def validate_service(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        service = choices.parse_service(str(value))
        if isinstance(service, normalize.Invalid):
            return Invalid("utter_invalid_service")
        return {"service": service}

    def validate_confirmation(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        text = str(value)
        field = field_named(tracker, text)
        if field is None and tracker.get_slot("changing_field"):
            say(dispatcher, "utter_ask_which_field")
            return {"confirmation": None}
        if field is not None:
            label = message("summary_fields")[field]
            cleared: dict[str, Any] = {slot: None for slot in FIELD_SLOTS[field]}
            given = extract_person_data(text, wa_id(tracker)).given()
            new = {slot: given[slot] for slot in FIELD_SLOTS[field] if slot in given}
            if new and field in PERSONAL_FIELDS:
                # "el correo sí lo tengo, es sandra@gmail.com": changed at once.
                say(dispatcher, "utter_field_changed", field_label=label)
                return {**cleared, **new, "use_saved": False, "confirmation": None}
            say(dispatcher, "utter_changing_field", field_label=label)
            if field == "descripcion":
                cleared["description_from_start"] = False
            if field in PERSONAL_FIELDS:
                cleared["use_saved"] = False
            return {**cleared, "confirmation": None, "changing_field": None}
        plain = normalize.normalize_text(text)
        choice = choices.parse_choice(text, 3)
        answer = choices.parse_yes_no(text) if choice is None else None
        if choice == 1 or answer is True or "confirm" in plain:
            # The worker verifies the submit of this turn (mara.services.conversation).
            dispatcher.utter_message(json_message={SIGNAL_KEY: SUBMIT_EXPECTED})
            return {"confirmation": CONFIRMED}
        if choice == 2 or "cambiar" in plain:
            say(dispatcher, "utter_ask_which_field")
            return {"confirmation": None, "changing_field": True}
        if choice == 3 or {"cancelar", "cancela", "cancelen", "anular"} & set(plain.split()):
            # Cancelling is always asked first (the cancel question leads the form).
            return {"confirmation": None, CANCEL_REQUESTED: True}
        if tells_more(text, tracker):
            say(dispatcher, "utter_added_to_description")
            return {"confirmation": None, **more_story(tracker, text)}
        return Invalid("utter_invalid_choice")
