"""RQ entry point for e-mails stored by the services (answers to people, staff notices)."""

from __future__ import annotations

from mara.services import mail
from mara.settings import load_settings


def send_email(email_id: int) -> str:
    """Send one stored e-mail once (SMTP unset: it stays stored)."""
    return mail.deliver(load_settings(), email_id)
