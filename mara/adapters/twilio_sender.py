"""Sending WhatsApp messages: the sender protocol, Twilio's SDK sender and the console outbox."""

from __future__ import annotations

import json
import logging
import os
from base64 import b64encode
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies, proxy_bypass

import certifi
import urllib3
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError

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


class TransportError(Exception):
    """Twilio's API could not be reached or did not answer. `sent`: the request may have
    arrived (a read timeout, a connection lost while waiting for the answer)."""

    def __init__(self, name: str, sent: bool):
        super().__init__(name)
        self.name, self.sent = name, sent


class PooledHttpClient(HttpClient):
    """The twilio SDK's HTTP client interface (`Client(http_client=…)`) on one urllib3 pool
    per process: the SDK builds and reads every request as always, without requests' per-call
    preparation (session merge, environment and proxy lookups, hooks), which cost the worker
    about a fifth of its CPU per turn (benchmarks/worker_turn_cpu.py --profile). An HTTPS
    proxy in the environment (HTTPS_PROXY, NO_PROXY) and REQUESTS_CA_BUNDLE are read once."""

    def __init__(self, base_url: str, timeout: float):
        super().__init__(logging.getLogger("twilio.http_client"), False, timeout)
        self._base_url = base_url.rstrip("/")
        target = urlsplit(self._base_url)
        proxy = getproxies().get(target.scheme)
        if proxy and proxy_bypass(target.hostname or ""):
            proxy = None
        ca_certs = os.environ.get("REQUESTS_CA_BUNDLE") or certifi.where()
        self._http: urllib3.PoolManager = (
            urllib3.ProxyManager(proxy, maxsize=8, ca_certs=ca_certs)
            if proxy
            else urllib3.PoolManager(maxsize=8, ca_certs=ca_certs)
        )

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if url.startswith(TWILIO_DEFAULT_BASE):
            url = self._base_url + url[len(TWILIO_DEFAULT_BASE) :]
        if params:
            url += ("&" if "?" in url else "?") + urlencode(_pairs(params))
        headers = dict(headers or {})
        if auth:
            token = b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        body = None
        if data is not None:
            if headers.get("Content-Type", "").endswith("json"):
                body = json.dumps(data)
            else:
                body = urlencode(_pairs(data))
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        try:
            answer = self._http.request(
                method.upper(),
                url,
                body=body,
                headers=headers,
                timeout=timeout if timeout is not None else self.timeout,
                redirect=allow_redirects,
                retries=False,
            )
        except (NewConnectionError, ConnectTimeoutError) as exc:
            # Nothing reached Twilio (refused, DNS, connect timeout): safe to send again.
            # (urllib3 makes NewConnectionError a kind of ConnectTimeoutError: ask it first.)
            name = "ConnectionError" if isinstance(exc, NewConnectionError) else "ConnectTimeout"
            raise TransportError(name, sent=False) from exc
        except ReadTimeoutError as exc:
            raise TransportError("ReadTimeout", sent=True) from exc
        except urllib3.exceptions.HTTPError as exc:
            # A connection lost mid-answer, a broken TLS session…: Twilio may have it.
            raise TransportError(type(exc).__name__, sent=True) from exc
        return Response(answer.status, answer.data.decode("utf-8"), answer.headers)


def _pairs(values: dict[str, object]) -> list[tuple[str, object]]:
    """Form pairs as the SDK's own client sends them: lists repeat the key, None is left out."""
    return [
        (key, item)
        for key, value in values.items()
        for item in (value if isinstance(value, (list, tuple)) else [value])
        if item is not None
    ]


class TwilioSender:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str = TWILIO_DEFAULT_BASE,
        timeout: float = 15.0,
    ):
        self._client = Client(
            account_sid, auth_token, http_client=PooledHttpClient(base_url, timeout)
        )
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
        except TransportError as exc:
            raise TransientSendError(exc.name, unconfirmed=exc.sent) from exc
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
        except TransportError as exc:
            raise TransientSendError(f"lookup: {exc.name}", unconfirmed=True) from exc
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
