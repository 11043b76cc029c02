"""A local server speaking the part of Twilio's Messages API that the twilio SDK uses.

Tests point TWILIO_API_BASE_URL at it and read back the exact requests the SDK built.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from werkzeug.serving import make_server


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, str]
    auth: tuple[str, str] | None
    user_agent: str
    sid: str | None = None
    at: float = field(default_factory=time.monotonic)
    created: datetime | None = None


class TwilioApi:
    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[Recorded] = []
        self._failures: list[int] = []
        self._delays: list[float] = []
        self.down = False  # every create answers 500 while True (an outage)
        self.lookups = 0
        self._lock = threading.Lock()
        self.app = self._build()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.port = self._server.server_port
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> TwilioApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def fail_next(self, *statuses: int) -> None:
        """The next create calls answer these HTTP statuses instead of accepting (0: that
        call is accepted)."""
        with self._lock:
            self._failures.extend(statuses)

    def slow_next(self, *seconds: float) -> None:
        """The next create calls accept the message but answer only after these delays."""
        with self._lock:
            self._delays.extend(seconds)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()
            self._delays.clear()
            self.down = False
            self.lookups = 0

    def messages(self, to: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.sid and (to is None or r.form.get("To") == to)]

    def wait_for(self, count: int, to: str | None = None, timeout: float = 30) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages(to)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(
            f"expected {count} message(s) to {to}, "
            f"got {[m.form.get('Body') for m in self.messages(to)]}"
        )

    def _build(self) -> Flask:
        app = Flask("fake-twilio")
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        @app.post("/2010-04-01/Accounts/<account>/Messages.json")
        def create_message(account: str):
            auth = basic_auth(request.headers.get("Authorization", ""))
            record = Recorded(
                "POST",
                request.path,
                request.form.to_dict(),
                auth,
                request.headers.get("User-Agent", ""),
            )
            with self._lock:
                self.requests.append(record)
                failure = self._failures.pop(0) if self._failures else None
                if failure is None and self.down:
                    failure = 500
                delay = self._delays.pop(0) if self._delays and not failure else 0.0
            if auth != (self.account_sid, self.auth_token) or account != self.account_sid:
                return _error(401, 20003, "Authenticate")
            if failure:
                return _error(failure, 20500 if failure >= 500 else 21211, "Injected failure")
            refused = refusal(record.form)
            if refused:
                return _error(400, *refused)
            sid = "SM" + secrets.token_hex(16)
            record.sid = sid
            record.created = datetime.now(timezone.utc)
            if delay:
                time.sleep(delay)  # accepted, but the answer comes after the client gave up
            return jsonify(self._resource(account, record)), 201

        @app.get("/2010-04-01/Accounts/<account>/Messages.json")
        def list_messages(account: str):
            if basic_auth(request.headers.get("Authorization", "")) != (
                self.account_sid,
                self.auth_token,
            ):
                return _error(401, 20003, "Authenticate")
            to, from_ = request.args.get("To"), request.args.get("From")
            with self._lock:
                found = [
                    r
                    for r in reversed(self.requests)
                    if r.sid
                    and (to is None or r.form.get("To") == to)
                    and (from_ is None or r.form.get("From") == from_)
                ]
                self.lookups += 1
            return jsonify(
                {
                    "messages": [self._resource(account, r) for r in found],
                    "end": max(len(found) - 1, 0),
                    "first_page_uri": request.full_path,
                    "next_page_uri": None,
                    "page": 0,
                    "page_size": 50,
                    "previous_page_uri": None,
                    "start": 0,
                    "uri": request.full_path,
                }
            )

        return app

    def _resource(self, account: str, record: Recorded) -> dict:
        return message_resource(
            account, record.sid or "", record.form, record.created or datetime.now(timezone.utc)
        )


def refusal(form: dict[str, str]) -> tuple[int, str] | None:
    """Twilio's error code and message for a create request it refuses with 400, if any."""
    if not form.get("To") or not form.get("From"):
        return 21604, "A 'To' and 'From' phone number is required."
    if not form.get("Body") and not form.get("ContentSid") and not form.get("MediaUrl"):
        return 21602, "Message body is required."
    if len(form.get("Body", "")) > 1600:
        return 21617, "The concatenated message body exceeds the 1600 character limit."
    return None


def message_resource(account: str, sid: str, form: dict[str, str], created: datetime) -> dict:
    """The message resource Twilio answers a create (or lists) with."""
    stamp = created.strftime("%a, %d %b %Y %H:%M:%S +0000")
    return {
        "account_sid": account,
        "api_version": "2010-04-01",
        "body": form.get("Body", ""),
        "date_created": stamp,
        "date_sent": None,
        "date_updated": stamp,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form["From"],
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
        "to": form["To"],
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
    }


def error_body(status: int, code: int, message: str) -> dict:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def basic_auth(header: str) -> tuple[str, str] | None:
    """(user, password) of an HTTP Basic Authorization header; None if absent or malformed."""
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _error(status: int, code: int, message: str):
    return jsonify(error_body(status, code, message)), status
