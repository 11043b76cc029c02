"""The web's own CPU per Twilio webhook: inbound messages and delivery status callbacks,
signed as Twilio signs them, through the Flask app (Flask's test client: gunicorn's own
share is not in it) on PostgreSQL, inbound jobs queued on Redis.

    .venv/bin/python benchmarks/webhook_cpu.py [--requests 1000] [--profile | --server]

On a busy day the status callbacks are most of the webhook traffic: Twilio calls back
`sent`, `delivered` and `read` for every reply, about six callbacks for each inbound
message. Prints CPU milliseconds per request of each kind, and the statements and
transactions each sends to PostgreSQL; with --profile, the functions that cost most. With
--server the requests go to gunicorn as `mara serve` starts it, each on a new connection as
Twilio's, and the CPU is that of gunicorn's processes (its own handling included).
Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (database MARA_BENCH_REDIS_DB
or 7).
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from redis import Redis  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402

from mara.clock import utcnow  # noqa: E402
from mara.db.engine import get_engine  # noqa: E402
from mara.db.models import DeliveryEvent, InboundMessage, OutboundMessage  # noqa: E402
from mara.db.unit_of_work import UnitOfWork  # noqa: E402
from mara.ops.chat import inbound_form, twilio_signature  # noqa: E402
from mara.ops.embedded_redis import free_port  # noqa: E402
from mara.ops.supervisor import web_command  # noqa: E402
from mara.settings import load_settings  # noqa: E402
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, _drop_pg_database, make_database  # noqa: E402
from webhook import create_app  # noqa: E402

STATUSES = ("sent", "delivered", "read")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000, help="of each kind")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--profile", action="store_true")
    group.add_argument("--server", action="store_true", help="through gunicorn")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="mara-webhook-cpu-"))
    url, pg_name = make_database("postgresql", tmp)
    redis_url = f"redis://127.0.0.1:6379/{os.environ.get('MARA_BENCH_REDIS_DB', '7')}"
    Redis.from_url(redis_url).flushdb()
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "MARA_VAR_DIR": str(tmp / "var"),
        "MARA_PORT": str(free_port()),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886",
        "PUBLIC_URL": "https://mara.example.co",
    }
    settings = load_settings(env)
    server = Server(settings, env) if args.server else None
    try:
        client = server or create_app(settings).test_client()
        n = args.requests
        warm = 50

        # Replies the callbacks are about: sent, Twilio's sid recorded.
        with UnitOfWork(url) as uow:
            ids = uow.session.scalars(
                insert(OutboundMessage).returning(OutboundMessage.id),
                [
                    {
                        "key": f"bench-{i}",
                        "wa_id": f"5730{i % 20:08d}",
                        "to_address": f"whatsapp:+5730{i % 20:08d}",
                        "body": "Nuestro horario es de lunes a viernes.",
                        "kind": "reply",
                        "created_at": utcnow(),
                        "status": "queued",
                        "provider_sid": f"SM{i:032x}",
                    }
                    for i in range(n + warm)
                ],
            ).all()
            uow.commit()

        def signed(path: str, form: dict[str, str]) -> tuple[str, dict, dict]:
            return path, form, {"X-Twilio-Signature": twilio_signature(settings, path, form)}

        inbound = [
            signed(
                "/twilio/whatsapp",
                inbound_form(f"whatsapp:+5731{i % 20:08d}", f"hola {i}"),
            )
            for i in range(n + warm)
        ]
        callbacks = [
            signed(
                f"/twilio/status?o={outbound_id}",
                {
                    "AccountSid": ACCOUNT_SID,
                    "ApiVersion": "2010-04-01",
                    "ChannelPrefix": "whatsapp",
                    "From": "whatsapp:+14155238886",
                    "MessageSid": f"SM{i:032x}",
                    "MessageStatus": STATUSES[i % 3],
                    "SmsSid": f"SM{i:032x}",
                    "SmsStatus": STATUSES[i % 3],
                    "To": f"whatsapp:+5730{i % 20:08d}",
                },
            )
            for i, outbound_id in enumerate(ids)
        ]
        counts = Counter[str]()
        engine = get_engine(url)
        event.listen(engine, "before_cursor_execute", lambda *_: counts.update(["statements"]))

        def transaction(conn) -> None:
            if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                counts["transactions"] += 1

        event.listen(engine, "commit", transaction)

        def run(requests: list, expected: int) -> tuple[float, Counter]:
            for path, form, headers in requests[:warm]:
                assert client.post(path, data=form, headers=headers).status_code == expected
            counts.clear()
            profile = cProfile.Profile(time.process_time) if args.profile else None
            if profile:
                profile.enable()
            cpu = server.cpu() if server else time.process_time()
            for path, form, headers in requests[warm:]:
                client.post(path, data=form, headers=headers)
            cpu = (server.cpu() if server else time.process_time()) - cpu
            if profile:
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
            return cpu, Counter(counts)

        for name, requests, expected in (
            ("inbound message", inbound, 200),
            ("status callback", callbacks, 204),
        ):
            cpu, sent = run(requests, expected)
            # Statements are counted in this process: not gunicorn's.
            database = (
                ""
                if server
                else f"; {sent['statements'] / n:.1f} statements and "
                f"{sent['transactions'] / n:.1f} transactions per request"
            )
            print(f"{name}: {cpu / n * 1000:.2f} ms of CPU per request{database}")
        # The work was done: every message stored, every callback recorded.
        with UnitOfWork(url) as uow:
            stored = uow.session.scalar(
                select(InboundMessage.id).order_by(InboundMessage.id.desc())
            )
            events = len(uow.session.scalars(select(DeliveryEvent.id)).all())
            statuses = Counter(uow.session.scalars(select(OutboundMessage.status)))
        queued = Redis.from_url(redis_url).llen(f"rq:queue:{settings.queue_name}")
        assert stored is not None and queued == n + warm, (stored, queued)
        assert events == n + warm, events
        assert statuses == Counter(STATUSES[i % 3] for i in range(n + warm)), statuses
    finally:
        if server:
            server.stop()
        get_engine(url).dispose()
        if pg_name:
            _drop_pg_database(pg_name)
    return 0


class Server:
    """gunicorn as `mara serve` runs it, posted to the way the test client is."""

    def __init__(self, settings, env: dict[str, str]) -> None:
        self.port = settings.port
        self.process = subprocess.Popen(
            web_command(settings),
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self._request("GET", "/healthz", b"", {})
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def _request(self, method: str, path: str, body: bytes, headers: dict):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            response.read()
            return response
        finally:
            conn.close()

    def post(self, path: str, data: dict[str, str], headers: dict[str, str]):
        from urllib.parse import urlencode

        headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        response = self._request("POST", path, urlencode(data).encode(), headers)
        response.status_code = response.status
        return response

    def cpu(self) -> float:
        """CPU seconds of gunicorn's master and workers so far."""
        parent = psutil.Process(self.process.pid)
        total = 0.0
        for proc in (parent, *parent.children()):
            times = proc.cpu_times()
            total += times.user + times.system
        return total

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
