"""E-mails stored in the database and delivered once (SMTP unset: they stay stored).

The delivery pattern of mara/services/delivery.py: the claim (pending → sending) is
committed in one short transaction, the SMTP server is talked to outside any transaction,
and its outcome is written in a new short one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update

from mara.adapters.smtp_mail import MailError
from mara.clock import utcnow
from mara.db.models import EmailMessage
from mara.db.unit_of_work import UnitOfWork
from mara.services import claims
from mara.services.followup import Mailer

# Longer than an SMTP exchange can take: still `sending` after it, its sender died.
SENDING_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class ClaimedEmail:
    id: int
    to_address: str
    subject: str
    body: str


def claim_email(uow: UnitOfWork, email_id: int) -> ClaimedEmail | None:
    """Move a pending e-mail to `sending` and read it, in one statement: only one job ever
    wins it. None when it was sent or is being sent (the caller commits the claim)."""
    row = uow.session.execute(
        update(EmailMessage)
        .where(EmailMessage.id == email_id, EmailMessage.status == "pending")
        .values(status="sending", next_attempt_at=utcnow() + SENDING_LEASE)
        .returning(
            EmailMessage.id, EmailMessage.to_address, EmailMessage.subject, EmailMessage.body
        )
        .execution_options(synchronize_session=False)
    ).first()
    return None if row is None else ClaimedEmail(row.id, row.to_address, row.subject, row.body)


def finish_email(uow: UnitOfWork, email_id: int, error: str | None) -> str:
    """Record the SMTP server's answer: `sent`, or `failed` with the error."""
    status = "failed" if error else "sent"
    uow.session.execute(
        update(EmailMessage)
        .where(EmailMessage.id == email_id)
        .values(
            status=status,
            error_message=error[:500] if error else None,
            sent_at=utcnow() if status == "sent" else None,
            next_attempt_at=None,
        )
    )
    return status


def recoverable_emails(uow: UnitOfWork, stale_after: timedelta, lease: timedelta) -> list[int]:
    """E-mails to queue again now, leased to the caller for `lease` (the next sweeps leave
    them to the job it queues): pending ones nobody sent (Redis lost the job) and `sending`
    ones whose sender died (sent again: an e-mail twice beats an answer never sent)."""
    return claims.lease_owed(uow, EmailMessage, stale_after, lease, "sender interrupted")


def deliver(uow: Callable[[], UnitOfWork], mailer: Mailer | None, email_id: int) -> str:
    """Send one stored e-mail once; without a mailer (SMTP_URL unset) it stays stored."""
    if mailer is None:
        return "stored"
    with uow() as tx:
        claimed = claim_email(tx, email_id)
        tx.commit()  # before the SMTP server is called: no transaction waits on the network
    if claimed is None:
        return "already sent or being sent"
    error = None
    try:
        mailer(claimed.to_address, claimed.subject, claimed.body)
    except MailError as exc:
        error = str(exc) or type(exc).__name__
    with uow() as tx:
        status = finish_email(tx, email_id, error)
        tx.commit()
    return status
