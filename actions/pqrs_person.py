"""The person's data in what they wrote: read only once consent is given (Ley 1581), and
the WhatsApp number they write from as the phone by default."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.common import wa_id
from mara.text import documents, normalize, phones
from mara.text.extract import extract_person_data, says_own_name


def earlier_texts(tracker: Tracker) -> list[str]:
    """What the person wrote since this request began (its description included): read
    again once consent is given, never kept before it (Ley 1581)."""
    texts: list[str] = []
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "session_started" or (
            kind == "active_loop" and event.get("name") not in (None, "pqrs_form")
        ):
            break
        if kind == "active_loop" and event.get("name") is None and texts:
            break
        if kind == "user" and not str(event.get("text") or "").startswith("/"):
            texts.append(str(event.get("text") or ""))
    description = tracker.get_slot("description")
    return [*([description] if description else []), *reversed(texts)]


def person_data(tracker: Tracker, texts: list[str], asked: str | None = None) -> dict[str, str]:
    """Personal slots found in `texts` that are still empty (or the one being asked). In
    texts other than the answer, a document number counts only with its type ("cc 1094…"):
    a bare number in a story is more likely an amount or a date."""
    found: dict[str, str] = {}
    for index, text in enumerate(texts):
        given = extract_person_data(text, wa_id(tracker)).given()
        is_answer = index == len(texts) - 1 and asked is not None
        if not is_answer and "document_type" not in given:
            given.pop("document_number", None)
        elif "document_type" not in given and documents.bare_cedula(
            given.get("document_number", "")
        ):
            # "Mario Gil 71.666.777": a bare number of a cédula's size, as at the type question.
            given["document_type"] = "CC"
        if not is_answer and not says_own_name(text):
            given.pop("full_name", None)
        for slot, value in given.items():
            found.setdefault(slot, value)
    default_phone = whatsapp_phone(tracker)
    return {
        slot: value
        for slot, value in found.items()
        if slot == asked
        or tracker.get_slot(slot) is None
        # A number they type replaces the WhatsApp one taken by default.
        or (slot == "phone" and tracker.get_slot(slot) == default_phone)
    }


def whatsapp_phone(tracker: Tracker) -> str | None:
    """The number they write from, as a phone slot value (None if it is not Colombian)."""
    phone = phones.wa_number_e164(wa_id(tracker))
    return None if isinstance(phone, normalize.Invalid) else phone


def this_whatsapp(tracker: Tracker, data: dict) -> dict:
    """The phone is the WhatsApp number they write from unless they gave another one: one
    question less (the summary shows it, and "2" there changes it)."""
    phone = whatsapp_phone(tracker)
    if data.get("phone") or tracker.get_slot("phone") or phone is None:
        return {}
    return {"phone": phone}
