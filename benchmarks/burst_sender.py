"""The burst's webhooks, posted from a process of their own (pipeline_vs_rasa.py).

Twilio's webhook senders are not on the machine under test, and here they should not share
a GIL with the benchmark's local Twilio API (which receives the replies meanwhile): in one
process, an ack waited for the interpreter as well as for the server.

What an ack's latency counts is the server's part: from the request's first byte sent (on a
new connection, as each of Twilio's webhook requests may come) until its status line and body
are read. Each form is built and signed before the burst starts, and the posts go through
http.client: with requests (a session made per call, its per-call preparation), 128 sender
threads spent milliseconds each in Python after the clock had started, under one GIL
(2026-12-04: p50 95–258 ms on a slower machine while the server's own handling took 56).
"""

from __future__ import annotations

import http.client
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mara.ops.chat import inbound_form, twilio_signature  # noqa: E402

PATH = "/twilio/whatsapp"


def signed_request(settings, form: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """The body and headers Twilio would send for `form` (signed over PUBLIC_URL + path)."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(settings, PATH, form),
    }
    return urlencode(form).encode(), headers


def send(settings, plan: list[tuple[int, str, str]], rate: float, t0: float):
    """Post `plan` (index, WaId, text) at `rate` per second from `t0` (time.perf_counter(),
    the same clock in every process); returns each post's ack latency and status."""
    acks: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    signed = [
        signed_request(settings, inbound_form(f"whatsapp:+{wa}", text)) for _, wa, text in plan
    ]

    def post(item) -> None:
        (index, _, _), (body, headers) = item
        delay = t0 + index / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        connection = http.client.HTTPConnection("127.0.0.1", settings.port, timeout=10)
        try:
            started = time.perf_counter()
            connection.request("POST", PATH, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            ack = time.perf_counter() - started
        finally:
            connection.close()
        with lock:
            acks.append(ack)
            statuses.append(response.status)

    # Enough senders to keep the rate while acks are slow (open loop, as Twilio does).
    with ThreadPoolExecutor(max_workers=128) as pool:
        list(pool.map(post, zip(plan, signed, strict=True)))
    return acks, statuses, time.perf_counter()


def ready() -> bool:
    """Called once before t0: the process is up and this module imported."""
    return True
