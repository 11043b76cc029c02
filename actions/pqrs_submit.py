"""The end of a filing: submit (or explain why not), cancel (asked first), attachments."""

from __future__ import annotations

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from actions.common import (
    latest_media,
    message_sid,
    now,
    response_text,
    say,
    uow,
    utter_as_data,
    wa_id,
)
from actions.forms import CANCEL_REQUESTED, CANCEL_SLOT
from actions.pqrs_slots import DECLINED, LEFT, NO_EMAIL, reset_events
from mara.domain.messages import CONFIRMATION_SLOT, CONFIRMED
from mara.policy.pqrs_types import catalog
from mara.services import filing
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
        anonymous_ok = info.key in catalog().anonymous_allowed
        if slot("consent") is False and not anonymous_ok:
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
