"""Outbox use cases: store replies and notices, claim and finish a send, delivery statuses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from mara.clock import utcnow
from mara.db.models import (
    DeliveryEvent,
    InboundMessage,
    OutboundMessage,
)
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import OutboundView
from mara.services.contact import is_opted_out

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


def stale_pending_outbound(
    uow: UnitOfWork, older_than: timedelta, limit: int = 500
) -> list[tuple[int, str]]:
    """(id, wa_id) of each person's oldest message stored longer than `older_than` ago and
    never claimed for sending (its job died before sending it)."""
    cutoff = utcnow() - older_than
    rows = uow.session.execute(
        select(OutboundMessage.id, OutboundMessage.wa_id)
        .where(
            OutboundMessage.status == "pending",
            OutboundMessage.attempts == 0,
            OutboundMessage.created_at < cutoff,
        )
        .order_by(OutboundMessage.id)
        .limit(limit)
    )
    oldest: dict[str, int] = {}
    for row in rows:
        oldest.setdefault(row.wa_id, row.id)
    return [(outbound_id, wa_id) for wa_id, outbound_id in oldest.items()]


def claim_next_outbound(uow: UnitOfWork, wa_id: str, up_to_id: int) -> OutboundView | None:
    """Claim (pending → sending) the person's oldest unsent message up to `up_to_id`, in one
    statement; None when there is none. Only one job ever wins a message: it is sent once."""
    oldest = (
        select(OutboundMessage.id)
        .where(
            OutboundMessage.wa_id == wa_id,
            OutboundMessage.status == "pending",
            OutboundMessage.id <= up_to_id,
        )
        .order_by(OutboundMessage.id)
        .limit(1)
        .scalar_subquery()
    )
    row = uow.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == oldest, OutboundMessage.status == "pending")
        .values(status="sending", attempts=OutboundMessage.attempts + 1)
        .returning(OutboundMessage.id, OutboundMessage.to_address, OutboundMessage.body)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return None
    return OutboundView(id=row.id, to_address=row.to_address, body=row.body, status="sending")
