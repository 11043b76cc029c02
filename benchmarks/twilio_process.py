"""A lean stand-in for Twilio's Messages API, in a process of its own (pipeline_vs_rasa.py).

The benchmark's local Twilio API used to be tests/support/twilio_api.py in the benchmark's own
process: Flask on werkzeug, about 4 ms of CPU per message, sharing the GIL with the 20
conversation threads whose latencies it measures. Twilio's real API does not run on our cores.
This one is a bare asyncio HTTP/1.1 server (keep-alive, as the SDK's urllib3 pool expects) in a
spawned process; it reports each accepted message to the parent, which keeps the records and
wakes whoever waits for them.

    api = TwilioProcess(account_sid, auth_token).start()  # TWILIO_API_BASE_URL=api.base_url
    arrived = api.wait_count("whatsapp:+573…", 2, timeout=120)  # perf_counter, or None
    api.stop()

With `callbacks=True` it also calls back as Twilio does for a WhatsApp message that reaches
the person and is read: `sent`, `delivered` and `read`, each a signed form POSTed to the
message's StatusCallback URL, at CALLBACKS' delays after the send (kept-alive connections,
as many as CALLERS at once). `api.callbacks` lists each one's outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import re
import secrets
import signal
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.twilio_api import basic_auth, error_body, message_resource, refusal  # noqa: E402

MESSAGES_PATH = re.compile(r"/2010-04-01/Accounts/([^/]+)/Messages\.json")

# What the server reports, batched: ("message", sid, time.monotonic() when it arrived, form) per
# accepted message; ("callback", HTTP status or 0 for no answer, seconds it took, when it
# started) per status callback made.
Event = tuple

# Twilio's callbacks for a WhatsApp message that is read, and when (seconds after the send;
# Twilio's real ones come from about a second to minutes later): the rate they add under a
# steady load is the same whatever the delays, three per message.
CALLBACKS = (("sent", 0.3), ("delivered", 0.8), ("read", 2.0))
CALLERS = 16
# A kept-alive connection idle longer is not used again (gunicorn closes one after 2 s).
IDLE_REUSE = 1.5


@dataclass(frozen=True)
class Callback:
    status: int  # HTTP status of the webhook's answer; 0: no answer (connection failed)
    seconds: float
    at: float  # time.monotonic() when it was sent


@dataclass(frozen=True)
class Message:
    sid: str
    at: float  # time.monotonic() when it arrived (system-wide: comparable across processes)
    form: dict[str, str]


class Arrivals:
    """When each message to each number arrived (time.perf_counter()), and a wait for the
    n-th: what the benchmark's closed loop times a turn by, for either local API. A message
    wakes only the thread waiting on its number (one condition per number, one lock): with
    a single condition every arrival woke all 20 conversation threads, ~0.7 ms of the
    benchmark's CPU per message taken from the stack it measures."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at: dict[str, list[float]] = defaultdict(list)
        self._changed: dict[str, threading.Condition] = {}

    def _condition(self, to: str) -> threading.Condition:
        condition = self._changed.get(to)
        if condition is None:
            condition = self._changed[to] = threading.Condition(self._lock)
        return condition

    def add(self, arrived: list[tuple[str, float]]) -> None:
        """Note (To, perf_counter) pairs and wake their numbers' waiters."""
        with self._lock:
            for to, at in arrived:
                self._at[to].append(at)
            for to in {to for to, _ in arrived}:
                self._condition(to).notify_all()

    def wait_count(self, to: str, count: int, timeout: float) -> float | None:
        """When the `count`-th message to `to` arrived; None on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            changed = self._condition(to)
            while len(self._at[to]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                changed.wait(left)
            return self._at[to][count - 1]


class TwilioProcess:
    """The parent's side: starts the server process and collects what it accepted."""

    def __init__(self, account_sid: str, auth_token: str, callbacks: bool = False):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.calls_back = callbacks
        self.base_url = ""
        self.arrivals = Arrivals()
        self.callbacks: list[Callback] = []  # extended by the reader thread
        self._messages: list[Message] = []
        # Both clocks are CLOCK_MONOTONIC on Linux; rebase anyway, measured once.
        self._offset = time.perf_counter() - time.monotonic()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._reader: threading.Thread | None = None

    def start(self, timeout: float = 60.0) -> TwilioProcess:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(child, self.account_sid, self.auth_token, self.calls_back),
            name="twilio-api",
            daemon=True,
        )
        self._process.start()
        child.close()
        deadline = time.monotonic() + timeout
        # The port comes once the server listens (after the child's imports).
        while not self._conn.poll(0.2):
            if not self._process.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the local Twilio API process did not start")
        try:
            port = self._conn.recv()
        except EOFError:
            self.stop()
            raise RuntimeError("the local Twilio API process exited while starting") from None
        self.base_url = f"http://127.0.0.1:{port}"
        self._reader = threading.Thread(
            target=self._read, args=(self._conn,), name="twilio-api-reader", daemon=True
        )
        self._reader.start()
        return self

    def stop(self) -> None:
        if self._process is None or self._conn is None:
            return
        with contextlib.suppress(OSError):
            self._conn.send(None)  # any message (or EOF) stops the server
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        if self._reader is not None:
            self._reader.join(5)  # ends at the EOF the exited child leaves
        self._conn.close()
        self._process = self._conn = self._reader = None

    def messages(self) -> list[Message]:
        return list(self._messages)  # extended by one thread, copied whole (the GIL)

    def wait_count(self, to: str, count: int, timeout: float) -> float | None:
        return self.arrivals.wait_count(to, count, timeout)

    def _read(self, conn: Connection) -> None:
        while True:
            try:
                events: list[Event] = conn.recv()
            except (EOFError, OSError):
                return
            messages = [Message(*e[1:]) for e in events if e[0] == "message"]
            self.callbacks.extend(Callback(*e[1:]) for e in events if e[0] == "callback")
            # The records first: whoever the arrivals wake finds them.
            self._messages.extend(messages)
            self.arrivals.add([(m.form.get("To", ""), m.at + self._offset) for m in messages])


# --- the server process ---


def _serve(conn: Connection, account_sid: str, auth_token: str, callbacks: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops us
    asyncio.run(_run(conn, account_sid, auth_token, callbacks))


async def _run(conn: Connection, account_sid: str, auth_token: str, callbacks: bool) -> None:
    loop = asyncio.get_running_loop()
    api = _Api(conn, account_sid, auth_token, _Caller(auth_token) if callbacks else None)
    server = await asyncio.start_server(api.handle, "127.0.0.1", 0, backlog=512)
    stop = asyncio.Event()
    # The parent writes only to stop us; its exit (EOF) does as well.
    loop.add_reader(conn.fileno(), stop.set)
    conn.send(server.sockets[0].getsockname()[1])
    await stop.wait()
    loop.remove_reader(conn.fileno())
    server.close()
    api.flush()
    conn.close()


class _Api:
    def __init__(self, conn: Connection, account_sid: str, auth_token: str, caller: _Caller | None):
        self._conn = conn
        self._account_sid = account_sid
        self._credentials = (account_sid, auth_token)
        self._pending: list[Event] = []
        self._caller = caller
        self._tasks: set[asyncio.Task] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._exchange(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection, between requests or mid-request
        finally:
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Reads one request and answers it; False when the connection is to be closed."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            _write(writer, *_error(431, 400, "Request header fields too large"), close=True)
            return False
        lines = head.lstrip(b"\r\n").decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            _write(writer, *_error(400, 400, "Malformed request"), close=True)
            return False
        method, target, version = parts
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        keep_alive = "close" not in tokens if version == "HTTP/1.1" else "keep-alive" in tokens
        # The SDK (urllib3) always sends a Content-Length: no chunked bodies here.
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            length = -1
        if length < 0 or "transfer-encoding" in headers:
            _write(writer, *_error(400, 400, "Only Content-Length bodies"), close=True)
            return False
        body = await reader.readexactly(length) if length else b""
        status, payload = self._respond(method, target, headers, body)
        _write(writer, status, payload, close=not keep_alive)
        await writer.drain()
        return keep_alive

    def _respond(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict]:
        at = time.monotonic()
        path = target.partition("?")[0]
        match = MESSAGES_PATH.fullmatch(path)
        if method != "POST" or match is None:
            return _error(404, 20404, f"The requested resource {path} was not found")
        account = match[1]
        if (
            basic_auth(headers.get("authorization", "")) != self._credentials
            or account != self._account_sid
        ):
            return _error(401, 20003, "Authenticate")
        form: dict[str, str] = {}
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                form.setdefault(key, value)  # the first of repeated keys, as the mock's form
        refused = refusal(form)
        if refused:
            return _error(400, *refused)
        sid = "SM" + secrets.token_hex(16)
        self._report(("message", sid, at, form))
        if self._caller is not None and form.get("StatusCallback"):
            task = asyncio.get_running_loop().create_task(self._call_back(sid, at, form))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return 201, message_resource(account, sid, form, datetime.now(timezone.utc))

    async def _call_back(self, sid: str, sent: float, message: dict[str, str]) -> None:
        assert self._caller is not None
        for status, delay in CALLBACKS:
            await asyncio.sleep(max(0.0, sent + delay - time.monotonic()))
            form = {
                "AccountSid": self._account_sid,
                "ApiVersion": "2010-04-01",
                "ChannelPrefix": "whatsapp",
                "ChannelToAddress": message.get("To", "").removeprefix("whatsapp:"),
                "From": message.get("From", ""),
                "MessageSid": sid,
                "MessageStatus": status,
                "SmsSid": sid,
                "SmsStatus": status,
                "To": message.get("To", ""),
            }
            started = time.monotonic()
            code = await self._caller.post(message["StatusCallback"], form)
            self._report(("callback", code, time.monotonic() - started, started))

    def _report(self, event: Event) -> None:
        # Batched per turn of the event loop: sent right after the current callbacks.
        if not self._pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self._pending.append(event)

    def flush(self) -> None:
        if self._pending:
            events, self._pending = self._pending, []
            # If the parent is gone, its EOF stops the server.
            with contextlib.suppress(OSError):
                self._conn.send(events)


class _Caller:
    """Signed form POSTs to the webhook, on kept-alive connections (CALLERS at most)."""

    def __init__(self, auth_token: str):
        from twilio.request_validator import RequestValidator

        self._validator = RequestValidator(auth_token)
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self._slots = asyncio.Semaphore(CALLERS)

    async def post(self, url: str, form: dict[str, str]) -> int:
        """The answer's HTTP status; 0 when none came."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        body = urlencode(form).encode()
        request = (
            f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Twilio-Signature: {self._validator.compute_signature(url, form)}\r\n\r\n"
        ).encode() + body
        async with self._slots:
            fresh = False
            while True:
                reader, writer = await self._connection(parts, fresh)
                try:
                    writer.write(request)
                    await writer.drain()
                    status, keep = await _read_answer(reader)
                except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                    writer.close()
                    if not fresh:  # the server closed a kept-alive connection: a new one
                        fresh = True
                        continue
                    return 0
                if keep:
                    self._idle.append((reader, writer, time.monotonic()))
                else:
                    writer.close()
                return status

    async def _connection(
        self, parts, fresh: bool
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self._idle and not fresh:
            reader, writer, used = self._idle.pop()
            if time.monotonic() - used < IDLE_REUSE:
                return reader, writer
            writer.close()
        return await asyncio.open_connection(parts.hostname, parts.port)


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """An HTTP/1.1 answer's status, its body read; and whether the connection stays open."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ")[1])
    headers = {}
    for line in head[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif status != 204 and status >= 200:
        await reader.read()  # until the server closes
        return status, False
    return status, headers.get("connection") != "close"


def _write(writer: asyncio.StreamWriter, status: int, payload: dict, close: bool) -> None:
    body = json.dumps(payload).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        f"Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"{'Connection: close' if close else 'Connection: keep-alive'}\r\n\r\n"
    )
    writer.write(head.encode() + body)


def _error(status: int, code: int, message: str) -> tuple[int, dict]:
    return status, error_body(status, code, message)
