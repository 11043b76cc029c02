"""The PQRS form's questions, one action per slot (lists filled from config/), and the
summary. While a human has the chat (the form is paused) they ask nothing."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.common import numbered, phone_as_written, response_text, say, utter_as_data
from actions.forms import PAUSED
from actions.pqrs_slots import NO_EMAIL, OFFERED
from mara.policy import catalogs
from mara.policy.messages import message
from mara.policy.pqrs_types import catalog
from mara.text import documents


class AskSlot(Action, ABC):
    """Asks for `slot` with `utter_ask_<slot>`, its values from `values()`. Abstract, so
    rasa-sdk registers only the subclasses."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot asked for (a class attribute in each subclass)."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    # The question carries people's words (a name, a description): rendered as data.
    as_data = False

    def values(self, tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        return {}

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        if tracker.get_slot(PAUSED):
            return []
        utter = utter_as_data if self.as_data else say
        utter(dispatcher, f"utter_ask_{self.slot}", **self.values(tracker, domain))
        return []


class ActionAskPqrsType(AskSlot):
    slot = "pqrs_type"

    def values(self, tracker, domain) -> dict[str, Any]:
        return {"types": numbered([(t.menu, t.label) for t in catalog().types])}


class ActionAskTypeConfirmed(AskSlot):
    slot = "type_confirmed"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        if tracker.get_slot("filing_offered") == OFFERED and not tracker.get_slot(PAUSED):
            # The bot offered to file their question: a plain yes/no, "2" declining it.
            label = catalog().info(tracker.get_slot("pqrs_type")).label.lower()
            say(dispatcher, "utter_ask_type_offered", type_label_lower=label)
            return []
        return await super().run(dispatcher, tracker, domain)

    def values(self, tracker, domain) -> dict[str, Any]:
        info = catalog().info(tracker.get_slot("pqrs_type"))
        return {"type_short": info.short, "type_name": info.name, "gist": info.gist}


class ActionAskDescription(AskSlot):
    slot = "description"


class ActionAskDetailsOffered(AskSlot):
    slot = "details_offered"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        if tracker.get_slot("details_wanted") and not tracker.get_slot(PAUSED):
            # "sí" to "¿quieres agregar algo más?": asked for it, not offered again.
            say(dispatcher, "utter_ask_details_wanted")
            return [SlotSet("details_wanted", None)]
        return await super().run(dispatcher, tracker, domain)


class ActionAskConsent(AskSlot):
    slot = "consent"


class ActionAskUseSaved(AskSlot):
    slot = "use_saved"
    as_data = True

    def values(self, tracker, domain) -> dict[str, Any]:
        saved = tracker.get_slot("saved_requester") or {}
        return {
            "full_name": saved.get("full_name", ""),
            "document_type": saved.get("document_type", ""),
            "document_masked": documents.mask_document(saved.get("document_number", "")),
        }


class ActionAskFullName(AskSlot):
    slot = "full_name"


class ActionAskDocumentType(AskSlot):
    slot = "document_type"

    def values(self, tracker, domain) -> dict[str, Any]:
        kinds = numbered([(d.menu, d.name) for d in catalogs.document_types()])
        return {"document_types": kinds}


class ActionAskDocumentNumber(AskSlot):
    slot = "document_number"

    def values(self, tracker, domain) -> dict[str, Any]:
        code = tracker.get_slot("document_type")
        name = next(
            (d.name.lower() for d in catalogs.document_types() if d.code == code),
            message("document_fallback"),
        )
        return {"document_name": name}


class ActionAskPhone(AskSlot):
    slot = "phone"


class ActionAskEmail(AskSlot):
    slot = "email"


class ActionAskService(AskSlot):
    slot = "service"

    def values(self, tracker, domain) -> dict[str, Any]:
        return {"services": numbered([(s.menu, s.label) for s in catalogs.services()])}


class ActionAskCancelConfirm(AskSlot):
    slot = "cancel_confirm"


def service_label(key: str | None) -> str:
    return next((s.label for s in catalogs.services() if s.key == key), "—")


class ActionAskConfirmation(AskSlot):
    """The summary of the request, to confirm, change a field or cancel."""

    slot = "confirmation"
    as_data = True

    def values(self, tracker, domain) -> dict[str, Any]:
        slot = tracker.get_slot
        description = slot("description") or ""
        if len(description) > 300:
            description = description[:297].rstrip() + "…"
        if slot("consent"):
            email = slot("email")
            person = response_text(
                domain,
                "utter_summary_person",
                full_name=slot("full_name"),
                document=f"{slot('document_type')} {slot('document_number')}",
                phone=phone_as_written(slot("phone") or ""),
                email=response_text(domain, "utter_summary_no_email")
                if email == NO_EMAIL
                else email,
            )
        else:
            person = response_text(domain, "utter_summary_anonymous")
        attachments = slot("attachments") or []
        return {
            "type_label": catalog().info(slot("pqrs_type")).label,
            "description": description,
            "person": person,
            "service_label": service_label(slot("service")),
            "attachments": response_text(
                domain, "utter_summary_attachments", count=len(attachments)
            )
            if attachments
            else response_text(domain, "utter_summary_no_attachments"),
        }
