"""Sending e-mail with smtplib: smtp://user:pass@host:port, STARTTLS when the server offers it."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit


class MailError(Exception):
    pass


def send_mail(
    smtp_url: str, mail_from: str, to: str, subject: str, body: str, timeout: float = 15
) -> str:
    """Send one plain-text e-mail; returns its Message-ID."""
    url = urlsplit(smtp_url)
    if url.scheme not in ("smtp", "smtps"):
        raise MailError("SMTP_URL must start with smtp:// or smtps://")
    host = url.hostname or "localhost"
    port = url.port or (465 if url.scheme == "smtps" else 587)
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="mara.local")
    msg.set_content(body)
    try:
        smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with smtp_class(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if url.scheme == "smtp" and smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(type(exc).__name__) from exc
    return msg["Message-ID"]
