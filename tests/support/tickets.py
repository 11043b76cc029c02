"""Requests inserted straight into the database, with the calendar's real deadlines."""

from __future__ import annotations

from datetime import datetime

from mara.db.models import Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.domain.tickets import format_radicado
from mara.policy.channels import business_calendar
from mara.services import accounts

# Far above the counter real filings use in the same database (e2e tests share one).
_sequence = iter(range(900_000, 999_999))


def make_ticket(
    database_url: str,
    filed_at: datetime,
    pqrs_type: str = "queja",
    status: str = "en_area",
    **fields,
) -> tuple[int, str]:
    """Insert one request filed at `filed_at`; returns (id, radicado)."""
    deadlines = business_calendar().deadlines(filed_at, pqrs_type)
    sequence = next(_sequence)
    radicado = format_radicado(filed_at.year, sequence)
    values = {
        "radicado": radicado,
        "year": filed_at.year,
        "sequence": sequence,
        "pqrs_type": pqrs_type,
        "status": status,
        "channel": "whatsapp",
        "description": "Prueba",
        "received_at": filed_at,
        "received_on": deadlines.received_on,
        "area_due_on": deadlines.area_due_on,
        "answer_due_on": deadlines.answer_due_on,
        "legal_due_on": deadlines.legal_due_on,
        "legal_term_days": deadlines.legal_term_days,
        "created_at": filed_at,
        **fields,
    }
    with UnitOfWork(database_url) as uow:
        if values.get("area_slug"):
            accounts.sync_areas(uow)  # config/areas.yml, as `mara db upgrade` loads it
        ticket = Ticket(**values)
        uow.session.add(ticket)
        uow.commit()
        return ticket.id, radicado
