"""The handoff desk: chats waiting for an adviser, the adviser's replies, release to the bot."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from mara.clock import utcnow
from mara.db.models import Handoff, InboundMessage, OutboundMessage, Requester
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import split_body
from mara.services import contact


@dataclass(frozen=True)
class WaitingChat:
    wa_id: str
    requested_at: datetime
    expires_at: datetime
    profile_name: str | None
    last_message_at: datetime | None


def waiting(uow: UnitOfWork, now: datetime) -> list[WaitingChat]:
    session = uow.session
    rows = session.scalars(
        select(Handoff)
        .where(Handoff.released_at.is_(None), Handoff.expires_at > now)
        .order_by(Handoff.requested_at)
    )
    chats = []
    for h in rows:
        last = session.execute(
            select(InboundMessage.profile_name, InboundMessage.received_at)
            .where(InboundMessage.wa_id == h.wa_id)
            .order_by(InboundMessage.id.desc())
            .limit(1)
        ).first()
        chats.append(
            WaitingChat(
                h.wa_id,
                h.requested_at,
                h.expires_at,
                last.profile_name if last else None,
                last.received_at if last else None,
            )
        )
    return chats


def is_waiting(uow: UnitOfWork, wa_id: str, now: datetime) -> bool:
    return contact.handoff_active(uow, wa_id, now)


def reply(uow: UnitOfWork, wa_id: str, text: str) -> list[int]:
    """Store the adviser's message for the person; the caller commits and enqueues it."""
    text = text.strip()
    if not text:
        raise ValueError("empty reply")
    batch = secrets.token_hex(6)
    rows = [
        OutboundMessage(
            key=f"adviser:{wa_id}:{batch}:{i}",
            wa_id=wa_id,
            to_address=f"whatsapp:+{wa_id}",
            body=part,
            kind="adviser",
            created_at=utcnow(),
        )
        for i, part in enumerate(split_body(text))
    ]
    uow.session.add_all(rows)
    uow.session.flush()
    return [r.id for r in rows]


def known_name(uow: UnitOfWork, wa_id: str) -> str | None:
    return uow.session.scalar(
        select(Requester.full_name)
        .where(Requester.wa_id == wa_id, Requester.consent_id.is_not(None))
        .order_by(Requester.id.desc())
        .limit(1)
    )


def count_waiting(uow: UnitOfWork, now: datetime) -> int:
    return (
        uow.session.scalar(
            select(func.count())
            .select_from(Handoff)
            .where(Handoff.released_at.is_(None), Handoff.expires_at > now)
        )
        or 0
    )
