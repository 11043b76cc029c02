"""Sending WhatsApp messages: the sender protocol, Twilio's SDK sender and the console outbox."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from mara.domain.messages import UNCONFIRMED

log = logging.getLogger(__name__)

TWILIO_DEFAULT_BASE = "https://api.twilio.com"


@dataclass(frozen=True)
class SendResult:
    provider_sid: str | None
    status: str


class TransientSendError(Exception):
    """The send may work if tried again later (network, 5xx, 429). `unconfirmed`: the
    request left and no answer came back (a read timeout), so Twilio may have accepted it;
    the message says so, and is kept as the outbound row's error until the next try."""

    def __init__(self, message: str, unconfirmed: bool = False):
        super().__init__(f"{UNCONFIRMED}{message}" if unconfirmed else message)
        self.unconfirmed = unconfirmed


# Twilio's and our clocks differ a little; a message created this long before the outbound
# row existed cannot be it.
CLOCK_SKEW = timedelta(seconds=30)


class PermanentSendError(Exception):
    """Retrying will not help (bad number, rejected content, 4xx)."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class WhatsAppSender(Protocol):
    def send(
        self,
        to: str,
        body: str,
        status_callback: str | None,
        content_sid: str | None = None,
        content_variables: dict | None = None,
    ) -> SendResult: ...

    def find_sent(
        self, to: str, body: str, since: datetime, known_sids: set[str]
    ) -> SendResult | None:
        """A message to `to` with this body accepted since `since` and not one of
        `known_sids`: the trace of an attempt whose answer was lost."""
        ...


class _BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, with the API host swapped for TWILIO_API_BASE_URL."""

    def __init__(self, base_url: str, timeout: float):
        super().__init__(timeout=timeout)
        self._base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_DEFAULT_BASE):
            url = self._base_url + url[len(TWILIO_DEFAULT_BASE) :]
        return super().request(method, url, *args, **kwargs)


class TwilioSender:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str = TWILIO_DEFAULT_BASE,
        timeout: float = 15.0,
    ):
        http_client = None
        if base_url.rstrip("/") != TWILIO_DEFAULT_BASE:
            http_client = _BaseUrlHttpClient(base_url, timeout)
        else:
            http_client = TwilioHttpClient(timeout=timeout)
        self._client = Client(account_sid, auth_token, http_client=http_client)
        self._from = (
            from_number if from_number.startswith("whatsapp:") else f"whatsapp:{from_number}"
        )

    def send(
        self,
        to: str,
        body: str,
        status_callback: str | None,
        content_sid: str | None = None,
        content_variables: dict | None = None,
    ) -> SendResult:
        # Outside WhatsApp's 24-hour window only an approved template (Content API) goes out.
        content = (
            {"content_sid": content_sid, "content_variables": json.dumps(content_variables or {})}
            if content_sid
            else {"body": body}
        )
        try:
            message = self._client.messages.create(
                to=to, from_=self._from, status_callback=status_callback, **content
            )
        except TwilioRestException as exc:
            if exc.status >= 500 or exc.status == 429:
                raise TransientSendError(f"Twilio answered {exc.status}") from exc
            raise PermanentSendError(
                f"Twilio rejected the message ({exc.status})", str(exc.code or exc.status)
            ) from exc
        except (requests.ConnectionError, requests.ConnectTimeout) as exc:
            # Nothing reached Twilio (refused, DNS, connect timeout): safe to send again.
            if isinstance(exc, requests.ReadTimeout) or _after_request_sent(exc):
                raise TransientSendError(type(exc).__name__, unconfirmed=True) from exc
            raise TransientSendError(type(exc).__name__) from exc
        except requests.RequestException as exc:
            # A read timeout or a connection lost mid-answer: Twilio may have the message.
            raise TransientSendError(type(exc).__name__, unconfirmed=True) from exc
        return SendResult(provider_sid=message.sid, status=message.status or "queued")

    def find_sent(
        self, to: str, body: str, since: datetime, known_sids: set[str]
    ) -> SendResult | None:
        try:
            recent = self._client.messages.list(to=to, from_=self._from, limit=50)
        except TwilioRestException as exc:
            # Still unknown whether the first attempt arrived: the mark stays for the next try.
            raise TransientSendError(
                f"Twilio answered {exc.status} to the lookup", unconfirmed=True
            ) from exc
        except requests.RequestException as exc:
            raise TransientSendError(f"lookup: {type(exc).__name__}", unconfirmed=True) from exc
        for message in recent:
            created = message.date_created
            if message.sid in known_sids or message.body != body:
                continue
            if created is not None and created < since - CLOCK_SKEW:
                continue
            return SendResult(provider_sid=message.sid, status=message.status or "queued")
        return None


class ConsoleSender:
    """No Twilio account: the stored outbound message is the delivery (mara chat reads it)."""

    def send(
        self,
        to: str,
        body: str,
        status_callback: str | None,
        content_sid: str | None = None,
        content_variables: dict | None = None,
    ) -> SendResult:
        log.info("console delivery (%d characters)", len(body))
        return SendResult(provider_sid=None, status="console")

    def find_sent(
        self, to: str, body: str, since: datetime, known_sids: set[str]
    ) -> SendResult | None:
        return None


def _after_request_sent(exc: requests.RequestException) -> bool:
    """A ConnectionError raised while reading the answer (reset, closed): the request left."""
    text = repr(exc)
    return "RemoteDisconnected" in text or "Connection aborted" in text or "ReadTimeout" in text
