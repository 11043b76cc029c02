"""The end of a filing: submit (or explain why not), cancel (asked first), attachments."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet

from actions.common import (
    bot_action_before,
    latest_media,
    latest_text,
    message_sid,
    now,
    response_text,
    say,
    uow,
    utter_as_data,
    wa_id,
)
from actions.forms import CANCEL_REQUESTED, CANCEL_SLOT
from actions.pqrs_form import start_events
from actions.pqrs_slots import DECLINED, LEFT, NO_EMAIL, reset_events
from mara.domain.messages import CONFIRMATION_SLOT, CONFIRMED
from mara.policy.pqrs_types import catalog
from mara.services import filing
from mara.text import choices
from mara.text.format_es import format_date_es


class ActionSubmitPqrs(Action):
    """After the form: file the ticket (or explain why not) and clear the request."""

    def name(self) -> str:
        return "action_submit_pqrs"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        slot = tracker.get_slot
        if slot(CANCEL_SLOT) is True:
            offer = slot("filing_offered")
            if offer == DECLINED:
                say(dispatcher, "utter_offer_declined")
            elif offer != LEFT:  # leaving for a status question was answered already
                say(dispatcher, "utter_pqrs_cancelled")
            return reset_events()
        pqrs_type = slot("pqrs_type")
        info = catalog().info(pqrs_type) if pqrs_type else None
        if info is None:
            return reset_events()
        if slot("consent") is False and not catalog().allows_anonymous(info.key):
            say(dispatcher, "utter_consent_refused_channels", type_short=info.short)
            return reset_events()
        if slot(CONFIRMATION_SLOT) != CONFIRMED:
            say(dispatcher, "utter_pqrs_cancelled")
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
                now=now(),
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
                source_key=filing.whatsapp_source_key(message_sid(tracker) or tracker.sender_id),
            )
            work.commit()
        if requester is None:
            utter_as_data(
                dispatcher,
                "utter_pqrs_filed_anonymous",
                type_label_lower=info.label.lower(),
                radicado=filed.radicado,
            )
        else:
            note = (
                response_text(domain, "utter_contact_note_email", email=requester.email)
                if requester.email
                else response_text(domain, "utter_contact_note_phone")
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
    """Cancelling (or the menu) while filing: the form asks first ("¿Seguro…?"), and nothing
    is lost on "no"."""

    def name(self) -> str:
        return "action_cancel_pqrs"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        return [SlotSet(CANCEL_REQUESTED, True), SlotSet(CANCEL_SLOT, None)]


class ActionStoreAttachment(Action):
    """Files sent during a request go with it; otherwise they stay with the conversation."""

    def name(self) -> str:
        return "action_store_attachment"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        media = latest_media(tracker)
        if tracker.active_loop_name == "pqrs_form":
            say(dispatcher, "utter_attachment_saved")
            return [SlotSet("attachments", (tracker.get_slot("attachments") or []) + media)]
        say(dispatcher, "utter_media_received")
        return []


def refused_request(tracker: Tracker) -> dict[str, Any] | None:
    """The request whose filing ended with the bot's last reply because consent was refused
    (a type that needs the person's data): its type, description and service as they were."""
    if bot_action_before(tracker) != "action_submit_pqrs":
        return None
    submit = max(
        i
        for i, e in enumerate(tracker.events)
        if e.get("event") == "action" and e.get("name") == "action_submit_pqrs"
    )
    values = {
        e["name"]: e.get("value") for e in tracker.events[:submit] if e.get("event") == "slot"
    }
    pqrs_type = values.get("pqrs_type")
    if values.get("consent") is not False or not values.get("description") or not pqrs_type:
        return None
    if catalog().allows_anonymous(pqrs_type):
        return None  # filed anonymously, nothing was left undone
    return {key: values.get(key) for key in ("pqrs_type", "description", "service")}


class ActionAcknowledge(Action):
    """ "ok", "listo", "sí" with no question pending: acknowledged. Right after the filing
    ended on a refused consent, a yes ("sí, acepto") takes the request up again: the form
    starts where it stopped, with that yes as the answer to its consent question."""

    def name(self) -> str:
        return "action_acknowledge"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        refused = refused_request(tracker)
        text = latest_text(tracker)
        if refused is None or not choices.agrees(text):
            say(dispatcher, "utter_ok")
            return []
        label = catalog().info(refused["pqrs_type"]).label.lower()
        say(dispatcher, "utter_request_resumed", type_label_lower=label)
        return [
            *start_events(tracker, with_text=False),
            *(SlotSet(slot, value) for slot, value in refused.items()),
            SlotSet("type_confirmed", True),
            SlotSet("consent", text),
            FollowupAction("pqrs_form"),
        ]
