"""Inbox use cases: store an inbound message once, take the next one of a person, complete it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)

from mara.clock import utcnow
from mara.db.models import (
    InboundMedia,
    InboundMessage,
    OutboundMessage,
)
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import Inbound, Media, PendingInbound, split_body

_INBOUND_COLUMNS = [
    "message_sid",
    "wa_id",
    "from_address",
    "to_address",
    "profile_name",
    "body",
    "num_media",
    "button_payload",
    "fields",
    "received_at",
    "status",
    "attempts",
]

# The webhook's one statement. Written out (PostgreSQL and SQLite ≥ 3.35 read it alike)
# because SQLAlchemy does not cache the compiled form of its ON CONFLICT constructs.
_INSERT_NEW_INBOUND = text(
    f"INSERT INTO inbound_messages ({', '.join(_INBOUND_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _INBOUND_COLUMNS)}) "
    "ON CONFLICT (message_sid) DO NOTHING RETURNING id"
).bindparams(
    bindparam("fields", type_=InboundMessage.__table__.c.fields.type),
    bindparam("received_at", type_=InboundMessage.__table__.c.received_at.type),
)


def needs_transaction(message: Inbound) -> bool:
    """Whether `record_inbound` writes more than one statement for this message (its media
    rows): without, the caller may store it in autocommit (UnitOfWork(autocommit=True))."""
    return bool(message.media)


def record_inbound(uow: UnitOfWork, message: Inbound) -> tuple[int, bool]:
    """Store an inbound message; returns (id, created). A redelivered sid is not stored twice:
    the unique sid decides (ON CONFLICT DO NOTHING), also between redeliveries that arrive
    together, in a single statement."""
    session = uow.session
    new_id = session.scalar(
        _INSERT_NEW_INBOUND,
        {
            "message_sid": message.message_sid,
            "wa_id": message.wa_id,
            "from_address": message.from_address,
            "to_address": message.to_address,
            "profile_name": message.profile_name,
            "body": message.body,
            "num_media": len(message.media),
            "button_payload": message.button_payload,
            "fields": message.fields,
            "received_at": utcnow(),
            "status": "pending",
            "attempts": 0,
        },
    )
    if new_id is None:
        existing = session.scalar(
            select(InboundMessage.id).where(InboundMessage.message_sid == message.message_sid)
        )
        if existing is None:
            raise RuntimeError("an inbound message vanished between its insert and its read")
        return existing, False
    if message.media:
        session.add_all(
            InboundMedia(message_id=new_id, position=i, url=m.url, content_type=m.content_type)
            for i, m in enumerate(message.media)
        )
        session.flush()
    return new_id, True


# The worker's statements on these tables are Core, built once (bind parameters): a turn
# pays neither the ORM's per-statement work nor the construction of its statements.
_INBOUND = cast(Table, InboundMessage.__table__)
_OUTBOUND = cast(Table, OutboundMessage.__table__)
_SENDER_OF = select(_INBOUND.c.wa_id).where(_INBOUND.c.id == bindparam("id"))
_GIVEN_TO_DIALOGUE = (
    update(_INBOUND)
    .where(_INBOUND.c.id == bindparam("message_id"))
    .values(dialogue_at=bindparam("now"))
)


def sender_of(uow: UnitOfWork, message_id: int) -> str | None:
    return uow.session.scalar(_SENDER_OF, {"id": message_id})


def pending_query(checks: Mapping[str, ColumnElement[bool]]) -> Select[Any]:
    """What `next_pending` reads: the oldest pending message of :wa_id up to :up_to_id, with
    `checks` (conditions on :wa_id and :now, e.g. an open handoff) as named columns. Build
    it once and pass it to every call."""
    c = _INBOUND.c
    return (
        select(
            c.id,
            c.message_sid,
            c.body,
            c.profile_name,
            c.num_media,
            c.button_payload,
            c.attempts,
            c.dialogue_at.is_not(None).label("tried"),
            *(check.label(f"check_{name}") for name, check in checks.items()),
        )
        .where(c.wa_id == bindparam("wa_id"), c.status == "pending", c.id <= bindparam("up_to_id"))
        .order_by(c.id)
        .limit(1)
    )


_NEXT_PENDING = pending_query({})


def next_pending(
    uow: UnitOfWork,
    wa_id: str,
    up_to_id: int,
    query: Select[Any] = _NEXT_PENDING,
    now: datetime | None = None,
) -> tuple[PendingInbound, frozenset[str]] | None:
    """The sender's oldest unprocessed message up to `up_to_id` (replies keep arrival order),
    marked as given to the dialogue engine; `dialogue_tried` says an earlier job did so.
    `query`: from `pending_query`, whose checks are read in the same statement (at `now`);
    returned with the message are the names of those that hold."""
    now = now or utcnow()
    row = uow.session.execute(query, {"wa_id": wa_id, "up_to_id": up_to_id, "now": now}).first()
    if row is None:
        return None
    if not row.tried:
        uow.session.execute(_GIVEN_TO_DIALOGUE, {"message_id": row.id, "now": utcnow()})
    media: tuple[Media, ...] = ()
    if row.num_media:  # most messages carry no attachment: no query for their empty list
        media = tuple(
            Media(m.url, m.content_type)
            for m in uow.session.execute(
                select(InboundMedia.url, InboundMedia.content_type)
                .where(InboundMedia.message_id == row.id)
                .order_by(InboundMedia.position)
            )
        )
    msg = PendingInbound(
        id=row.id,
        message_sid=row.message_sid,
        wa_id=wa_id,
        body=row.body,
        profile_name=row.profile_name,
        media=media,
        button_payload=row.button_payload,
        dialogue_tried=bool(row.tried),
        attempts=row.attempts or 0,
    )
    mapping = row._mapping
    return msg, frozenset(k[6:] for k in mapping if k.startswith("check_") and mapping[k])


def note_attempt(uow: UnitOfWork, message_id: int, error: str | None = None) -> None:
    uow.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id)
        .values(attempts=InboundMessage.attempts + 1, last_error=error)
    )


_COMPLETE = (
    update(_INBOUND)
    .where(_INBOUND.c.id == bindparam("message_id"), _INBOUND.c.status == "pending")
    .values(status="processed", processed_at=bindparam("now"), last_error=None)
    .returning(_INBOUND.c.id)
)
_STORE_REPLIES = insert(_OUTBOUND).returning(_OUTBOUND.c.id, sort_by_parameter_order=True)


def complete_inbound(
    uow: UnitOfWork, message_id: int, wa_id: str, to_address: str, replies: list[str]
) -> list[int]:
    """Mark the message processed and store its replies; returns their ids ([] when another
    job completed it first)."""
    session = uow.session
    created = utcnow()
    if session.scalar(_COMPLETE, {"message_id": message_id, "now": created}) is None:
        return []
    rows = [
        {
            "key": f"reply:{message_id}:{i}:{j}",
            "wa_id": wa_id,
            "to_address": to_address,
            "body": part,
            "kind": "reply",
            "in_reply_to_id": message_id,
            "created_at": created,
            "status": "pending",
            "attempts": 0,
        }
        for i, reply in enumerate(replies)
        for j, part in enumerate(split_body(reply))
    ]
    if not rows:
        return []
    return list(session.scalars(_STORE_REPLIES, rows))


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
    return ids


def complete_silently(uow: UnitOfWork, message_id: int, status: str) -> None:
    """Close an inbound message without a bot reply (a human is handling the chat)."""
    uow.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id, InboundMessage.status == "pending")
        .values(status=status, processed_at=utcnow())
    )


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
    return ids


def inbound_state(uow: UnitOfWork, message_sid: str) -> tuple[int, str] | None:
    row = uow.session.execute(
        select(InboundMessage.id, InboundMessage.status).where(
            InboundMessage.message_sid == message_sid
        )
    ).first()
    return None if row is None else (row.id, row.status)


def oldest_pending_ids(uow: UnitOfWork, wa_id: str, limit: int = 1) -> list[int]:
    """The ids of the person's oldest messages still waiting for an answer."""
    return list(
        uow.session.scalars(
            select(InboundMessage.id)
            .where(InboundMessage.wa_id == wa_id, InboundMessage.status == "pending")
            .order_by(InboundMessage.id)
            .limit(limit)
        )
    )


def stale_pending(
    uow: UnitOfWork, older_than: timedelta, limit: int = 500
) -> list[tuple[int, str]]:
    """(id, wa_id) of each person's oldest message pending for longer than `older_than` that
    no failed try is waiting to retry: what a job that died with its worker left behind."""
    cutoff = utcnow() - older_than
    rows = uow.session.execute(
        select(InboundMessage.id, InboundMessage.wa_id)
        .where(
            InboundMessage.status == "pending",
            InboundMessage.attempts == 0,
            InboundMessage.received_at < cutoff,
        )
        .order_by(InboundMessage.id)
        .limit(limit)
    )
    oldest: dict[str, int] = {}
    for row in rows:
        oldest.setdefault(row.wa_id, row.id)
    return [(message_id, wa_id) for wa_id, message_id in oldest.items()]


def pending_summary(uow: UnitOfWork) -> tuple[int, datetime | None]:
    """How many messages wait for an answer, and when the oldest arrived (no personal data)."""
    row = uow.session.execute(
        select(func.count(InboundMessage.id), func.min(InboundMessage.received_at)).where(
            InboundMessage.status == "pending"
        )
    ).one()
    return row[0], row[1]
