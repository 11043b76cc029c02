"""Status of a radicado, "mis radicados", human handoff, opt-out and not-understood turns."""

from __future__ import annotations

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import EventType, SlotSet

from actions.common import entity, message_sid, skip_cleared, uow, utter_as_data, wa_id
from actions.info import answer_hours
from mara import clock
from mara.domain.calendar import BOGOTA
from mara.policy.channels import business_calendar
from mara.policy.pqrs_types import catalog
from mara.services import contact, lookup, training
from mara.text.cues import asks_about_hours
from mara.text.format_es import format_date_es, format_time_es
from mara.text.radicado import parse_radicado

STATUS_SLOTS = ["status_radicado", "status_document"]
DONE = "-"  # fills a status slot once the answer was given, which ends the form
NOT_UNDERSTOOD = {"nlu_fallback", "out_of_scope"}


def tell_status(dispatcher, view: lookup.TicketView) -> None:
    today = clock.now().astimezone(BOGOTA).date()
    answer = ""
    if view.answer_summary:
        answer = f"\n💬 Respuesta: {view.answer_summary}"
    utter_as_data(
        dispatcher,
        "utter_status",
        radicado=view.radicado,
        status=catalog().status_words(view.status),
        type_label=catalog().info(view.pqrs_type).label,
        filed_on=format_date_es(view.received_at.astimezone(BOGOTA).date()),
        answer_due=format_date_es(view.answer_due_on),
        timing="✅ a tiempo" if view.on_time(today) else "⚠️ vencida; la estamos gestionando",
        answer=answer,
    )


class ActionStartStatus(Action):
    def name(self) -> str:
        return "action_start_status"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        text = entity(tracker, "radicado") or tracker.latest_message.get("text", "")
        radicado = parse_radicado(text)
        return [SlotSet(s, None) for s in STATUS_SLOTS] + (
            [SlotSet("status_radicado", radicado)] if radicado else []
        )


class ValidateStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_status_form"

    @skip_cleared
    def validate_status_radicado(self, value, dispatcher, tracker, domain) -> dict:
        now = clock.now()
        year = now.astimezone(BOGOTA).year
        radicado = parse_radicado(str(value), default_year=year)
        if radicado is None:
            dispatcher.utter_message(response="utter_invalid_radicado")
            return {"status_radicado": None}
        with uow() as work:
            if lookup.lookups_paused(work, wa_id(tracker), now):
                dispatcher.utter_message(response="utter_status_paused")
                return {"status_radicado": radicado, "status_document": DONE}
            view = lookup.own_ticket(work, radicado, wa_id(tracker))
        if view is not None:
            tell_status(dispatcher, view)
            return {"status_radicado": radicado, "status_document": DONE}
        # Not filed from this number (or not existing): the document decides, and the
        # answer never says which of the two it was.
        return {"status_radicado": radicado}

    @skip_cleared
    def validate_status_document(self, value, dispatcher, tracker, domain) -> dict:
        if value == DONE:
            return {"status_document": DONE}
        number = "".join(ch for ch in str(value) if ch.isalnum()).upper()
        now = clock.now()
        with uow() as work:
            view = None
            if number:
                view = lookup.ticket_by_document(
                    work, tracker.get_slot("status_radicado"), number, wa_id(tracker), now
                )
            paused = view is None and lookup.lookups_paused(work, wa_id(tracker), now)
        if view is not None:
            tell_status(dispatcher, view)
        else:
            dispatcher.utter_message(response="utter_status_not_found")
            if paused:
                dispatcher.utter_message(response="utter_status_paused")
        return {"status_document": DONE}


class ActionStatusDone(Action):
    def name(self) -> str:
        return "action_status_done"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        return [SlotSet(s, None) for s in STATUS_SLOTS]


class ActionMyTickets(Action):
    def name(self) -> str:
        return "action_my_tickets"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        with uow() as work:
            views = lookup.open_tickets(work, wa_id(tracker))
        if not views:
            dispatcher.utter_message(response="utter_no_open_tickets")
            return []
        lines = "\n".join(
            f"• *{v.radicado}* ({catalog().info(v.pqrs_type).label}): "
            f"{catalog().status_words(v.status)}; respuesta a más tardar el "
            f"{format_date_es(v.answer_due_on)}"
            for v in views
        )
        dispatcher.utter_message(response="utter_open_tickets", tickets=lines)
        return []


class ActionHandoff(Action):
    """During advisers' hours the chat waits for a person; otherwise say when and how."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        hand_off(dispatcher, tracker)
        return []


def hand_off(dispatcher, tracker) -> None:
    now = clock.now()
    calendar = business_calendar()
    if calendar.is_open("telefono", now):
        with uow() as work:
            contact.request_handoff(work, wa_id(tracker), now)
        dispatcher.utter_message(response="utter_handoff_waiting")
        return
    opening = calendar.next_opening("telefono", now).astimezone(BOGOTA)
    dispatcher.utter_message(
        response="utter_handoff_closed",
        when=f"{format_date_es(opening.date())} a las {format_time_es(opening.time())}",
    )


class ActionOptOut(Action):
    def name(self) -> str:
        return "action_opt_out"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        with uow() as work:
            contact.set_opt_out(work, wa_id(tracker), True, message_sid(tracker))
        dispatcher.utter_message(response="utter_opted_out")
        return []


class ActionOptIn(Action):
    def name(self) -> str:
        return "action_opt_in"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        with uow() as work:
            contact.set_opt_out(work, wa_id(tracker), False, message_sid(tracker))
        dispatcher.utter_message(response="utter_opted_in")
        return []


def intent_name(parse_data: dict) -> str | None:
    return (parse_data.get("intent") or {}).get("name")


def previous_user_intent(tracker) -> str | None:
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    return intent_name(users[-2].get("parse_data") or {})


class ActionNotUnderstood(Action):
    """Store what was not understood (for trainers); twice in a row, offer menu and human."""

    def name(self) -> str:
        return "action_not_understood"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        latest = tracker.latest_message
        with uow() as work:
            training.record_unrecognized(
                work, wa_id(tracker), message_sid(tracker), latest.get("text", ""), latest
            )
        if intent_name(latest) == "nlu_fallback" and asks_about_hours(latest.get("text", "")):
            # The model was unsure, but "¿atienden el 8 de diciembre?" is clearly about hours.
            answer_hours(dispatcher, latest.get("text", ""))
            return []
        if previous_user_intent(tracker) in NOT_UNDERSTOOD:
            dispatcher.utter_message(response="utter_still_not_understood")
            dispatcher.utter_message(response="utter_menu")
            return []
        dispatcher.utter_message(
            response="utter_out_of_scope"
            if intent_name(latest) == "out_of_scope"
            else "utter_default"
        )
        return []
