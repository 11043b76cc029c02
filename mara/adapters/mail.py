"""Outgoing e-mail over SMTP (smtplib): `smtp://user:pass@host:port`, STARTTLS when offered."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit


class MailError(Exception):
    """The SMTP server could not be reached or refused the message."""


def send_email(smtp_url: str, mail_from: str, to: str | list[str], subject: str, body: str) -> str:
    """Send one plain-text e-mail; returns its Message-ID. `smtps://` uses implicit TLS."""
    parts = urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("SMTP_URL must look like smtp://user:pass@host:port")
    recipients = [to] if isinstance(to, str) else list(to)
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=mail_from.rpartition("@")[2] or None)
    message.set_content(body)
    host = parts.hostname or "127.0.0.1"
    context = ssl.create_default_context()
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, parts.port or 465, timeout=20, context=context
            )
        else:
            client = smtplib.SMTP(host, parts.port or 25, timeout=20)
        with client:
            client.ehlo()
            if parts.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message, from_addr=mail_from, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:300]) from exc
    return str(message["Message-ID"])
