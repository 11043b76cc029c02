"""RQ entry point for e-mails stored by the services (answers to people, staff notices)."""

from __future__ import annotations

from mara.db.unit_of_work import UnitOfWork
from mara.jobs.followup import mailer
from mara.services import mail
from mara.settings import load_settings


def send_email(email_id: int) -> str:
    """Send one stored e-mail once (SMTP unset: it stays stored)."""
    settings = load_settings()
    return mail.deliver(lambda: UnitOfWork(settings.database_url), mailer(settings), email_id)
