"""Fault injection on `mara serve` (real processes): kill each process kind mid-filing,
filing failing once or always (MARA_FAULT_FILING), restart Redis empty, Twilio down for two
minutes or slow, the database down at the webhook, 65,536-character and 5 MB bodies. Each
fault asserts one ticket, one radicado message, no duplicate, no loss; the module prints
"tried / held". A personal-data filing then greps every log line for that person's data.

Redis here is a redis-server this module starts (so it can be restarted empty), never the
machine's shared one; the recovery periods are shortened by environment variables.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest
import requests
from redis import Redis
from sqlalchemy import select
from sqlalchemy import text as sql

from mara.db.models import InboundMessage, Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.ops import embedded_redis
from mara.ops.chat import inbound_form, signed_post, wait_for_replies
from mara.policy.messages import message
from mara.settings import ROOT, load_settings
from tests.conftest import make_database
from tests.e2e.conftest import service_env

RADICADO = re.compile(r"PQRS-2026-\d{6}")
# A suggestion filed anonymously: type confirmed, nothing to add, no consent; the service
# (gimnasio → recreación) is read from the text, so the next message answers the summary.
# The type is said, not asked (the model is sure of it); no more details; no consent.
SUGGESTION = ["seria bueno que abrieran el gimnasio los domingos", "no", "no"]
RESULTS: dict[str, bool] = {}


@contextlib.contextmanager
def fault(name: str):
    RESULTS[name] = False
    yield
    RESULTS[name] = True


class Served:
    """`mara serve` with its own Redis server; its children can be killed one by one."""

    def __init__(self, tmp: Path, twilio_api):
        self.tmp = tmp
        self.redis_dir = tmp / "redis-1"
        self.redis, url = embedded_redis.start(self.redis_dir)
        self.redis_port = int(url.rsplit(":", 1)[1].split("/")[0])
        _wait_redis(url)
        database_url, _ = make_database("sqlite", tmp)
        self.env = {
            **os.environ,
            **service_env(database_url, url, twilio_api.base_url, tmp),
            "MARA_RETRY_INTERVALS": "2,4,8",
            # A send failing through a two-minute outage goes at 125 s (the sweep's tick).
            "MARA_LONG_RETRY_OFFSETS": "20,40,80,125,160,320",
            "MARA_TWILIO_TIMEOUT": "3",
            "MARA_RECOVERY_STALE_S": "8",
            "MARA_RECOVERY_LEASE_S": "20",
            "MARA_RECOVERY_FAILED_EVERY_S": "10",
            "MARA_SWEEP_EVERY_S": "3",
            "MARA_WEB_WORKERS": "2",
            "MARA_CLOCK": "2026-12-04T10:00:00-05:00",
            # Test-only: while this file exists, filing fails (mara.services.filing).
            "MARA_FAULT_FILING": str(tmp / "fault-filing"),
        }
        self.fault_filing = Path(self.env["MARA_FAULT_FILING"])
        self.settings = load_settings(self.env)
        self.log_path = tmp / "serve.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/mara"), "serve", "--workers", "2"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.settings.port}/readyz"
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()[-3000:]
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(self.log_path.read_text()[-3000:])

    def children(self, marker: str) -> list[psutil.Process]:
        found = []
        for child in psutil.Process(self.process.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                if marker in " ".join(child.cmdline()):
                    found.append(child)
        return found

    def kill(self, marker: str) -> int:
        victims = self.children(marker)
        assert victims, f"no child process runs {marker}"
        for victim in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                victim.kill()
        return len(victims)

    def send(self, wa: str, text: str) -> dict[str, str]:
        form = inbound_form(f"whatsapp:+{wa}", text)
        response = signed_post(
            self.settings,
            "/twilio/whatsapp",
            form,
            base_url=f"http://127.0.0.1:{self.settings.port}",
        )
        assert response.status_code == 200, response.text
        return form

    def turn(self, wa: str, text: str, timeout: float = 90) -> list[str]:
        return wait_for_replies(self.settings, self.send(wa, text)["MessageSid"], timeout)

    def restart_redis_empty(self) -> None:
        self.redis.terminate()
        self.redis.wait(10)
        self.redis_dir = self.tmp / f"redis-{time.monotonic_ns()}"
        self.redis, url = embedded_redis.start(self.redis_dir, port=self.redis_port)
        _wait_redis(url)

    def stop(self) -> None:
        children = psutil.Process(self.process.pid).children(recursive=True)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        self.redis.terminate()
        self.redis.wait(10)
        self.log.close()


def _wait_redis(url: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            Redis.from_url(url).ping()
            return
        except Exception:
            assert time.monotonic() < deadline
            time.sleep(0.1)


@pytest.fixture(scope="module")
def served(model, twilio_api, tmp_path_factory, request):
    twilio_api.reset()
    served = Served(tmp_path_factory.mktemp("faults"), twilio_api)
    yield served
    served.stop()
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nfault injection: tried {len(RESULTS)} / held {sum(RESULTS.values())}")
        for name, held in RESULTS.items():
            print(f"  {'held' if held else 'FAILED'}: {name}")


def tickets_of(served: Served, wa: str) -> list[Ticket]:
    with UnitOfWork(served.settings.database_url) as uow:
        rows = list(uow.session.scalars(select(Ticket).where(Ticket.wa_id == wa)))
        for row in rows:
            _ = row.requester
        return rows


def bodies_to(twilio_api, wa: str) -> list[str]:
    return [m.form.get("Body", "") for m in twilio_api.messages(f"whatsapp:+{wa}")]


def radicado_messages(twilio_api, wa: str, radicado: str) -> list[str]:
    return [b for b in bodies_to(twilio_api, wa) if radicado in b]


def wait_for_ticket(served: Served, twilio_api, wa: str, timeout: float) -> tuple[Ticket, int]:
    """The person's one ticket and how many WhatsApp messages carried its radicado."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = tickets_of(served, wa)
        if found and radicado_messages(twilio_api, wa, found[0].radicado):
            time.sleep(3)  # room for a duplicate to show up
            found = tickets_of(served, wa)
            return found[0] if len(found) == 1 else None, len(
                radicado_messages(twilio_api, wa, found[0].radicado)
            )
        time.sleep(0.5)
    raise AssertionError(f"no radicado for {wa}; sent: {bodies_to(twilio_api, wa)}")


def up_to_the_summary(served: Served, wa: str) -> None:
    for text in SUGGESTION:
        served.turn(wa, text)


def test_killed_action_server_mid_filing(served, twilio_api):
    with fault("action server killed mid-filing"):
        wa = "573050000001"
        up_to_the_summary(served, wa)
        served.kill("mara.ops.action_server")
        served.send(wa, "1")  # accepted while the action server restarts
        ticket, sent = wait_for_ticket(served, twilio_api, wa, timeout=120)
        assert ticket is not None and sent == 1


def test_killed_worker_mid_filing(served, twilio_api):
    with fault("workers killed mid-filing"):
        wa = "573050000002"
        up_to_the_summary(served, wa)
        served.send(wa, "1")
        time.sleep(0.5)  # the turn is under way
        served.kill("mara.jobs.worker")  # the worker pool (the trainer runs `rq worker`)
        ticket, sent = wait_for_ticket(served, twilio_api, wa, timeout=240)
        assert ticket is not None and sent == 1


def test_killed_rasa_mid_filing(served, twilio_api):
    with fault("rasa killed mid-filing"):
        wa = "573050000003"
        up_to_the_summary(served, wa)
        served.kill("rasa run")
        served.send(wa, "1")
        ticket, sent = wait_for_ticket(served, twilio_api, wa, timeout=300)
        assert ticket is not None and sent == 1
        served.wait_ready()


def test_submit_failing_once_then_succeeding_files_one_ticket(served, twilio_api):
    """A database error inside filing on the confirming turn: the worker sees the request
    confirmed and not filed, runs the submit again, and the person gets one radicado."""
    with fault("filing fails once"):
        wa = "573050000011"
        up_to_the_summary(served, wa)
        served.fault_filing.write_text("1")
        try:
            served.send(wa, "1")
            ticket, sent = wait_for_ticket(served, twilio_api, wa, timeout=120)
            assert served.fault_filing.read_text() == "0"  # the fault did strike
        finally:
            served.fault_filing.unlink()
        assert ticket is not None and sent == 1
        assert ticket.description == SUGGESTION[0]


def test_submit_failing_always_apologizes_keeps_the_form_then_files_once(served, twilio_api):
    """Filing fails on every try: after the job's retries the person hears the apology and
    the form waits at the summary; with the fault gone, "1" files it, once, nothing retyped."""
    with fault("filing fails always, then confirmed again"):
        wa = "573050000012"
        up_to_the_summary(served, wa)
        served.fault_filing.write_text("always")
        try:
            replies = served.turn(wa, "1", timeout=120)
        finally:
            served.fault_filing.unlink()
        assert replies[-1] == message("submit_failed")
        assert tickets_of(served, wa) == []
        assert not any(RADICADO.search(b) for b in bodies_to(twilio_api, wa))
        replies = served.turn(wa, "1")
        [ticket] = tickets_of(served, wa)
        assert any(ticket.radicado in r for r in replies)
        assert ticket.description == SUGGESTION[0]
        ticket, sent = wait_for_ticket(served, twilio_api, wa, timeout=30)
        assert ticket is not None and sent == 1


def test_long_bodies_are_answered_kindly_and_delay_no_bystander(served, twilio_api):
    """WhatsApp's longest message (65,536 characters) and a forged 5 MB body, then a
    bystander's "hola": the webhook answers each at once, the long one is stored whole and
    Rasa reads a bounded prefix of it, and the bystander is answered within 5 s."""
    with fault("65,536-character and 5 MB bodies, bystander within 5 s"):
        long_wa, huge_wa, bystander = "573050000021", "573050000022", "573050000023"
        sentence = "el gimnasio de la sede norte estaba cerrado el domingo sin aviso. "
        long_text = (sentence * (65_536 // len(sentence) + 1))[:65_536]
        started = time.monotonic()
        long_form = served.send(long_wa, long_text)
        long_webhook = time.monotonic() - started
        huge = inbound_form(f"whatsapp:+{huge_wa}", "x" * 5_000_000)
        started = time.monotonic()
        try:
            status = signed_post(
                served.settings,
                "/twilio/whatsapp",
                huge,
                base_url=f"http://127.0.0.1:{served.settings.port}",
            ).status_code
        except requests.ConnectionError:
            status = None  # refused and closed before the client finished sending
        huge_webhook = time.monotonic() - started
        started = time.monotonic()
        greeting = served.turn(bystander, "hola", timeout=5)
        waited = time.monotonic() - started
        replies = wait_for_replies(served.settings, long_form["MessageSid"], timeout=90)
        print(
            f"\nwebhook: 65,536 chars {long_webhook:.2f} s, 5 MB {huge_webhook:.2f} s "
            f"({status}); bystander answered in {waited:.1f} s"
        )
        assert long_webhook < 2 and huge_webhook < 2 and status in (413, None)
        assert any("MARA" in r for r in greeting)
        limit = f"{served.settings.nlu_max_chars:,}".replace(",", ".")
        assert replies[0] == message("long_message").format(limit=limit)
        with UnitOfWork(served.settings.database_url) as uow:
            stored = uow.session.scalar(
                select(InboundMessage.body).where(
                    InboundMessage.message_sid == long_form["MessageSid"]
                )
            )
            huge_stored = uow.session.scalar(
                select(InboundMessage.id).where(InboundMessage.wa_id == huge_wa)
            )
            seen = [
                json.loads(data)["text"]
                for data in uow.session.scalars(
                    sql("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user'"),
                    {"s": long_wa},
                )
            ]
        assert stored == long_text and huge_stored is None
        assert seen and all(len(t) <= served.settings.nlu_max_chars for t in seen)


def test_redis_restarted_empty_pending_message_is_answered(served, twilio_api):
    with fault("redis restarted empty"):
        wa = "573050000004"
        served.redis.terminate()
        served.redis.wait(10)
        form = served.send(wa, "hola")  # stored; its job cannot be queued
        served.restart_redis_empty()
        replies = wait_for_replies(served.settings, form["MessageSid"], timeout=150)
        assert any("MARA" in r for r in replies)
        twilio_api.wait_for(len(replies), to=f"whatsapp:+{wa}", timeout=60)
        time.sleep(3)
        assert sorted(bodies_to(twilio_api, wa)) == sorted(replies)
        served.wait_ready()


def test_twilio_down_two_minutes_then_ok_delivers_once_automatically(served, twilio_api):
    """Every send answered 500 for two minutes: nothing reaches the person meanwhile; after
    it, the replies arrive once each, by the retries and the sweep alone (no mara replay)."""
    with fault("Twilio 500 for 2 minutes, then OK"):
        wa = "573050000005"
        twilio_api.down = True
        form = served.send(wa, "hola")
        started = time.monotonic()
        time.sleep(120)
        assert bodies_to(twilio_api, wa) == []
        twilio_api.down = False
        replies = wait_for_replies(served.settings, form["MessageSid"], timeout=120)
        twilio_api.wait_for(len(replies), to=f"whatsapp:+{wa}", timeout=60)
        print(f"\ndelivered {time.monotonic() - started:.0f} s after the outage began")
        time.sleep(3)
        counts = Counter(bodies_to(twilio_api, wa))
        assert sorted(counts) == sorted(replies) and set(counts.values()) == {1}


def test_twilio_slower_than_the_timeout_sends_once(served, twilio_api):
    with fault("Twilio slower than the SDK timeout"):
        wa = "573050000006"
        lookups = twilio_api.lookups
        twilio_api.slow_next(6)
        replies = served.turn(wa, "hola", timeout=120)
        twilio_api.wait_for(len(replies), to=f"whatsapp:+{wa}", timeout=60)
        time.sleep(3)
        counts = Counter(bodies_to(twilio_api, wa))
        assert set(counts.values()) == {1} and sorted(counts) == sorted(replies)
        assert twilio_api.lookups > lookups


def test_database_down_at_the_webhook_answers_5xx_and_stores_nothing(served, tmp_path):
    """The webhook's database unreachable: Twilio gets a 5xx (and retries later), nothing
    is queued; the same request once the database is back is stored once."""
    from dataclasses import replace

    from webhook import create_app

    with fault("database down at the webhook"):
        settings = replace(
            served.settings, database_url="postgresql+psycopg://mara@127.0.0.1:9/nowhere"
        )
        client = create_app(settings).test_client()
        form = inbound_form("whatsapp:+573050000007", "hola")
        from twilio.request_validator import RequestValidator

        signature = RequestValidator(settings.twilio_auth_token).compute_signature(
            settings.public_url + "/twilio/whatsapp", form
        )
        response = client.post(
            "/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code >= 500
        with UnitOfWork(served.settings.database_url) as uow:
            stored = uow.session.scalars(
                select(InboundMessage).where(InboundMessage.message_sid == form["MessageSid"])
            ).all()
        assert stored == []
        signed_post(
            served.settings,
            "/twilio/whatsapp",
            form,
            base_url=f"http://127.0.0.1:{served.settings.port}",
        ).raise_for_status()
        assert wait_for_replies(served.settings, form["MessageSid"], timeout=90)


def test_the_logs_of_a_filing_hold_no_personal_data(served, twilio_api):
    """A filing with name, document, phone and e-mail; then every log line of every process."""
    with fault("no personal data in the logs"):
        wa = "573059876543"
        name, document, email = (
            "Gumersinda Petronila Quintero",
            "1.094.887.890",
            "gumer.q@gmail.com",
        )
        description = "el profesor de natacion de mi hija llego tarde tres veces seguidas"
        steps = ["si acepto", name, "1", document, email, "1"]
        if "¿Está bien?" in "\n".join(served.turn(wa, description)):
            served.turn(wa, "si")  # a type the model is unsure of is asked
        for text in steps:
            served.turn(wa, text)
        [ticket] = tickets_of(served, wa)
        time.sleep(2)
        logs = {served.log_path: served.log_path.read_text(errors="replace")}
        for path in [*served.tmp.rglob("*.log"), *Path(served.env["MARA_VAR_DIR"]).rglob("*.log")]:
            logs[path] = path.read_text(errors="replace")
        secrets = {
            "document": "1094887890",
            "document as typed": document,
            "phone": wa,
            "phone, national": wa[2:],
            "e-mail": email,
            "name": "Gumersinda",
            "surname": "Quintero",
            "description": "profesor de natacion",
        }
        leaks = [
            f"{label} in {path.name}"
            for path, text in logs.items()
            for label, secret in secrets.items()
            if secret in text
        ]
        lines = sum(t.count("\n") for t in logs.values())
        print(f"\nlogs: {len(logs)} files, {lines} lines, {len(secrets)} secrets; leaks: {leaks}")
        assert ticket.requester.document_number == "1094887890"
        assert not leaks
