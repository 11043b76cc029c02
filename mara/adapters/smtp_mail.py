"""Sending e-mail with smtplib: smtp://user:pass@host:port (STARTTLS when the server offers
it) or smtps:// (implicit TLS). The one SMTP adapter: answers to people (services/mail.py) and
the SLA sweep's reminders (services/followup.py) both go through it."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit


class MailError(Exception):
    """The SMTP server could not be reached or refused the message (no addresses in it)."""


def send_mail(
    smtp_url: str,
    mail_from: str,
    to: str | list[str],
    subject: str,
    body: str,
    timeout: float = 15,
) -> str:
    """Send one plain-text e-mail; returns its Message-ID."""
    url = urlsplit(smtp_url)
    if url.scheme not in ("smtp", "smtps"):
        raise MailError("SMTP_URL must start with smtp:// or smtps://")
    host = url.hostname or "localhost"
    port = url.port or (465 if url.scheme == "smtps" else 587)
    recipients = [to] if isinstance(to, str) else list(to)
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=mail_from.rpartition("@")[2].strip("> ") or "mara.local")
    msg.set_content(body)
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if url.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if url.scheme == "smtp" and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(msg, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(type(exc).__name__) from exc
    return str(msg["Message-ID"])
