"""The PQRS form's slots, and the values some of them take."""

from __future__ import annotations

from rasa_sdk.events import EventType, SlotSet

from actions.forms import CANCEL_REQUESTED, CANCEL_SLOT, PAUSED

PERSONAL_SLOTS = ["full_name", "document_type", "document_number", "phone", "email"]
FORM_SLOTS = [
    "pqrs_type",
    "type_confirmed",
    "description",
    "details_offered",
    "details_wanted",
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
    "filing_offered",
]
# filing_offered: the bot offered to file the person's text; they declined; or they left the
# form for a status question (the form ends without "cancelé la solicitud").
OFFERED, DECLINED, LEFT = "offered", "declined", "left"
# While these are asked (before any personal data), a status question is a correction
# ("no, quiero saber cómo va…"), not an answer: "no" is not a refused consent.
EARLY_SLOTS = frozenset(
    {"pqrs_type", "type_confirmed", "description", "details_offered", "consent"}
)
NO_EMAIL = "ninguno"

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
