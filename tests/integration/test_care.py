"""Opt-out, handoff and radicado lookups on a real database."""

from __future__ import annotations

from datetime import date, timedelta

from mara.db.models import OutboundMessage
from mara.db.unit_of_work import UnitOfWork
from mara.services import contact, lookup, outbox
from tests.support.filing import FRIDAY_10AM as NOW
from tests.support.filing import file_with_consent


def filed(url, wa_id="573001110000"):
    with UnitOfWork(url) as uow:
        ticket = file_with_consent(uow, wa_id)
        uow.commit()
    return ticket


def test_opted_out_numbers_get_no_proactive_message(clean_db):
    with UnitOfWork(clean_db) as uow:
        contact.set_opt_out(uow, "57300", True, "SM1")
        out_id, to_send = outbox.queue_proactive(
            uow, "57300", "¿Cómo te atendimos?", "survey", "survey:1"
        )
        assert to_send is False
        assert uow.session.get(OutboundMessage, out_id).status == "suppressed"
        contact.set_opt_out(uow, "57300", False, "SM2")
        assert outbox.queue_proactive(uow, "57300", "hola", "survey", "survey:2")[1] is True
        # The same key is never queued twice.
        assert outbox.queue_proactive(uow, "57300", "hola", "survey", "survey:2")[1] is False


def test_handoff_lasts_until_released_or_24_hours(clean_db):
    with UnitOfWork(clean_db) as uow:
        first = contact.request_handoff(uow, "57300", NOW)
        assert contact.request_handoff(uow, "57300", NOW + timedelta(hours=1)) == first
        assert contact.handoff_active(uow, "57300", NOW + timedelta(hours=23))
        assert not contact.handoff_active(uow, "57300", NOW + timedelta(hours=24, seconds=1))
        assert contact.waiting_handoffs(uow, NOW) == [("57300", NOW)]
        assert contact.release_handoff(uow, "57300", NOW + timedelta(hours=2), "asesora")
        assert not contact.handoff_active(uow, "57300", NOW + timedelta(hours=3))


def test_status_lookup_by_owner_and_by_document(clean_db):
    ticket = filed(clean_db)
    with UnitOfWork(clean_db) as uow:
        view = lookup.own_ticket(uow, ticket.radicado, "573001110000")
        assert (view.radicado, view.status, view.pqrs_type) == (
            ticket.radicado,
            "recibido",
            "reclamo",
        )
        assert view.on_time(date(2026, 12, 16)) and not view.on_time(date(2026, 12, 17))
        assert lookup.own_ticket(uow, ticket.radicado, "573009999999") is None
        other = lookup.ticket_by_document(uow, ticket.radicado, "1094000111", "5730099", NOW)
        assert other == view
        assert not lookup.lookups_paused(uow, "5730099", NOW)


def test_three_misses_in_an_hour_pause_lookups(clean_db):
    ticket = filed(clean_db)
    with UnitOfWork(clean_db) as uow:
        assert lookup.ticket_by_document(uow, ticket.radicado, "999", "5730099", NOW) is None
        assert (
            lookup.ticket_by_document(uow, "PQRS-2026-999999", "1094000111", "5730099", NOW) is None
        )
        assert not lookup.lookups_paused(uow, "5730099", NOW)
        lookup.ticket_by_document(uow, ticket.radicado, "998", "5730099", NOW)
        assert lookup.lookups_paused(uow, "5730099", NOW)
        assert not lookup.lookups_paused(uow, "5730099", NOW + timedelta(hours=1, seconds=1))
        assert not lookup.lookups_paused(uow, "573001110000", NOW)


def test_open_tickets(clean_db):
    ticket = filed(clean_db)
    with UnitOfWork(clean_db) as uow:
        assert [v.radicado for v in lookup.open_tickets(uow, "573001110000")] == [ticket.radicado]
