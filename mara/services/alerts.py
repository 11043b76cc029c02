"""Staff alerts (`staff_alerts`): facts staff must see and act on, e.g. a message MARA could
not deliver after every retry; raised once per key, listed on the follow-ups page, resolved
there by AU.

One fact, one alert: the staff desk's answer to a request (outbound kinds in
`mara.domain.messages.ANSWER_KINDS`, tied to a ticket) is followed up by the SLA sweep as an
`answer_undelivered` follow-up (mara/services/followup.py) — it names the request, is e-mailed
to AU and also catches Twilio's later `failed`/`undelivered` callbacks — so no alert is raised
for it here. Every other message MARA could not deliver is a `delivery_failed` alert."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from mara.clock import utcnow
from mara.db.models import OutboundMessage, StaffAlert, Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import ANSWER_KINDS

DELIVERY_FAILED = "delivery_failed"


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    wa_id: str | None
    radicado: str | None  # the request the undelivered message belonged to, if any
    detail: str | None
    created_at: datetime


def raise_alert(
    uow: UnitOfWork,
    kind: str,
    key: str,
    wa_id: str | None = None,
    outbound_id: int | None = None,
    inbound_id: int | None = None,
    detail: str | None = None,
) -> bool:
    """A staff alert, once per key (the caller commits); False when it was raised before."""
    session = uow.session
    if session.scalar(select(StaffAlert.id).where(StaffAlert.key == key)) is not None:
        return False
    session.add(
        StaffAlert(
            kind=kind,
            key=key,
            wa_id=wa_id,
            outbound_id=outbound_id,
            inbound_id=inbound_id,
            detail=(detail or "")[:500] or None,
            created_at=utcnow(),
        )
    )
    session.flush()
    return True


def alert_undelivered(uow: UnitOfWork, row: OutboundMessage, error: str | None) -> bool:
    """A message failed for good: a `delivery_failed` alert, unless it carried the desk's
    answer to a request (the sweep's `answer_undelivered` follow-up tells AU of that one)."""
    if row.kind in ANSWER_KINDS and row.ticket_id is not None:
        return False
    return raise_alert(
        uow,
        kind=DELIVERY_FAILED,
        key=f"{DELIVERY_FAILED}:{row.id}",
        wa_id=row.wa_id,
        outbound_id=row.id,
        detail=error,
    )


def open_alerts(uow: UnitOfWork, limit: int = 200) -> list[AlertView]:
    """Unresolved staff alerts, newest first (the follow-ups page shows them to AU)."""
    rows = uow.session.execute(
        select(StaffAlert, Ticket.radicado)
        .outerjoin(OutboundMessage, OutboundMessage.id == StaffAlert.outbound_id)
        .outerjoin(Ticket, Ticket.id == OutboundMessage.ticket_id)
        .where(StaffAlert.resolved_at.is_(None))
        .order_by(StaffAlert.id.desc())
        .limit(limit)
    )
    return [
        AlertView(a.id, a.kind, a.wa_id, radicado, a.detail, a.created_at) for a, radicado in rows
    ]


def resolve_alert(uow: UnitOfWork, alert_id: int, by: str, now: datetime) -> bool:
    """Staff mark an alert as handled; False when it was already (or does not exist)."""
    done = uow.session.execute(
        update(StaffAlert)
        .where(StaffAlert.id == alert_id, StaffAlert.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by=by[:120])
    )
    return cast(CursorResult, done).rowcount == 1
