"""Filing a PQRS: start, the form's validators and questions, summary, submit, cancel."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet

from actions.care import hand_off
from actions.common import (
    entity,
    latest_intent,
    latest_media,
    message_sid,
    skip_cleared,
    uow,
    utter_as_data,
    wa_id,
)
from actions.info import answer_hours
from mara import clock
from mara.domain.tickets import PqrsType
from mara.policy import catalogs
from mara.policy.pqrs_types import catalog
from mara.services import filing
from mara.text import choices, documents, emails, normalize, phones
from mara.text.format_es import format_date_es
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
]
NO_EMAIL = "ninguno"
MAX_TRIES = 3
MIN_DESCRIPTION = 8

# What people call each field at the summary, and the slots that changing it clears.
FIELDS = {
    "tipo": ("el tipo de solicitud", ["pqrs_type", "type_confirmed"]),
    "descripcion": ("la descripción", ["description"]),
    "nombre": ("el nombre", ["full_name"]),
    "documento": ("el documento", ["document_type", "document_number"]),
    "telefono": ("el teléfono", ["phone"]),
    "correo": ("el correo", ["email"]),
    "servicio": ("el servicio", ["service"]),
}
FIELD_WORDS = {
    "tipo": "tipo",
    "clase": "tipo",
    "descripcion": "descripcion",
    "mensaje": "descripcion",
    "detalle": "descripcion",
    "texto": "descripcion",
    "nombre": "nombre",
    "apellido": "nombre",
    "documento": "documento",
    "cedula": "documento",
    "identificacion": "documento",
    "telefono": "telefono",
    "celular": "telefono",
    "numero": "telefono",
    "cel": "telefono",
    "correo": "correo",
    "email": "correo",
    "mail": "correo",
    "servicio": "servicio",
    "area": "servicio",
}


def reset_events() -> list[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


def type_from_words(text: str) -> str | None:
    """A type named in words ("es un reclamo"), for answers that skip the numbers."""
    words = set(normalize.normalize_text(text).split())
    for key, names in {
        "queja": {"queja"},
        "reclamo": {"reclamo", "reclamacion"},
        "sugerencia": {"sugerencia"},
        "felicitacion": {"felicitacion", "felicitar"},
        "peticion": {"peticion", "solicitud", "derecho"},
        "informacion": {"informacion"},
    }.items():
        if words & names:
            return key
    return None


def field_named(tracker: Tracker, text: str) -> str | None:
    value = entity(tracker, "field")
    if value in FIELDS:
        return value
    for word in normalize.normalize_text(text).split():
        if word in FIELD_WORDS:
            return FIELD_WORDS[word]
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
    if consent_id:
        # Consent to this notice version was given and recorded before: not asked again.
        events += [SlotSet("consent", True), SlotSet("consent_id", consent_id)]
        if saved:
            events.append(SlotSet("saved_requester", saved.__dict__))
    return events


class ActionStartPqrs(Action):
    def name(self) -> str:
        return "action_start_pqrs"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        return start_events(tracker, with_text=True)


class ValidatePqrsForm(FormValidationAction):
    def name(self) -> str:
        return "validate_pqrs_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
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

    # --- helpers -----------------------------------------------------------------

    def _fail(self, dispatcher, tracker, slot: str, response: str, **kwargs) -> dict[str, Any]:
        dispatcher.utter_message(response=response, **kwargs)
        failures = dict(tracker.get_slot("field_failures") or {})
        failures[slot] = failures.get(slot, 0) + 1
        if failures[slot] == MAX_TRIES:
            dispatcher.utter_message(response="utter_offer_human_after_failures")
        return {slot: None, "field_failures": failures}

    # --- validators --------------------------------------------------------------

    @skip_cleared
    def validate_pqrs_type(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = str(value)
        if text in {t.value for t in PqrsType}:
            return {"pqrs_type": text}
        number = choices.parse_choice(text, len(catalog().types))
        chosen = catalog().by_menu(number).key.value if number else type_from_words(text)
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
        return self._fail(dispatcher, tracker, "pqrs_type", "utter_invalid_choice")

    @skip_cleared
    def validate_type_confirmed(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
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
        return self._fail(dispatcher, tracker, "type_confirmed", "utter_invalid_yes_no")

    @skip_cleared
    def validate_description(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = str(value).strip()
        if len(text) < MIN_DESCRIPTION or len(text.split()) < 2:
            return self._fail(dispatcher, tracker, "description", "utter_invalid_description")
        return {"description": text}

    @skip_cleared
    def validate_details_offered(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = str(value).strip()
        if value is True or choices.parse_yes_no(text) is False:
            return {"details_offered": True}
        if choices.parse_yes_no(text) is True and len(text.split()) <= 2:
            dispatcher.utter_message(response="utter_ask_description")
            return {"details_offered": None}
        description = (tracker.get_slot("description") or "").strip()
        return {"details_offered": True, "description": f"{description}\n{text}".strip()}

    @skip_cleared
    def validate_consent(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is True and tracker.get_slot("consent_id"):
            return {"consent": True}
        answer = choices.parse_yes_no(str(value))
        if answer is None:
            return self._fail(dispatcher, tracker, "consent", "utter_invalid_consent")
        version = catalog().privacy_policy_version
        with uow() as work:
            consent_id = filing.record_consent(
                work, wa_id(tracker), answer, message_sid(tracker), version
            )
            saved = filing.saved_requester(work, wa_id(tracker)) if answer else None
        if not answer:
            pqrs_type = tracker.get_slot("pqrs_type")
            if PqrsType(pqrs_type) in catalog().anonymous_allowed:
                label = catalog().info(pqrs_type).label.lower()
                dispatcher.utter_message(
                    response="utter_consent_refused_anonymous", type_label_lower=label
                )
            return {"consent": False, "consent_id": None}
        return {
            "consent": True,
            "consent_id": consent_id,
            "saved_requester": saved.__dict__ if saved else None,
        }

    @skip_cleared
    def validate_use_saved(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        answer = choices.parse_yes_no(str(value))
        saved = tracker.get_slot("saved_requester") or {}
        if answer is True and saved:
            return {"use_saved": True, **{k: saved[k] or NO_EMAIL for k in PERSONAL_SLOTS}}
        if answer is False:
            return {"use_saved": False}
        return self._fail(dispatcher, tracker, "use_saved", "utter_invalid_yes_no")

    @skip_cleared
    def validate_full_name(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        name = parse_full_name(str(value))
        if isinstance(name, normalize.Invalid):
            return self._fail(dispatcher, tracker, "full_name", "utter_invalid_full_name")
        return {"full_name": name}

    @skip_cleared
    def validate_document_type(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        code = documents.parse_document_type(str(value))
        if isinstance(code, normalize.Invalid):
            return self._fail(dispatcher, tracker, "document_type", "utter_invalid_document_type")
        slots: dict[str, Any] = {"document_type": code}
        # "CC 1094887654" answers both questions at once.
        _, number = documents.parse_document(str(value))
        if number and not isinstance(
            checked := documents.parse_document_number(number, code), normalize.Invalid
        ):
            slots["document_number"] = checked
        return slots

    @skip_cleared
    def validate_document_number(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        code = tracker.get_slot("document_type") or "CC"
        number = documents.parse_document_number(str(value), code)
        if isinstance(number, normalize.Invalid):
            hint = next(d.hint for d in catalogs.document_types() if d.code == code)
            return self._fail(
                dispatcher, tracker, "document_number", "utter_invalid_document_number", hint=hint
            )
        return {"document_number": number}

    @skip_cleared
    def validate_phone(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        phone = phones.parse_phone(str(value), wa_number=wa_id(tracker))
        if isinstance(phone, normalize.Invalid):
            return self._fail(dispatcher, tracker, "phone", "utter_invalid_phone")
        return {"phone": phone}

    @skip_cleared
    def validate_email(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value == NO_EMAIL:
            return {"email": NO_EMAIL}
        email = emails.parse_email(str(value))
        if email is None:
            return {"email": NO_EMAIL}
        if isinstance(email, normalize.Invalid):
            response = (
                "utter_invalid_email_typo"
                if email.reason == "typo_domain"
                else "utter_invalid_email"
            )
            return self._fail(dispatcher, tracker, "email", response)
        return {"email": email}

    @skip_cleared
    def validate_service(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        service = choices.parse_service(str(value))
        if isinstance(service, normalize.Invalid):
            return self._fail(dispatcher, tracker, "service", "utter_invalid_service")
        return {"service": service}

    @skip_cleared
    def validate_confirmation(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = str(value)
        field = field_named(tracker, text)
        if field is None and tracker.get_slot("changing_field"):
            dispatcher.utter_message(response="utter_ask_which_field")
            return {"confirmation": None}
        if field is not None:
            label, slots = FIELDS[field]
            dispatcher.utter_message(response="utter_changing_field", field_label=label)
            cleared = {slot: None for slot in slots}
            if field == "descripcion":
                cleared["description_from_start"] = False
            if field in {"nombre", "documento", "telefono", "correo"}:
                cleared["use_saved"] = False
            return {**cleared, "confirmation": None, "changing_field": None}
        choice = choices.parse_choice(text, 3)
        answer = choices.parse_yes_no(text) if choice is None else None
        if choice == 1 or answer is True or "confirm" in normalize.normalize_text(text):
            return {"confirmation": "confirmed"}
        if choice == 2 or "cambiar" in normalize.normalize_text(text):
            dispatcher.utter_message(response="utter_ask_which_field")
            return {"confirmation": None, "changing_field": True}
        if choice == 3:
            return {"confirmation": "cancelled"}
        return self._fail(dispatcher, tracker, "confirmation", "utter_invalid_choice")


def numbered(items: list[tuple[int, str]]) -> str:
    return "\n".join(f"{n}. {label}" for n, label in items)


class ActionAskPqrsType(Action):
    def name(self) -> str:
        return "action_ask_pqrs_type"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        types = numbered([(t.menu, t.label) for t in catalog().types])
        dispatcher.utter_message(response="utter_ask_pqrs_type", types=types)
        return []


class ActionAskTypeConfirmed(Action):
    def name(self) -> str:
        return "action_ask_type_confirmed"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        info = catalog().info(tracker.get_slot("pqrs_type"))
        dispatcher.utter_message(
            response="utter_ask_type_confirmed", type_short=info.short, definition=info.definition
        )
        return []


class ActionAskUseSaved(Action):
    def name(self) -> str:
        return "action_ask_use_saved"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        saved = tracker.get_slot("saved_requester") or {}
        utter_as_data(
            dispatcher,
            "utter_ask_use_saved",
            full_name=saved.get("full_name", ""),
            document_type=saved.get("document_type", ""),
            document_masked=documents.mask_document(saved.get("document_number", "")),
        )
        return []


class ActionAskDocumentType(Action):
    def name(self) -> str:
        return "action_ask_document_type"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        kinds = numbered([(d.menu, d.name) for d in catalogs.document_types()])
        dispatcher.utter_message(response="utter_ask_document_type", document_types=kinds)
        return []


class ActionAskDocumentNumber(Action):
    def name(self) -> str:
        return "action_ask_document_number"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        code = tracker.get_slot("document_type")
        name = next(
            (d.name.lower() for d in catalogs.document_types() if d.code == code), "documento"
        )
        dispatcher.utter_message(response="utter_ask_document_number", document_name=name)
        return []


class ActionAskService(Action):
    def name(self) -> str:
        return "action_ask_service"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        listing = numbered([(s.menu, s.label) for s in catalogs.services()])
        dispatcher.utter_message(response="utter_ask_service", services=listing)
        return []


def service_label(key: str | None) -> str:
    return next((s.label for s in catalogs.services() if s.key == key), "—")


class ActionAskConfirmation(Action):
    def name(self) -> str:
        return "action_ask_confirmation"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        slot = tracker.get_slot
        description = slot("description") or ""
        if len(description) > 300:
            description = description[:297].rstrip() + "…"
        if slot("consent"):
            email = slot("email")
            person = domain["responses"]["utter_summary_person"][0]["text"].format(
                full_name=slot("full_name"),
                document=f"{slot('document_type')} {slot('document_number')}",
                phone=slot("phone"),
                email="no tiene" if email == NO_EMAIL else email,
            )
        else:
            person = domain["responses"]["utter_summary_anonymous"][0]["text"]
        attachments = slot("attachments") or []
        utter_as_data(
            dispatcher,
            "utter_ask_confirmation",
            type_label=catalog().info(slot("pqrs_type")).label,
            description=description,
            person=person,
            service_label=service_label(slot("service")),
            attachments=f"{len(attachments)} archivo(s)" if attachments else "ninguno",
        )
        return []


class ActionSubmitPqrs(Action):
    """After the form: file the ticket (or explain why not) and clear the request."""

    def name(self) -> str:
        return "action_submit_pqrs"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        slot = tracker.get_slot
        pqrs_type = slot("pqrs_type")
        info = catalog().info(pqrs_type) if pqrs_type else None
        if info is None:
            return reset_events()
        anonymous_ok = info.key in catalog().anonymous_allowed
        if slot("consent") is False and not anonymous_ok:
            dispatcher.utter_message(
                response="utter_consent_refused_channels", type_short=info.short
            )
            return reset_events()
        if slot("confirmation") != "confirmed":
            dispatcher.utter_message(response="utter_pqrs_cancelled")
            return reset_events()
        requester = None
        if slot("consent"):
            email = slot("email")
            requester = filing.RequesterData(
                full_name=slot("full_name"),
                document_type=slot("document_type"),
                document_number=slot("document_number"),
                phone=slot("phone"),
                email=None if email in (None, NO_EMAIL) else email,
            )
        with uow() as work:
            filed = filing.file_ticket(
                work,
                now=clock.now(),
                pqrs_type=pqrs_type,
                description=slot("description") or "",
                wa_id=wa_id(tracker),
                proposed_type=slot("proposed_type"),
                proposed_confidence=slot("proposed_confidence"),
                service=slot("service"),
                requester=requester,
                consent_id=slot("consent_id") if requester else None,
                attachments=slot("attachments") or [],
                preferential=bool(slot("preferential")),
                source_key=f"whatsapp:{message_sid(tracker) or tracker.sender_id}",
            )
        if requester is None:
            utter_as_data(
                dispatcher,
                "utter_pqrs_filed_anonymous",
                type_label_lower=info.label.lower(),
                radicado=filed.radicado,
            )
        else:
            note = (
                f" por correo a {requester.email} y por este WhatsApp"
                if requester.email
                else " por este WhatsApp o al teléfono que nos diste"
            )
            utter_as_data(
                dispatcher,
                "utter_pqrs_filed",
                type_label_lower=info.label.lower(),
                radicado=filed.radicado,
                answer_due=format_date_es(filed.answer_due_on),
                contact_note=note,
            )
        return reset_events()


class ActionCancelPqrs(Action):
    def name(self) -> str:
        return "action_cancel_pqrs"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        if tracker.active_loop_name == "status_form":
            dispatcher.utter_message(response="utter_status_cancelled")
            status = [SlotSet("status_radicado", None), SlotSet("status_document", None)]
            return [ActiveLoop(None), SlotSet("requested_slot", None), *status]
        dispatcher.utter_message(response="utter_pqrs_cancelled")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *reset_events()]


class ActionStoreAttachment(Action):
    """Files sent during a request go with it; otherwise they stay with the conversation."""

    def name(self) -> str:
        return "action_store_attachment"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        media = latest_media(tracker)
        if tracker.active_loop_name == "pqrs_form":
            dispatcher.utter_message(response="utter_attachment_saved")
            return [SlotSet("attachments", (tracker.get_slot("attachments") or []) + media)]
        dispatcher.utter_message(response="utter_media_received")
        return []


class ActionMenuChoice(Action):
    """A number typed at the main menu."""

    def name(self) -> str:
        return "action_menu_choice"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        option = entity(tracker, "option") or tracker.latest_message.get("text", "")
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
        dispatcher.utter_message(response="utter_menu")
        return []


class ActionExplainTypes(Action):
    def name(self) -> str:
        return "action_explain_types"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        definitions = "\n".join(f"• *{t.label}*: {t.definition}" for t in catalog().types)
        dispatcher.utter_message(response="utter_pqrs_types", definitions=definitions)
        return []
