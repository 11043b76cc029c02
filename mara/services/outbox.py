"""Outbox use cases: store replies and notices, claim and finish a send, delivery statuses."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Integer, Table, bindparam, case, func, select, update
from sqlalchemy.exc import IntegrityError

from mara.clock import utcnow
from mara.db.models import (
    DeliveryEvent,
    InboundMessage,
    OutboundMessage,
)
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import UNCONFIRMED, OutboundView
from mara.policy.messages import message
from mara.services import alerts
from mara.services.contact import is_opted_out

log = logging.getLogger(__name__)

# A claimed message not finished by then was interrupted (worker killed): the sweep takes it.
SENDING_LEASE = timedelta(minutes=2)
# Messages whose failure is not worth another message to the person.
NO_NOTICE_KINDS = frozenset({"trouble", "delivery_failed"})

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


def _oldest_pending(wa_id: str, up_to_id: int, limit: int = 1) -> Any:
    """The ids of the person's oldest unsent messages up to `up_to_id`, as a query."""
    return (
        select(OutboundMessage.id)
        .where(
            OutboundMessage.wa_id == wa_id,
            OutboundMessage.status == "pending",
            OutboundMessage.id <= up_to_id,
        )
        .order_by(OutboundMessage.id)
        .limit(limit)
    )


def next_pending_outbound(uow: UnitOfWork, wa_id: str, up_to_id: int) -> int | None:
    """The person's oldest unsent message up to `up_to_id`: they read replies in order."""
    return uow.session.scalar(_oldest_pending(wa_id, up_to_id))


# The worker's statements on this table are Core, built once (bind parameters): a send pays
# neither the ORM's per-statement work nor the construction of its statements.
_OUTBOUND = cast(Table, OutboundMessage.__table__)
_C = _OUTBOUND.c


def _claim_statement(which: ColumnElement[bool]) -> Any:
    """Move the pending messages `which` selects to `sending`, as a lease until
    :lease_until (not finished by then, the recovery sweep takes them, unconfirmed)."""
    return (
        update(_OUTBOUND)
        .where(which, _C.status == "pending")
        .values(
            status="sending", attempts=_C.attempts + 1, next_attempt_at=bindparam("lease_until")
        )
        .returning(
            _C.id,
            _C.to_address,
            _C.body,
            _C.content_sid,
            _C.content_variables,
            _C.error_message,
            _C.created_at,
        )
    )


_CLAIM_ONE = _claim_statement(_C.id == bindparam("outbound_id"))


def _claim(uow: UnitOfWork, statement: Any, params: dict[str, Any]) -> list[OutboundView]:
    """Run a claim: one statement, so only one job ever wins a message and it is sent once.
    Oldest first; [] when nothing was pending."""
    rows = uow.session.execute(statement, {**params, "lease_until": utcnow() + SENDING_LEASE}).all()
    return [
        OutboundView(
            id=row.id,
            to_address=row.to_address,
            body=row.body,
            status="sending",
            content_sid=row.content_sid,
            content_variables=row.content_variables,
            unconfirmed_since=(
                row.created_at if (row.error_message or "").startswith(UNCONFIRMED) else None
            ),
        )
        # RETURNING keeps no order.
        for row in sorted(rows, key=lambda r: r.id)
    ]


def claim_outbound(uow: UnitOfWork, outbound_id: int) -> OutboundView | None:
    """Move a pending message to `sending`; only one job ever wins, so it is sent once.
    The caller commits the claim before it talks to Twilio."""
    claimed = _claim(uow, _CLAIM_ONE, {"outbound_id": outbound_id})
    return claimed[0] if claimed else None


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


_UNCLAIM = (
    update(_OUTBOUND)
    .where(_C.id.in_(bindparam("ids", expanding=True)), _C.status == "sending")
    .values(status="pending", attempts=_C.attempts - 1)
)


def unclaim_outbound(uow: UnitOfWork, outbound_ids: list[int]) -> None:
    """Claimed messages never tried (an earlier one of their batch failed): back to pending,
    the attempt not counted. Their lease stays: the retry of the failed one sends them after
    it, and the recovery sweep leaves them to that job until then."""
    if outbound_ids:
        uow.session.execute(_UNCLAIM, {"ids": outbound_ids})


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


@cache
def _finish_statement(count: int) -> Any:
    """Finish `count` messages in one statement: :id_N gets :status_N, and :sid_N and
    :sent_at_N where not null."""
    ids = [bindparam(f"id_{n}", type_=Integer) for n in range(count)]

    def each(value: Callable[[int], Any]) -> Any:
        return case(*((_C.id == ids[n], value(n)) for n in range(count)))

    return (
        update(_OUTBOUND)
        .where(_C.id.in_(ids))
        .values(
            status=each(lambda n: bindparam(f"status_{n}", type_=_C.status.type)),
            provider_sid=each(
                lambda n: func.coalesce(
                    bindparam(f"sid_{n}", type_=_C.provider_sid.type), _C.provider_sid
                )
            ),
            sent_at=each(
                lambda n: func.coalesce(
                    bindparam(f"sent_at_{n}", type_=_C.sent_at.type), _C.sent_at
                )
            ),
            error_code=None,
            error_message=None,
        )
    )


def finish_sent(uow: UnitOfWork, outcomes: list[tuple[int, str, str | None]]) -> None:
    """Record what Twilio answered for messages sent (id, status, provider sid), all in one
    statement; as `finish_outbound` does for each."""
    if not outcomes:
        return
    now = utcnow()
    params: dict[str, Any] = {}
    for n, (outbound_id, status, sid) in enumerate(outcomes):
        params[f"id_{n}"] = outbound_id
        params[f"status_{n}"] = status
        params[f"sid_{n}"] = sid or None
        params[f"sent_at_{n}"] = None if status in ("failed", "undelivered") else now
    uow.session.execute(_finish_statement(len(outcomes)), params)


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


@dataclass(frozen=True)
class EarlierAttempt:
    """An earlier send whose answer never came (a read timeout, a worker killed mid-send):
    Twilio may have it. `known_sids` are the person's messages already recorded as ours."""

    created_at: datetime
    known_sids: frozenset[str]


def known_sids(uow: UnitOfWork, wa_id: str) -> frozenset[str]:
    """The person's messages already recorded as ours at Twilio (read with a claim that has
    an unconfirmed attempt, before the caller commits it: no transaction stays open while
    Twilio answers)."""
    return frozenset(
        s
        for s in uow.session.scalars(
            select(OutboundMessage.provider_sid).where(
                OutboundMessage.wa_id == wa_id, OutboundMessage.provider_sid.is_not(None)
            )
        )
        if s
    )


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
    session = uow.session
    now = utcnow()
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.status == "sending", OutboundMessage.next_attempt_at < now)
        .values(status="pending", error_message=UNCONFIRMED + "sender interrupted")
    )
    ids = list(
        session.scalars(
            select(OutboundMessage.id)
            .where(
                OutboundMessage.status == "pending",
                (OutboundMessage.next_attempt_at <= now)
                | (
                    OutboundMessage.next_attempt_at.is_(None)
                    & (OutboundMessage.created_at < now - stale_after)
                ),
            )
            .order_by(OutboundMessage.id)
        )
    )
    if ids:
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id.in_(ids))
            .values(next_attempt_at=now + lease)
        )
    return ids


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
        .limit(limit)
    )
    oldest: dict[str, int] = {}
    for row in rows:
        oldest.setdefault(row.wa_id, row.id)
    return [(outbound_id, wa_id) for wa_id, outbound_id in oldest.items()]


# A turn's replies are claimed together, sent in order and finished in one statement. Few
# enough that their sends (each bounded by the sender's timeout) fit in the lease.
CLAIM_BATCH = 4


@cache
def _claim_next_statement(limit: int) -> Any:
    oldest = (
        select(_C.id)
        .where(
            _C.wa_id == bindparam("person"),
            _C.status == "pending",
            _C.id <= bindparam("up_to_id"),
        )
        .order_by(_C.id)
        .limit(limit)
    )
    return _claim_statement(_C.id.in_(oldest))


def claim_next_outbound(
    uow: UnitOfWork, wa_id: str, up_to_id: int, limit: int = CLAIM_BATCH
) -> list[OutboundView]:
    """Claim (pending → sending) the person's oldest unsent messages up to `up_to_id`, at
    most `limit`, oldest first, in one statement; [] when there is none. Only one job ever
    wins a message: it is sent once. The claim is a lease: not finished by then, the
    recovery sweep takes them (unconfirmed)."""
    return _claim(uow, _claim_next_statement(limit), {"person": wa_id, "up_to_id": up_to_id})
