"""The burst's webhooks, posted from a process of their own (pipeline_vs_rasa.py).

Twilio's webhook senders are not on the machine under test, and here they should not share
a GIL with the benchmark's local Twilio API (which receives the replies meanwhile): in one
process, an ack waited for the interpreter as well as for the server.
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mara.ops.chat import inbound_form, signed_post  # noqa: E402


def send(settings, plan: list[tuple[int, str, str]], rate: float, t0: float):
    """Post `plan` (index, WaId, text) at `rate` per second from `t0` (time.perf_counter(),
    the same clock in every process); returns each post's ack latency and status."""
    acks: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def post(item) -> None:
        index, wa, text = item
        form = inbound_form(f"whatsapp:+{wa}", text)
        delay = t0 + index / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        started = time.perf_counter()
        response = signed_post(settings, "/twilio/whatsapp", form)
        with lock:
            acks.append(time.perf_counter() - started)
            statuses.append(response.status_code)

    # Enough senders to keep the rate while acks are slow (open loop, as Twilio does).
    with ThreadPoolExecutor(max_workers=128) as pool:
        list(pool.map(post, plan))
    return acks, statuses, time.perf_counter()


def ready() -> bool:
    """Called once before t0: the process is up and this module imported."""
    return True
