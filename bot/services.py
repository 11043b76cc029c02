"""Service layer: what the adapters (webhook, jobs, actions, CLI) ask of MARA's core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from bot.calendar import BOGOTA, BusinessCalendar
from bot.clock import utcnow
from bot.db import (
    Consent,
    ContactPreference,
    DeliveryEvent,
    Handoff,
    InboundMedia,
    InboundMessage,
    OutboundMessage,
    RadicadoCounter,
    Requester,
    StatusLookupFailure,
    Ticket,
    TicketAttachment,
    UnrecognizedMessage,
)
from bot.tickets import PqrsType, TicketStatus, format_radicado
from bot.unit_of_work import UnitOfWork
from bot.whatsapp import split_body

# Twilio's delivery statuses in the order they can happen; a late callback never moves back.
_STATUS_RANK = {
    "pending": 0,
    "sending": 1,
    "accepted": 2,
    "queued": 2,
    "console": 3,
    "sent": 3,
    "delivered": 4,
    "read": 5,
    "undelivered": 6,
    "failed": 6,
}


class MalformedInbound(ValueError):
    """A webhook request that does not carry a usable message."""


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str | None


@dataclass(frozen=True)
class Inbound:
    """The Twilio fields MARA uses, parsed from one webhook request."""

    message_sid: str
    wa_id: str
    from_address: str
    to_address: str
    profile_name: str | None
    body: str
    media: tuple[Media, ...]
    button_payload: str | None
    fields: dict = field(default_factory=dict)

    @classmethod
    def from_twilio_form(cls, form: dict[str, str]) -> Inbound:
        sid = form.get("MessageSid") or form.get("SmsMessageSid")
        if not sid:
            raise MalformedInbound("MessageSid is missing")
        sender = form.get("From", "")
        if not sender.startswith("whatsapp:+"):
            raise MalformedInbound("From must be a WhatsApp address (whatsapp:+…)")
        wa_id = form.get("WaId") or sender.removeprefix("whatsapp:+")
        if not wa_id.isdigit():
            raise MalformedInbound("WaId must be digits")
        try:
            num_media = int(form.get("NumMedia") or 0)
        except ValueError:
            raise MalformedInbound("NumMedia must be a number") from None
        if not 0 <= num_media <= 10:
            raise MalformedInbound("NumMedia out of range")
        media = []
        for i in range(num_media):
            url = form.get(f"MediaUrl{i}")
            if not url:
                raise MalformedInbound(f"MediaUrl{i} is missing")
            media.append(Media(url=url, content_type=form.get(f"MediaContentType{i}")))
        body = form.get("Body", "")
        if not body.strip() and not media and not form.get("ButtonPayload"):
            raise MalformedInbound("the message has no text, media or button")
        return cls(
            message_sid=sid,
            wa_id=wa_id,
            from_address=sender,
            to_address=form.get("To", ""),
            profile_name=form.get("ProfileName") or None,
            body=body,
            media=tuple(media),
            button_payload=form.get("ButtonPayload") or None,
            fields=dict(form),
        )


@dataclass(frozen=True)
class PendingInbound:
    id: int
    message_sid: str
    wa_id: str
    body: str
    profile_name: str | None
    media: tuple[Media, ...]
    button_payload: str | None


@dataclass(frozen=True)
class OutboundView:
    id: int
    to_address: str
    body: str
    status: str


def record_inbound(uow: UnitOfWork, message: Inbound) -> tuple[int, bool]:
    """Store an inbound message; returns (id, created). A redelivered sid is not stored twice."""
    session = uow.session
    existing = session.scalar(
        select(InboundMessage.id).where(InboundMessage.message_sid == message.message_sid)
    )
    if existing is not None:
        return existing, False
    row = InboundMessage(
        message_sid=message.message_sid,
        wa_id=message.wa_id,
        from_address=message.from_address,
        to_address=message.to_address,
        profile_name=message.profile_name,
        body=message.body,
        num_media=len(message.media),
        button_payload=message.button_payload,
        fields=message.fields,
        received_at=utcnow(),
        media=[
            InboundMedia(position=i, url=m.url, content_type=m.content_type)
            for i, m in enumerate(message.media)
        ],
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        # Twilio's redeliveries can arrive together: the unique sid decides who stored it.
        session.rollback()
        existing = session.scalar(
            select(InboundMessage.id).where(InboundMessage.message_sid == message.message_sid)
        )
        if existing is None:
            raise
        return existing, False
    return row.id, True


def sender_of(uow: UnitOfWork, message_id: int) -> str | None:
    return uow.session.scalar(select(InboundMessage.wa_id).where(InboundMessage.id == message_id))


def next_pending(uow: UnitOfWork, wa_id: str, up_to_id: int) -> PendingInbound | None:
    """The sender's oldest unprocessed message up to `up_to_id`: replies keep arrival order."""
    row = uow.session.scalar(
        select(InboundMessage)
        .where(
            InboundMessage.wa_id == wa_id,
            InboundMessage.status == "pending",
            InboundMessage.id <= up_to_id,
        )
        .order_by(InboundMessage.id)
        .limit(1)
    )
    if row is None:
        return None
    return PendingInbound(
        id=row.id,
        message_sid=row.message_sid,
        wa_id=row.wa_id,
        body=row.body,
        profile_name=row.profile_name,
        media=tuple(Media(m.url, m.content_type) for m in row.media),
        button_payload=row.button_payload,
    )


def note_attempt(uow: UnitOfWork, message_id: int, error: str | None = None) -> None:
    uow.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id)
        .values(attempts=InboundMessage.attempts + 1, last_error=error)
    )
    uow.commit()


def complete_inbound(
    uow: UnitOfWork, message_id: int, wa_id: str, to_address: str, replies: list[str]
) -> list[int]:
    """Mark the message processed and store its replies in one transaction; returns their ids."""
    session = uow.session
    created = utcnow()
    ids: list[int] = []
    rows: list[OutboundMessage] = []
    for i, reply in enumerate(replies):
        for j, part in enumerate(split_body(reply)):
            rows.append(
                OutboundMessage(
                    key=f"reply:{message_id}:{i}:{j}",
                    wa_id=wa_id,
                    to_address=to_address,
                    body=part,
                    kind="reply",
                    in_reply_to_id=message_id,
                    created_at=created,
                )
            )
    done = session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id, InboundMessage.status == "pending")
        .values(status="processed", processed_at=created, last_error=None)
    )
    if done.rowcount != 1:
        session.rollback()
        return []
    session.add_all(rows)
    session.commit()
    ids = [r.id for r in rows]
    return ids


def fail_pending(uow: UnitOfWork, wa_id: str, up_to_id: int, error: str) -> list[int]:
    """After the last retry: leave the sender's messages marked failed, for `mara replay`."""
    session = uow.session
    ids = list(
        session.scalars(
            select(InboundMessage.id).where(
                InboundMessage.wa_id == wa_id,
                InboundMessage.status == "pending",
                InboundMessage.id <= up_to_id,
            )
        )
    )
    if ids:
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_(ids))
            .values(status="failed", last_error=error[:500])
        )
        session.commit()
    return ids


def store_notice(
    uow: UnitOfWork, key: str, wa_id: str, to_address: str, body: str, kind: str
) -> int | None:
    """Store a one-off message for the person; None when that key was stored before."""
    session = uow.session
    if session.scalar(select(OutboundMessage.id).where(OutboundMessage.key == key)):
        return None
    row = OutboundMessage(
        key=key, wa_id=wa_id, to_address=to_address, body=body, kind=kind, created_at=utcnow()
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return row.id


def trouble_notice_due(uow: UnitOfWork, wa_id: str) -> bool:
    """One "we are having trouble" message per outage: none since the last answered message."""
    session = uow.session
    last_ok = session.scalar(
        select(func.max(InboundMessage.processed_at)).where(
            InboundMessage.wa_id == wa_id, InboundMessage.status == "processed"
        )
    )
    query = select(OutboundMessage.id).where(
        OutboundMessage.wa_id == wa_id, OutboundMessage.kind == "trouble"
    )
    if last_ok is not None:
        query = query.where(OutboundMessage.created_at > last_ok)
    return session.scalar(query.limit(1)) is None


def recipient_of(uow: UnitOfWork, outbound_id: int) -> str | None:
    return uow.session.scalar(
        select(OutboundMessage.wa_id).where(OutboundMessage.id == outbound_id)
    )


def next_pending_outbound(uow: UnitOfWork, wa_id: str, up_to_id: int) -> int | None:
    """The person's oldest unsent message up to `up_to_id`: they read replies in order."""
    return uow.session.scalar(
        select(OutboundMessage.id)
        .where(
            OutboundMessage.wa_id == wa_id,
            OutboundMessage.status == "pending",
            OutboundMessage.id <= up_to_id,
        )
        .order_by(OutboundMessage.id)
        .limit(1)
    )


def claim_outbound(uow: UnitOfWork, outbound_id: int) -> OutboundView | None:
    """Move a pending message to `sending`; only one job ever wins, so it is sent once."""
    session = uow.session
    claimed = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == outbound_id, OutboundMessage.status == "pending")
        .values(status="sending", attempts=OutboundMessage.attempts + 1)
    )
    session.commit()
    if claimed.rowcount != 1:
        return None
    row = session.get(OutboundMessage, outbound_id)
    view = OutboundView(id=row.id, to_address=row.to_address, body=row.body, status=row.status)
    # End the read now: the caller talks to Twilio before its next write.
    session.commit()
    return view


def release_outbound(uow: UnitOfWork, outbound_id: int, error: str) -> None:
    """A transient failure: back to pending so the retry can claim it again."""
    uow.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == outbound_id, OutboundMessage.status == "sending")
        .values(status="pending", error_message=error[:500])
    )
    uow.commit()


def finish_outbound(
    uow: UnitOfWork,
    outbound_id: int,
    status: str,
    provider_sid: str | None = None,
    error_code: str | None = None,
    error: str | None = None,
) -> None:
    values: dict = {"status": status, "error_code": error_code, "error_message": error}
    if provider_sid:
        values["provider_sid"] = provider_sid
    if status not in ("failed", "undelivered"):
        values["sent_at"] = utcnow()
    uow.session.execute(
        update(OutboundMessage).where(OutboundMessage.id == outbound_id).values(**values)
    )
    uow.commit()


def record_delivery_status(
    uow: UnitOfWork, provider_sid: str, status: str, error_code: str | None
) -> bool:
    """A Twilio status callback; returns whether the sid belongs to one of our messages."""
    session = uow.session
    session.add(
        DeliveryEvent(
            provider_sid=provider_sid, status=status, error_code=error_code, received_at=utcnow()
        )
    )
    row = session.scalar(
        select(OutboundMessage).where(OutboundMessage.provider_sid == provider_sid)
    )
    if row is not None and _STATUS_RANK.get(status, 0) >= _STATUS_RANK.get(row.status, 0):
        row.status = status
        if error_code:
            row.error_code = error_code
    session.commit()
    return row is not None


def replayable_inbound(uow: UnitOfWork, stale_after: timedelta) -> list[int]:
    """Messages an outage left behind: failed ones, and pending ones nobody picked up."""
    cutoff: datetime = utcnow() - stale_after
    session = uow.session
    ids = list(
        session.scalars(
            select(InboundMessage.id)
            .where(
                (InboundMessage.status == "failed")
                | ((InboundMessage.status == "pending") & (InboundMessage.received_at < cutoff))
            )
            .order_by(InboundMessage.id)
        )
    )
    if ids:
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_(ids), InboundMessage.status == "failed")
            .values(status="pending")
        )
        session.commit()
    return ids


def outbox_after(uow: UnitOfWork, wa_id: str, after_id: int) -> list[tuple[int, str, str]]:
    """Delivered or console replies to one person after an id: (id, body, status)."""
    rows = uow.session.execute(
        select(OutboundMessage.id, OutboundMessage.body, OutboundMessage.status)
        .where(
            OutboundMessage.wa_id == wa_id,
            OutboundMessage.id > after_id,
            OutboundMessage.status.notin_(("pending", "sending")),
        )
        .order_by(OutboundMessage.id)
    )
    return [(r.id, r.body, r.status) for r in rows]


def inbound_state(uow: UnitOfWork, message_sid: str) -> tuple[int, str] | None:
    row = uow.session.execute(
        select(InboundMessage.id, InboundMessage.status).where(
            InboundMessage.message_sid == message_sid
        )
    ).first()
    return None if row is None else (row.id, row.status)


def replies_to(uow: UnitOfWork, message_id: int) -> list[OutboundView]:
    rows = uow.session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.in_reply_to_id == message_id)
        .order_by(OutboundMessage.id)
    )
    return [OutboundView(r.id, r.to_address, r.body, r.status) for r in rows]


def last_outbound_id(uow: UnitOfWork, wa_id: str) -> int:
    return (
        uow.session.scalar(
            select(func.max(OutboundMessage.id)).where(OutboundMessage.wa_id == wa_id)
        )
        or 0
    )


# --- PQRS: consent, requesters, filing -------------------------------------------------


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
    uow.commit()
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
    calendar = calendar or BusinessCalendar()
    deadlines = calendar.deadlines(now, kind.value)
    year = now.astimezone(BOGOTA).year
    try:
        requester_row = None
        if requester is not None:
            requester_row = Requester(
                wa_id=wa_id,
                full_name=requester.full_name,
                document_type=requester.document_type,
                document_number=requester.document_number,
                phone=requester.phone,
                email=requester.email,
                consent_id=consent_id,
                updated_at=utcnow(),
            )
            session.add(requester_row)
        sequence = _next_sequence(session, year)
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
        session.commit()
    except IntegrityError:
        session.rollback()
        if source_key:
            existing = session.scalar(select(Ticket).where(Ticket.source_key == source_key))
            if existing is not None:
                return _filed(existing, created=False)
        raise
    return _filed(ticket, created=True)


# --- opt-out, handoff, not-understood messages -------------------------------------------


def set_opt_out(uow: UnitOfWork, wa_id: str, opted_out: bool, message_sid: str | None) -> None:
    session = uow.session
    row = session.get(ContactPreference, wa_id)
    if row is None:
        row = ContactPreference(wa_id=wa_id)
        session.add(row)
    row.opted_out = opted_out
    row.changed_at = utcnow()
    row.message_sid = message_sid
    uow.commit()


def is_opted_out(uow: UnitOfWork, wa_id: str) -> bool:
    row = uow.session.get(ContactPreference, wa_id)
    return bool(row and row.opted_out)


def queue_proactive(
    uow: UnitOfWork, wa_id: str, body: str, kind: str, key: str
) -> tuple[int | None, bool]:
    """Store a message MARA starts (reminder, survey, notice). Returns (id, to_send): a
    number that opted out gets it stored as `suppressed`, never sent."""
    session = uow.session
    existing = session.scalar(select(OutboundMessage).where(OutboundMessage.key == key))
    if existing is not None:
        return existing.id, False
    suppressed = is_opted_out(uow, wa_id)
    row = OutboundMessage(
        key=key,
        wa_id=wa_id,
        to_address=f"whatsapp:+{wa_id}",
        body=body,
        kind=kind,
        created_at=utcnow(),
        status="suppressed" if suppressed else "pending",
    )
    session.add(row)
    uow.commit()
    return row.id, not suppressed


def request_handoff(uow: UnitOfWork, wa_id: str, now: datetime, hours: int = 24) -> int:
    """Mark the conversation as waiting for an adviser (one open request per number)."""
    open_one = _open_handoff(uow, wa_id, now)
    if open_one is not None:
        return open_one.id
    row = Handoff(wa_id=wa_id, requested_at=now, expires_at=now + timedelta(hours=hours))
    uow.session.add(row)
    uow.commit()
    return row.id


def _open_handoff(uow: UnitOfWork, wa_id: str, now: datetime) -> Handoff | None:
    return uow.session.scalar(
        select(Handoff)
        .where(Handoff.wa_id == wa_id, Handoff.released_at.is_(None), Handoff.expires_at > now)
        .order_by(Handoff.id.desc())
        .limit(1)
    )


def handoff_active(uow: UnitOfWork, wa_id: str, now: datetime) -> bool:
    return _open_handoff(uow, wa_id, now) is not None


def release_handoff(uow: UnitOfWork, wa_id: str, now: datetime, by: str) -> bool:
    row = _open_handoff(uow, wa_id, now)
    if row is None:
        return False
    row.released_at = now
    row.released_by = by
    uow.commit()
    return True


def waiting_handoffs(uow: UnitOfWork, now: datetime) -> list[tuple[str, datetime]]:
    rows = uow.session.scalars(
        select(Handoff)
        .where(Handoff.released_at.is_(None), Handoff.expires_at > now)
        .order_by(Handoff.requested_at)
    )
    return [(r.wa_id, r.requested_at) for r in rows]


def complete_silently(uow: UnitOfWork, message_id: int, status: str) -> None:
    """Close an inbound message without a bot reply (a human is handling the chat)."""
    uow.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id, InboundMessage.status == "pending")
        .values(status=status, processed_at=utcnow())
    )
    uow.commit()


def record_unrecognized(
    uow: UnitOfWork, wa_id: str, message_sid: str | None, text: str, nlu: dict
) -> int:
    intent = nlu.get("intent") or {}
    row = UnrecognizedMessage(
        wa_id=wa_id,
        message_sid=message_sid,
        text=text,
        intent=intent.get("name"),
        confidence=intent.get("confidence"),
        nlu={
            "intent": intent,
            "intent_ranking": (nlu.get("intent_ranking") or [])[:5],
            "entities": nlu.get("entities") or [],
        },
        received_at=utcnow(),
    )
    uow.session.add(row)
    uow.commit()
    return row.id


# --- status of a radicado ----------------------------------------------------------------

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
    return failures >= LOOKUP_FAILURES_BEFORE_PAUSE


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
        uow.commit()
        return None
    return _view(ticket)


def open_tickets(uow: UnitOfWork, wa_id: str) -> list[TicketView]:
    rows = uow.session.scalars(
        select(Ticket)
        .where(Ticket.wa_id == wa_id, Ticket.status != TicketStatus.CERRADO.value)
        .order_by(Ticket.id)
    )
    return [_view(t) for t in rows]
