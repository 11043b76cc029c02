"""Filing a PQRS: consent, the saved requester, the radicado sequence and the ticket."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError

from mara.clock import utcnow
from mara.db.models import (
    Consent,
    RadicadoCounter,
    Requester,
    Ticket,
    TicketAttachment,
)
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BOGOTA, BusinessCalendar
from mara.domain.tickets import PqrsType, TicketStatus, format_radicado
from mara.policy.channels import business_calendar


@dataclass(frozen=True)
class RequesterData:
    full_name: str
    document_type: str
    document_number: str
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class FiledTicket:
    radicado: str
    pqrs_type: str
    received_on: date
    area_due_on: date
    answer_due_on: date
    legal_due_on: date
    created: bool


def record_consent(
    uow: UnitOfWork, wa_id: str, granted: bool, message_sid: str | None, policy_version: str
) -> int:
    """Store a yes or no to the privacy notice, with the message that said it."""
    row = Consent(
        wa_id=wa_id,
        granted=granted,
        policy_version=policy_version,
        message_sid=message_sid,
        decided_at=utcnow(),
    )
    uow.session.add(row)
    uow.session.flush()
    return row.id


def current_consent(uow: UnitOfWork, wa_id: str, policy_version: str) -> int | None:
    """The id of this number's latest decision if it is a yes to this notice version."""
    row = uow.session.scalar(
        select(Consent).where(Consent.wa_id == wa_id).order_by(Consent.id.desc()).limit(1)
    )
    if row is None or not row.granted or row.policy_version != policy_version:
        return None
    return row.id


def saved_requester(uow: UnitOfWork, wa_id: str) -> RequesterData | None:
    """The data this WhatsApp number gave the last time it filed with consent."""
    row = uow.session.scalar(
        select(Requester)
        .where(Requester.wa_id == wa_id, Requester.consent_id.is_not(None))
        .order_by(Requester.updated_at.desc(), Requester.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    return RequesterData(
        row.full_name, row.document_type, row.document_number, row.phone, row.email
    )


def _next_sequence(session, year: int) -> int:
    """Upsert the year's counter and read it back in one statement: a row lock orders
    concurrent filings, so every radicado of a year is distinct (the unique index checks)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(RadicadoCounter)
        .values(year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[RadicadoCounter.year],
            set_={"last_value": RadicadoCounter.last_value + 1},
        )
        .returning(RadicadoCounter.last_value)
    )
    return session.execute(statement).scalar_one()


def _filed(ticket: Ticket, created: bool) -> FiledTicket:
    return FiledTicket(
        radicado=ticket.radicado,
        pqrs_type=ticket.pqrs_type,
        received_on=ticket.received_on,
        area_due_on=ticket.area_due_on,
        answer_due_on=ticket.answer_due_on,
        legal_due_on=ticket.legal_due_on,
        created=created,
    )


def whatsapp_source_key(message_sid: str) -> str:
    """The source_key of a request confirmed by this WhatsApp message: retries of its submit
    (the action again, the worker's verification) all file the one ticket."""
    return f"whatsapp:{message_sid}"


def radicado_for(uow: UnitOfWork, source_key: str) -> str | None:
    """The radicado of the ticket filed from this source, if one was."""
    return uow.session.scalar(select(Ticket.radicado).where(Ticket.source_key == source_key))


FAULT_VARIABLE = "MARA_FAULT_FILING"


def _injected_fault() -> None:
    """Test-only fault hook, off unless MARA_FAULT_FILING names a file (README, "Fault
    injection"): while that file exists, filing fails with a database error; the file holds
    how many more filings fail, or "always"."""
    path = os.environ.get(FAULT_VARIABLE)
    if not path or not Path(path).exists():
        return
    left = Path(path).read_text(encoding="utf-8").strip()
    if left != "always":
        if int(left or 0) <= 0:
            return
        Path(path).write_text(str(int(left) - 1), encoding="utf-8")
    raise OperationalError("INSERT INTO tickets", {}, RuntimeError(f"injected by {FAULT_VARIABLE}"))


def file_ticket(
    uow: UnitOfWork,
    *,
    now: datetime,
    pqrs_type: str,
    description: str,
    wa_id: str | None,
    channel: str = "whatsapp",
    proposed_type: str | None = None,
    proposed_confidence: float | None = None,
    service: str | None = None,
    requester: RequesterData | None = None,
    consent_id: int | None = None,
    attachments: list[dict] | None = None,
    preferential: bool = False,
    source_key: str | None = None,
    calendar: BusinessCalendar | None = None,
) -> FiledTicket:
    """Store a PQRS with its radicado and deadlines; the same source_key files it once."""
    session = uow.session
    kind = PqrsType(pqrs_type)
    if source_key:
        existing = session.scalar(select(Ticket).where(Ticket.source_key == source_key))
        if existing is not None:
            return _filed(existing, created=False)
    if requester is not None and consent_id is None:
        raise ValueError("personal data is only stored with a recorded consent")
    calendar = calendar or business_calendar()
    deadlines = calendar.deadlines(now, kind.value)
    year = now.astimezone(BOGOTA).year
    try:
        with session.begin_nested():
            requester_row = None
            if requester is not None:
                requester_row = Requester(
                    **asdict(requester), wa_id=wa_id, consent_id=consent_id, updated_at=utcnow()
                )
                session.add(requester_row)
            sequence = _next_sequence(session, year)
            _injected_fault()
            ticket = Ticket(
                radicado=format_radicado(year, sequence),
                year=year,
                sequence=sequence,
                proposed_type=proposed_type,
                proposed_confidence=proposed_confidence,
                pqrs_type=kind.value,
                status=TicketStatus.RECIBIDO.value,
                channel=channel,
                requester=requester_row,
                consent_id=consent_id,
                description=description.strip(),
                service=service,
                preferential=preferential,
                wa_id=wa_id,
                received_at=now,
                received_on=deadlines.received_on,
                area_due_on=deadlines.area_due_on,
                answer_due_on=deadlines.answer_due_on,
                legal_due_on=deadlines.legal_due_on,
                legal_term_days=deadlines.legal_term_days,
                created_at=utcnow(),
                source_key=source_key,
                attachments=[
                    TicketAttachment(url=a["url"], content_type=a.get("content_type"))
                    for a in (attachments or [])
                ],
            )
            session.add(ticket)
    except IntegrityError:
        # The same source_key filed at once by another process: that one is the ticket.
        if source_key:
            existing = session.scalar(select(Ticket).where(Ticket.source_key == source_key))
            if existing is not None:
                return _filed(existing, created=False)
        raise
    return _filed(ticket, created=True)
