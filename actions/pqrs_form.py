"""The PQRS form: which slots it asks, and one validator per slot."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.common import entity, latest_intent, message_sid, say, uow, wa_id
from actions.forms import (
    CANCEL_REQUESTED,
    CANCEL_SLOT,
    PAUSED,
    FormValidator,
    Invalid,
    asks_a_question,
    is_question,
)
from mara.domain.tickets import PqrsType
from mara.policy import catalogs
from mara.policy.messages import message
from mara.policy.pqrs_types import catalog
from mara.services import filing
from mara.text import choices, documents, emails, normalize, phones
from mara.text.names import parse_full_name

PERSONAL_SLOTS = ["full_name", "document_type", "document_number", "phone", "email"]
FORM_SLOTS = [
    "pqrs_type",
    "type_confirmed",
    "description",
    "details_offered",
    "consent",
    "use_saved",
    *PERSONAL_SLOTS,
    "service",
    "confirmation",
    "proposed_type",
    "proposed_confidence",
    "description_from_start",
    "consent_id",
    "saved_requester",
    "attachments",
    "field_failures",
    "changing_field",
    CANCEL_SLOT,
    CANCEL_REQUESTED,
    PAUSED,
]
NO_EMAIL = "ninguno"
MIN_DESCRIPTION = 8

# The summary's fields (config/messages.yml names them) and the slots changing one clears.
FIELD_SLOTS = {
    "tipo": ["pqrs_type", "type_confirmed"],
    "descripcion": ["description"],
    "nombre": ["full_name"],
    "documento": ["document_type", "document_number"],
    "telefono": ["phone"],
    "correo": ["email"],
    "servicio": ["service"],
}
PERSONAL_FIELDS = {"nombre", "documento", "telefono", "correo"}


def reset_events() -> list[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


def type_from_words(text: str) -> str | None:
    """The one type named in words ("es un reclamo"), for answers that skip the numbers;
    None for a question ("¿qué diferencia hay entre queja y reclamo?") or two types."""
    if is_question(text):
        return None
    words = set(normalize.normalize_text(text).split())
    named = [
        t.key.value
        for t in catalog().types
        if words & {normalize.normalize_text(w) for w in t.words}
    ]
    return named[0] if len(named) == 1 else None


def field_named(tracker: Tracker, text: str) -> str | None:
    value = entity(tracker, "field")
    if value in FIELD_SLOTS:
        return value
    words: dict[str, list[str]] = message("summary_field_words")
    for word in normalize.normalize_text(text).split():
        for field, names in words.items():
            if word in names:
                return field
    return None


def start_events(tracker: Tracker, with_text: bool) -> list[EventType]:
    """Slots a new request starts with: the proposed type and the person's own words."""
    events = reset_events()
    intent, confidence = latest_intent(tracker)
    proposed = PqrsType.from_intent(intent)
    if proposed is not None and with_text:
        events += [
            SlotSet("pqrs_type", proposed.value),
            SlotSet("proposed_type", proposed.value),
            SlotSet("proposed_confidence", round(confidence, 4)),
            SlotSet("description", tracker.latest_message.get("text", "").strip()),
            SlotSet("description_from_start", True),
        ]
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
    def name(self) -> str:
        return "validate_pqrs_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        return self.with_cancel(tracker, self.pqrs_slots(tracker))

    @staticmethod
    def pqrs_slots(tracker: Tracker) -> list[str]:
        slots = ["pqrs_type", "type_confirmed", "description"]
        if tracker.get_slot("description_from_start"):
            slots.append("details_offered")
        slots.append("consent")
        consent = tracker.get_slot("consent")
        if consent is False:
            pqrs_type = tracker.get_slot("pqrs_type")
            if pqrs_type not in {t.value for t in catalog().anonymous_allowed}:
                return slots  # nothing more to ask: the submit step explains the channels
        elif consent is True:
            if tracker.get_slot("saved_requester"):
                slots.append("use_saved")
            slots += PERSONAL_SLOTS
        return slots + ["service", "confirmation"]

    def validate_pqrs_type(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        text = str(value)
        if text in {t.value for t in PqrsType}:
            return {"pqrs_type": text}
        number = choices.parse_choice(text, len(catalog().types))
        info = catalog().by_menu(number) if number else None
        chosen = info.key.value if info else type_from_words(text)
        if chosen:
            return {"pqrs_type": chosen, "type_confirmed": True}
        intent, confidence = latest_intent(tracker)
        proposed = PqrsType.from_intent(intent)
        if proposed and not tracker.get_slot("description"):
            # They told their case instead of picking a number: propose its type.
            return {
                "pqrs_type": proposed.value,
                "proposed_type": proposed.value,
                "proposed_confidence": round(confidence, 4),
                "description": text.strip(),
                "description_from_start": True,
            }
        return Invalid("utter_invalid_choice")

    def validate_type_confirmed(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        if value is True:
            return {"type_confirmed": True}
        text = str(value)
        named = type_from_words(text)
        answer = choices.parse_yes_no(text)
        if named and answer is not True:
            return {"type_confirmed": True, "pqrs_type": named}
        if answer is True:
            return {"type_confirmed": True}
        if answer is False:
            return {"type_confirmed": None, "pqrs_type": None}
        return Invalid("utter_invalid_yes_no")

    def validate_description(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        text = str(value).strip()
        if len(text) < MIN_DESCRIPTION or len(text.split()) < 2 or asks_a_question(text, tracker):
            return Invalid("utter_invalid_description")
        return {"description": text}

    def validate_details_offered(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        text = str(value).strip()
        if value is True or choices.parse_yes_no(text) is False:
            return {"details_offered": True}
        if asks_a_question(text, tracker):
            return Invalid("utter_ask_details_offered")
        if choices.parse_yes_no(text) is True and len(text.split()) <= 2:
            say(dispatcher, "utter_ask_description")
            return {"details_offered": None}
        description = (tracker.get_slot("description") or "").strip()
        return {"details_offered": True, "description": f"{description}\n{text}".strip()}

    def validate_consent(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        if value is True and tracker.get_slot("consent_id"):
            return {"consent": True}
        answer = choices.parse_yes_no(str(value))
        if answer is None:
            return Invalid("utter_invalid_consent")
        version = catalog().privacy_policy_version
        with uow() as work:
            consent_id = filing.record_consent(
                work, wa_id(tracker), answer, message_sid(tracker), version
            )
            saved = filing.saved_requester(work, wa_id(tracker)) if answer else None
            work.commit()
        if not answer:
            pqrs_type = tracker.get_slot("pqrs_type")
            if PqrsType(pqrs_type) in catalog().anonymous_allowed:
                label = catalog().info(pqrs_type).label.lower()
                say(dispatcher, "utter_consent_refused_anonymous", type_label_lower=label)
            return {"consent": False, "consent_id": None}
        return {
            "consent": True,
            "consent_id": consent_id,
            "saved_requester": saved.__dict__ if saved else None,
        }

    def validate_use_saved(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        answer = choices.parse_yes_no(str(value))
        saved = tracker.get_slot("saved_requester") or {}
        if answer is True and saved:
            return {"use_saved": True, **{k: saved[k] or NO_EMAIL for k in PERSONAL_SLOTS}}
        if answer is False:
            return {"use_saved": False}
        return Invalid("utter_invalid_yes_no")

    def validate_full_name(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        name = parse_full_name(str(value))
        if isinstance(name, normalize.Invalid):
            return Invalid("utter_invalid_full_name")
        return {"full_name": name}

    def validate_document_type(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        code = documents.parse_document_type(str(value))
        if isinstance(code, normalize.Invalid):
            return Invalid("utter_invalid_document_type")
        slots: dict[str, Any] = {"document_type": code}
        # "CC 1094887654" answers both questions at once.
        _, number = documents.parse_document(str(value))
        if number and not isinstance(
            checked := documents.parse_document_number(number, code), normalize.Invalid
        ):
            slots["document_number"] = checked
        return slots

    def validate_document_number(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        code = tracker.get_slot("document_type") or "CC"
        number = documents.parse_document_number(str(value), code)
        if isinstance(number, normalize.Invalid):
            hint = next(d.hint for d in catalogs.document_types() if d.code == code)
            return Invalid("utter_invalid_document_number", {"hint": hint})
        return {"document_number": number}

    def validate_phone(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        phone = phones.parse_phone(str(value), wa_number=wa_id(tracker))
        if isinstance(phone, normalize.Invalid):
            return Invalid("utter_invalid_phone")
        return {"phone": phone}

    def validate_email(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        if value == NO_EMAIL:
            return {"email": NO_EMAIL}
        email = emails.parse_email(str(value))
        if email is None:
            return {"email": NO_EMAIL}
        if isinstance(email, normalize.Invalid):
            typo = email.reason == "typo_domain"
            return Invalid("utter_invalid_email_typo" if typo else "utter_invalid_email")
        return {"email": email}

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
            say(dispatcher, "utter_changing_field", field_label=message("summary_fields")[field])
            cleared: dict[str, Any] = {slot: None for slot in FIELD_SLOTS[field]}
            if field == "descripcion":
                cleared["description_from_start"] = False
            if field in PERSONAL_FIELDS:
                cleared["use_saved"] = False
            return {**cleared, "confirmation": None, "changing_field": None}
        plain = normalize.normalize_text(text)
        choice = choices.parse_choice(text, 3)
        answer = choices.parse_yes_no(text) if choice is None else None
        if choice == 1 or answer is True or "confirm" in plain:
            return {"confirmation": "confirmed"}
        if choice == 2 or "cambiar" in plain:
            say(dispatcher, "utter_ask_which_field")
            return {"confirmation": None, "changing_field": True}
        if choice == 3:
            # Cancelling is always asked first (the cancel question leads the form).
            return {"confirmation": None, CANCEL_REQUESTED: True}
        return Invalid("utter_invalid_choice")


class ActionStartPqrs(Action):
    """A request told in the person's words: the form starts with its type proposed."""

    def name(self) -> str:
        return "action_start_pqrs"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        return start_events(tracker, with_text=True)
