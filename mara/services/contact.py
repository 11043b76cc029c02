"""A person's contact preferences: opt-out (BAJA/ALTA) and handoff to a human adviser."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Table, exists, select

from mara.clock import utcnow
from mara.db.models import (
    ContactPreference,
    Handoff,
)
from mara.db.unit_of_work import UnitOfWork


def set_opt_out(uow: UnitOfWork, wa_id: str, opted_out: bool, message_sid: str | None) -> None:
    session = uow.session
    row = session.get(ContactPreference, wa_id)
    if row is None:
        row = ContactPreference(wa_id=wa_id)
        session.add(row)
    row.opted_out = opted_out
    row.changed_at = utcnow()
    row.message_sid = message_sid


def is_opted_out(uow: UnitOfWork, wa_id: str) -> bool:
    row = uow.session.get(ContactPreference, wa_id)
    return bool(row and row.opted_out)


def request_handoff(uow: UnitOfWork, wa_id: str, now: datetime, hours: int = 24) -> int:
    """Mark the conversation as waiting for an adviser (one open request per number)."""
    open_one = _open_handoff(uow, wa_id, now)
    if open_one is not None:
        return open_one.id
    row = Handoff(wa_id=wa_id, requested_at=now, expires_at=now + timedelta(hours=hours))
    uow.session.add(row)
    uow.session.flush()
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


def handoff_open(
    wa_id: str | ColumnElement[str], now: datetime | ColumnElement[datetime]
) -> ColumnElement[bool]:
    """Whether an adviser has this conversation (a Core condition for one statement; `wa_id`
    and `now` may be bind parameters)."""
    c = cast(Table, Handoff.__table__).c
    return exists().where(c.wa_id == wa_id, c.released_at.is_(None), c.expires_at > now)


def release_handoff(uow: UnitOfWork, wa_id: str, now: datetime, by: str) -> bool:
    row = _open_handoff(uow, wa_id, now)
    if row is None:
        return False
    row.released_at = now
    row.released_by = by
    return True


def waiting_handoffs(uow: UnitOfWork, now: datetime) -> list[tuple[str, datetime]]:
    rows = uow.session.scalars(
        select(Handoff)
        .where(Handoff.released_at.is_(None), Handoff.expires_at > now)
        .order_by(Handoff.requested_at)
    )
    return [(r.wa_id, r.requested_at) for r in rows]
