"""How a request is going: the status form (radicado, then the document when the number is
not the filer's) and "mis radicados"."""

from __future__ import annotations

from rasa_sdk import Action
from rasa_sdk.events import ActiveLoop, EventType, SlotSet

from actions.common import (
    entity,
    latest_text,
    now,
    previous_text,
    response_text,
    say,
    uow,
    utter_as_data,
    wa_id,
)
from actions.forms import FormValidator, Invalid
from mara.domain.calendar import BOGOTA
from mara.policy.pqrs_types import catalog
from mara.services import lookup
from mara.text import choices
from mara.text.asks import forgot_the_number
from mara.text.extract import extract_person_data
from mara.text.format_es import format_date_es
from mara.text.normalize import normalize_text
from mara.text.radicado import parse_radicado

STATUS_SLOTS = ["status_radicado", "status_document"]
DONE = "-"  # fills a status slot once the answer was given, which ends the form


def tell_status(dispatcher, domain, view: lookup.TicketView) -> None:
    today = now().astimezone(BOGOTA).date()
    answer = ""
    if view.answer_summary:
        answer = response_text(domain, "utter_status_answer", answer=view.answer_summary)
    timing = "utter_status_on_time" if view.on_time(today) else "utter_status_overdue"
    utter_as_data(
        dispatcher,
        "utter_status",
        radicado=view.radicado,
        status=catalog().status_words(view.status),
        type_label=catalog().info(view.pqrs_type).label,
        filed_on=format_date_es(view.received_at.astimezone(BOGOTA).date()),
        answer_due=format_date_es(view.answer_due_on),
        timing=response_text(domain, timing),
        answer=answer,
    )


class ActionStartStatus(Action):
    def name(self) -> str:
        return "action_start_status"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        text = entity(tracker, "radicado") or tracker.latest_message.get("text", "")
        radicado = parse_radicado(text)
        if radicado is None:
            # No number: from the filer's phone, the request their words point to, or their
            # list before the form asks which.
            views = own_requests(tracker)
            view = matching_request(views, text) if views else None
            if view is not None:
                radicado = view.radicado
            elif views:
                say(dispatcher, "utter_open_tickets", tickets=ticket_lines(domain, views))
        return [SlotSet(s, None) for s in STATUS_SLOTS] + (
            [SlotSet("status_radicado", radicado)] if radicado else []
        )


class ValidateStatusForm(FormValidator):
    def name(self) -> str:
        return "validate_status_form"

    def validate_status_radicado(self, value, dispatcher, tracker, domain) -> dict | Invalid:
        instant = now()
        radicado = parse_radicado(str(value), default_year=instant.astimezone(BOGOTA).year)
        if radicado is None and forgot_the_number(str(value)):
            # "no me acuerdo del número": where to find it, instead of asking again.
            say(dispatcher, "utter_radicado_forgotten")
            return {"status_radicado": DONE, "status_document": DONE}
        if radicado is None:
            return Invalid("utter_invalid_radicado")
        with uow() as work:
            paused = lookup.lookups_paused(work, wa_id(tracker), instant)
            view = None if paused else lookup.own_ticket(work, radicado, wa_id(tracker))
            work.commit()
        if paused:
            say(dispatcher, "utter_status_paused")
            return {"status_radicado": radicado, "status_document": DONE}
        if view is not None:
            tell_status(dispatcher, domain, view)
            return {"status_radicado": radicado, "status_document": DONE}
        # Not filed from this number (or not existing): the document decides, and the
        # answer never says which of the two it was. Given with its type already ("quiero
        # saber cómo va mi solicitud, mi cédula es 1094…"), it is not asked again.
        for text in (latest_text(tracker), previous_text(tracker)):
            given = extract_person_data(text).given()
            if "document_type" in given and "document_number" in given:
                number = given["document_number"]
                return {
                    "status_radicado": radicado,
                    **self.by_document(dispatcher, tracker, domain, radicado, number),
                }
        return {"status_radicado": radicado}

    def validate_status_document(self, value, dispatcher, tracker, domain) -> dict:
        if value == DONE:
            return {"status_document": DONE}
        radicado = tracker.get_slot("status_radicado")
        return self.by_document(dispatcher, tracker, domain, radicado, value)

    @staticmethod
    def by_document(dispatcher, tracker, domain, radicado: str, value) -> dict:
        """The status of `radicado` for the document `value`, or the one neutral answer."""
        number = "".join(ch for ch in str(value) if ch.isalnum()).upper()
        instant = now()
        with uow() as work:
            view = None
            if number:
                view = lookup.ticket_by_document(work, radicado, number, wa_id(tracker), instant)
            paused = view is None and lookup.lookups_paused(work, wa_id(tracker), instant)
            work.commit()
        if view is not None:
            tell_status(dispatcher, domain, view)
        else:
            say(dispatcher, "utter_status_not_found")
            if paused:
                say(dispatcher, "utter_status_paused")
        return {"status_document": DONE}


class ActionCancelStatus(Action):
    """Cancelling a status lookup: nothing to lose, it just ends."""

    def name(self) -> str:
        return "action_cancel_status"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        say(dispatcher, "utter_status_cancelled")
        cleared = [SlotSet(s, None) for s in STATUS_SLOTS]
        return [ActiveLoop(None), SlotSet("requested_slot", None), *cleared]


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
            work.commit()
        if not views:
            say(dispatcher, "utter_no_open_tickets")
            return []
        say(dispatcher, "utter_open_tickets", tickets=ticket_lines(domain, views))
        return []


def matching_request(views: list[lookup.TicketView], text: str) -> lookup.TicketView | None:
    """The one request a question without a number is about: the only one, or the one whose
    service or type its words name ("lo de la droguería", "la queja")."""
    if len(views) == 1:
        return views[0]
    service = choices.service_named(text)
    words = set(normalize_text(text).split())
    types = {t.key.value for t in catalog().types if words & {normalize_text(w) for w in t.words}}
    if service is None and not types:
        return None
    found = [
        v
        for v in views
        if (service is None or v.service == service) and (not types or v.pqrs_type in types)
    ]
    return found[0] if len(found) == 1 else None


def own_requests(tracker) -> list[lookup.TicketView]:
    with uow() as work:
        views = lookup.open_tickets(work, wa_id(tracker))
        work.commit()
    return views


def ticket_lines(domain, views: list[lookup.TicketView]) -> str:
    return "\n".join(
        response_text(
            domain,
            "utter_open_ticket_line",
            radicado=v.radicado,
            type_label=catalog().info(v.pqrs_type).label,
            status=catalog().status_words(v.status),
            answer_due=format_date_es(v.answer_due_on),
        )
        for v in views
    )


def answer_status_without_number(dispatcher, tracker, domain, text: str) -> None:
    """How their request goes, asked from the filer's phone without its number: the status
    of the one it is about, or their list to pick from, or that there are none."""
    views = own_requests(tracker)
    view = matching_request(views, text) if views else None
    if view is not None:
        tell_status(dispatcher, domain, view)
    elif views:
        say(dispatcher, "utter_status_which", tickets=ticket_lines(domain, views))
    else:
        say(dispatcher, "utter_no_open_tickets")
