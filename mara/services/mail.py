"""E-mails stored in the database and delivered once (SMTP unset: they stay stored)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from mara.adapters.smtp_mail import MailError, send_mail
from mara.clock import utcnow
from mara.db.models import EmailMessage
from mara.db.unit_of_work import UnitOfWork
from mara.settings import Settings


def deliver(settings: Settings, email_id: int) -> str:
    """Send one stored e-mail if SMTP is configured; each e-mail is claimed once."""
    if not settings.smtp_url:
        return "stored"
    with UnitOfWork(settings.database_url) as uow:
        claimed = uow.session.execute(  # an UPDATE: a CursorResult with a rowcount
            update(EmailMessage)
            .where(EmailMessage.id == email_id, EmailMessage.status == "pending")
            .values(status="sending")
        )
        uow.commit()
        if cast(CursorResult, claimed).rowcount != 1:
            return "already sent or being sent"
        row = uow.session.scalar(select(EmailMessage).where(EmailMessage.id == email_id))
        assert row is not None  # claimed just above
        to, subject, body = row.to_address, row.subject, row.body
        uow.commit()
    status, error = "sent", None
    try:
        send_mail(settings.smtp_url, settings.mail_from, to, subject, body)
    except MailError as exc:
        status, error = "failed", str(exc)
    with UnitOfWork(settings.database_url) as uow:
        uow.session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == email_id)
            .values(
                status=status,
                error_message=error,
                sent_at=utcnow() if status == "sent" else None,
            )
        )
        uow.commit()
    return status
