"""Recovery use cases: find the inbound messages an outage left unanswered (Redis lost
their jobs, a worker died, Rasa was down past the job's retries) so they are queued again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from mara.clock import utcnow
from mara.db.models import InboundMessage
from mara.db.unit_of_work import UnitOfWork


def recoverable_inbound(
    uow: UnitOfWork,
    stale_after: timedelta,
    lease: timedelta,
    failed_retry_every: timedelta,
    failed_window: timedelta,
) -> list[int]:
    """Inbound messages to queue again now, leased to the caller (the next sweeps leave
    them alone for `lease`, or `failed_retry_every` for failed ones): pending ones older
    than `stale_after`, and failed ones received within `failed_window` (answered late
    rather than never; `mara replay` takes older ones)."""
    session = uow.session
    now = utcnow()
    due = (InboundMessage.next_attempt_at.is_(None)) | (InboundMessage.next_attempt_at <= now)
    pending = list(
        session.scalars(
            select(InboundMessage.id).where(
                InboundMessage.status == "pending",
                InboundMessage.received_at < now - stale_after,
                due,
            )
        )
    )
    failed = list(
        session.scalars(
            select(InboundMessage.id).where(
                InboundMessage.status == "failed",
                InboundMessage.received_at > now - failed_window,
                due,
            )
        )
    )
    if pending:
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_(pending))
            .values(next_attempt_at=now + lease)
        )
    if failed:
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_(failed), InboundMessage.status == "failed")
            .values(status="pending", next_attempt_at=now + failed_retry_every)
        )
    return sorted(pending + failed)
