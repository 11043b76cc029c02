""" "¿Cómo va mi radicado?": a person's own requests, or one found with the requester's document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from mara.db.models import (
    Requester,
    StatusLookupFailure,
    Ticket,
)
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BOGOTA
from mara.domain.tickets import TicketStatus

LOOKUP_FAILURES_BEFORE_PAUSE = 3


LOOKUP_PAUSE = timedelta(hours=1)


@dataclass(frozen=True)
class TicketView:
    """What a person may see of their request: no personal data."""

    radicado: str
    pqrs_type: str
    status: str
    received_at: datetime
    answer_due_on: date
    answer_summary: str | None
    answered_at: datetime | None
    service: str | None = None

    def on_time(self, today: date) -> bool:
        answered_on = self.answered_at.astimezone(BOGOTA).date() if self.answered_at else None
        return (answered_on or today) <= self.answer_due_on


def _view(ticket: Ticket) -> TicketView:
    return TicketView(
        radicado=ticket.radicado,
        pqrs_type=ticket.pqrs_type,
        status=ticket.status,
        received_at=ticket.received_at,
        answer_due_on=ticket.answer_due_on,
        answer_summary=ticket.answer_summary,
        answered_at=ticket.answered_at,
        service=ticket.service,
    )


def lookups_paused(uow: UnitOfWork, wa_id: str, now: datetime) -> bool:
    failures = uow.session.scalar(
        select(func.count())
        .select_from(StatusLookupFailure)
        .where(
            StatusLookupFailure.wa_id == wa_id,
            StatusLookupFailure.failed_at > now - LOOKUP_PAUSE,
        )
    )
    return (failures or 0) >= LOOKUP_FAILURES_BEFORE_PAUSE


def own_ticket(uow: UnitOfWork, radicado: str, wa_id: str) -> TicketView | None:
    """A ticket filed from this WhatsApp number."""
    ticket = uow.session.scalar(
        select(Ticket).where(Ticket.radicado == radicado, Ticket.wa_id == wa_id)
    )
    return _view(ticket) if ticket else None


def ticket_by_document(
    uow: UnitOfWork, radicado: str, document_number: str, wa_id: str, now: datetime
) -> TicketView | None:
    """The ticket if its requester has this document; a miss counts toward the pause,
    and an unknown radicado is a miss like any other (nothing says which it was)."""
    ticket = uow.session.scalar(
        select(Ticket)
        .join(Requester, Ticket.requester_id == Requester.id)
        .where(Ticket.radicado == radicado, Requester.document_number == document_number)
    )
    if ticket is None:
        uow.session.add(StatusLookupFailure(wa_id=wa_id, failed_at=now))
        return None
    return _view(ticket)


def open_tickets(uow: UnitOfWork, wa_id: str) -> list[TicketView]:
    rows = uow.session.scalars(
        select(Ticket)
        .where(Ticket.wa_id == wa_id, Ticket.status != TicketStatus.CERRADO.value)
        .order_by(Ticket.id)
    )
    return [_view(t) for t in rows]
