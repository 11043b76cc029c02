"""`mara serve` as an operator runs it: PostgreSQL, a Redis server, the Twilio API, one command."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import psutil
import pytest
import requests
from redis import Redis

from mara.ops.chat import inbound_form, signed_post
from mara.settings import ROOT, load_settings
from tests.conftest import _drop_pg_database, make_database
from tests.e2e.conftest import service_env


def _db_after(redis_url: str, offset: int) -> str:
    base, db = redis_url.rsplit("/", 1)
    return f"{base}/{int(db) + offset}"


@pytest.fixture
def served(model, redis_url, twilio_api, tmp_path):
    kind = "postgresql"
    url, pg_name = make_database(kind, tmp_path)
    env = {
        **os.environ,
        # Two numbers after the session's database: parallel runs on other numbers never meet.
        **service_env(url, _db_after(redis_url, 2), twilio_api.base_url, tmp_path),
    }
    port = env["MARA_PORT"]
    # Job ids follow message ids, which restart with each new database: start clean.
    Redis.from_url(env["REDIS_URL"]).flushdb()
    # A file, not a pipe: an unread pipe fills up and blocks the children's logging.
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/mara"), "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.log_path = tmp_path / "serve.log"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.5)
    assert process.poll() is None, process.log_path.read_text()[-3000:]
    children = psutil.Process(process.pid).children() if process.poll() is None else []
    yield process, env
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
    # Whatever happened above, no child outlives the test (they would eat the next jobs).
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    _drop_pg_database(pg_name)


def test_twenty_people_filing_at_once_on_postgresql(served):
    """The concurrency check of the filing issue, through mara serve on PostgreSQL."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import select

    from mara.db.models import Ticket
    from mara.db.unit_of_work import UnitOfWork
    from mara.ops.chat import say

    _, env = served
    settings = load_settings(env)
    steps = ["sería bueno que abrieran el gimnasio los domingos", "no", "no", "4", "1"]

    def person(i: int) -> str:
        replies = [
            say(settings, f"whatsapp:+5730600000{i:02d}", text, timeout=90) for text in steps
        ]
        return "\n".join(replies[-1])

    with ThreadPoolExecutor(max_workers=20) as pool:
        finals = list(pool.map(person, range(20)))
    with UnitOfWork(settings.database_url) as uow:
        tickets = uow.session.scalars(select(Ticket)).all()
    assert len(tickets) == 20
    assert len({t.radicado for t in tickets}) == 20
    assert all(
        t.radicado in final
        for t, final in zip(sorted(tickets, key=lambda t: t.wa_id), finals, strict=True)
    )
    assert {t.pqrs_type for t in tickets} == {"sugerencia"}


def test_serve_answers_signed_hola_refuses_forged_and_answers_a_triple_delivery_once(
    served, twilio_api
):
    process, env = served
    settings = load_settings(env)

    started = time.monotonic()
    say = subprocess.run(
        [str(ROOT / ".venv/bin/mara"), "say", "--from", "whatsapp:+573040000001", "hola"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert say.returncode == 0, say.stderr
    assert "Soy MARA" in say.stdout and "1️⃣ Radicar una PQRS" in say.stdout
    assert time.monotonic() - started < 10
    assert len(twilio_api.wait_for(2, to="whatsapp:+573040000001")) == 2

    forged = inbound_form("whatsapp:+573040000002", "hola")
    forger = settings.__class__(**{**settings.__dict__, "twilio_auth_token": "x"})
    bad = signed_post(forger, "/twilio/whatsapp", forged)
    assert bad.status_code == 403
    # Delivery callbacks: a recorded one leaves no access line, a refused one does (below).
    callback = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}
    assert signed_post(settings, "/twilio/status", callback).status_code == 204
    assert signed_post(forger, "/twilio/status", callback).status_code == 403

    triple = inbound_form("whatsapp:+573040000003", "hola")
    assert [signed_post(settings, "/twilio/whatsapp", triple).status_code for _ in range(3)] == [
        200,
        200,
        200,
    ]
    twilio_api.wait_for(2, to="whatsapp:+573040000003")
    time.sleep(2)
    assert len(twilio_api.messages("whatsapp:+573040000003")) == 2
    assert twilio_api.messages("whatsapp:+573040000002") == []

    # A crashed child is restarted (after a second's backoff); the others keep running.
    children = psutil.Process(process.pid).children()
    actions = next(c for c in children if "mara.ops.action_server" in " ".join(c.cmdline()))
    web = next(c for c in children if "gunicorn" in " ".join(c.cmdline()))
    actions.kill()
    again = subprocess.run(
        [str(ROOT / ".venv/bin/mara"), "say", "--from", "whatsapp:+573040000004", "hola"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0 and "Soy MARA" in again.stdout, again.stderr
    assert process.poll() is None and web.is_running()
    output = process.log_path.read_text()
    assert "actions exited with" in output and "actions restarted" in output
    access = [line for line in output.splitlines() if "duration_ms=" in line]
    assert any("POST /twilio/whatsapp" in line and "status=200" in line for line in access)
    callbacks = [line for line in access if "/twilio/status" in line]
    assert len(callbacks) == 1 and "status=403" in callbacks[0], callbacks
    # Ctrl-C still stops everything, and no child outlives it.
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGINT)
    assert process.wait(60) == 0
    time.sleep(1)
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)
