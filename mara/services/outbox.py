"""Outbox use cases: store replies and notices, claim and finish a send, delivery statuses."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from mara.clock import utcnow
from mara.db.models import (
    InboundMessage,
    OutboundMessage,
)
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import UNCONFIRMED, OutboundView
from mara.policy.messages import message
from mara.services import alerts, claims
from mara.services.contact import is_opted_out

log = logging.getLogger(__name__)

# Messages whose failure is not worth another message to the person.
NO_NOTICE_KINDS = frozenset({"trouble", "delivery_failed"})


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
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
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


def _oldest_pending(wa_id: str, up_to_id: int) -> Any:
    """The id of the person's oldest unsent message up to `up_to_id`, as a query."""
    return (
        select(OutboundMessage.id)
        .where(
            OutboundMessage.wa_id == wa_id,
            OutboundMessage.status == "pending",
            OutboundMessage.id <= up_to_id,
        )
        .order_by(OutboundMessage.id)
        .limit(1)
    )


def next_pending_outbound(uow: UnitOfWork, wa_id: str, up_to_id: int) -> int | None:
    """The person's oldest unsent message up to `up_to_id`: they read replies in order."""
    return uow.session.scalar(_oldest_pending(wa_id, up_to_id))


def reject_outbound(uow: UnitOfWork, outbound_id: int, error_code: str | None, error: str) -> None:
    """Twilio refused the message (4xx): failed for good, staff alerted; no notice to the
    person (the refusal is usually about their number)."""
    finish_outbound(uow, outbound_id, "failed", error_code=error_code, error=error)
    row = uow.session.get(OutboundMessage, outbound_id)
    if row is not None:
        alerts.alert_undelivered(uow, row, error)


def release_outbound(uow: UnitOfWork, outbound_id: int, error: str) -> None:
    """A transient failure: back to pending so the retry can claim it again."""
    uow.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == outbound_id, OutboundMessage.status == "sending")
        .values(status="pending", error_message=error[:500])
    )


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


def record_delivery_status(
    uow: UnitOfWork,
    provider_sid: str,
    status: str,
    error_code: str | None,
    outbound_id: int | None = None,
) -> None:
    """A Twilio status callback: kept as a delivery event, and the message's status moved
    forward (never back: callbacks arrive in any order). `outbound_id` (the callback URL's
    `o`, MARA's since 2026-12-04) finds the message even before the worker has recorded
    Twilio's sid for it; a callback of another attempt at it (another sid) changes nothing.
    One statement on PostgreSQL."""
    claims.record_status(uow, outbound_id, provider_sid, status, error_code, utcnow())


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
) -> tuple[int, bool]:
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
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing_id = session.scalar(select(OutboundMessage.id).where(OutboundMessage.key == key))
        if existing_id is None:
            raise
        return existing_id, False
    return row.id, not suppressed


def retry_later_or_fail(
    uow: UnitOfWork, outbound_id: int, error: str, offsets: tuple[int, ...]
) -> tuple[str, int | None]:
    """After a send job's last quick retry: back to pending until the next offset (seconds
    from the message's creation) for the recovery sweep, or, past the last one, failed for
    good with a staff alert (mara.services.alerts) and one notice to the person. Returns
    ("deferred" | "failed", id of a notice to send once the caller commits)."""
    session = uow.session
    row = session.get(OutboundMessage, outbound_id)
    if row is None:
        raise LookupError(f"outbound #{outbound_id} does not exist")
    now = utcnow()
    due = next(
        (
            row.created_at + timedelta(seconds=s)
            for s in sorted(offsets)
            if row.created_at + timedelta(seconds=s) > now
        ),
        None,
    )
    if due is not None:
        row.status, row.next_attempt_at, row.error_message = "pending", due, error[:500]
        return "deferred", None
    row.status, row.next_attempt_at, row.error_message = "failed", None, error[:500]
    wa_id, kind = row.wa_id, row.kind
    alerts.alert_undelivered(uow, row, error)
    notice_id = None
    if kind not in NO_NOTICE_KINDS:
        notice_id = store_notice(
            uow,
            key=f"delivery_failed:{wa_id}:{now.date().isoformat()}",
            wa_id=wa_id,
            to_address=f"whatsapp:+{wa_id}",
            body=message("delivery_failed"),
            kind="delivery_failed",
        )
    return "failed", notice_id


def recoverable_outbound(uow: UnitOfWork, stale_after: timedelta, lease: timedelta) -> list[int]:
    """Messages to (re)send now, leased to the caller for `lease` so the next sweep leaves
    them to the job it queues: pending ones nobody sent (Redis lost the job, or a deferred
    retry is due) and `sending` ones whose sender died (their attempt is unconfirmed)."""
    return claims.lease_owed(
        uow, OutboundMessage, stale_after, lease, UNCONFIRMED + "sender interrupted"
    )


def replayable_outbound(uow: UnitOfWork) -> list[int]:
    """`mara replay`: failed messages that Twilio never refused (no error code) go back to
    pending; sending them stays idempotent (delivery.send_claimed)."""
    session = uow.session
    ids = list(
        session.scalars(
            select(OutboundMessage.id)
            .where(OutboundMessage.status == "failed", OutboundMessage.error_code.is_(None))
            .order_by(OutboundMessage.id)
        )
    )
    if ids:
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id.in_(ids))
            .values(status="pending", next_attempt_at=None)
        )
    return ids


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
        .limit(1)
    )
    oldest: dict[str, int] = {}
    for row in rows:
        oldest.setdefault(row.wa_id, row.id)
    return [(outbound_id, wa_id) for wa_id, outbound_id in oldest.items()]
