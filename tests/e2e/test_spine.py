"""A WhatsApp message through webhook → queue → Rasa → actions → Twilio SDK, and back."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import psutil
from redis import Redis
from rq import Worker
from sqlalchemy import select

from mara.db.models import InboundMessage, OutboundMessage
from mara.db.rasa_tracker import taken_turn
from mara.db.unit_of_work import UnitOfWork
from mara.ops.chat import signed_post
from tests.conftest import ACCOUNT_SID

GREETING = "Soy MARA"
MENU = "1️⃣ Radicar una PQRS"


def bodies(records):
    return [r.form["Body"] for r in records]


def inbound(stack, sid):
    with UnitOfWork(stack.settings.database_url) as uow:
        return uow.session.scalar(select(InboundMessage).where(InboundMessage.message_sid == sid))


def test_greeting_gets_the_spanish_welcome_and_menu(stack, twilio_api):
    to = "whatsapp:+573000000001"
    started = time.monotonic()
    stack.send("573000000001", "hola")
    replies = twilio_api.wait_for(2, to=to)
    elapsed = time.monotonic() - started
    assert GREETING in replies[0].form["Body"]
    assert MENU in replies[1].form["Body"]
    assert replies[0].form["From"] == "whatsapp:+14155238886"
    assert replies[0].path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    print(f"\nturn latency (webhook to the last outbound API call): {elapsed:.2f} s")
    # Twilio calls back at the URL it was given, signed over it, the moment it likes (here
    # at once, maybe before the worker has stored its answer to the send): each reply ends
    # up read, whatever the order.
    public = stack.settings.public_url
    for reply in replies:
        callback = reply.form["StatusCallback"]
        assert callback.startswith(f"{public}/twilio/status?o=")
        for state in ("read", "sent", "delivered"):
            form = {"MessageSid": reply.sid, "MessageStatus": state, "To": to}
            response = signed_post(stack.settings, callback.removeprefix(public), form)
            assert response.status_code == 204
    sids = [reply.sid for reply in replies]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with UnitOfWork(stack.settings.database_url) as uow:
            statuses = uow.session.execute(
                select(OutboundMessage.provider_sid, OutboundMessage.status).where(
                    OutboundMessage.provider_sid.in_(sids)
                )
            ).all()
        if len(statuses) == 2:  # the worker has stored Twilio's answers
            break
        time.sleep(0.1)
    assert sorted(statuses) == sorted((sid, "read") for sid in sids)


def test_forged_signature_is_refused_and_nothing_is_stored(stack, twilio_api):
    from mara.ops.chat import inbound_form

    form = inbound_form("whatsapp:+573000000002", "hola")
    response = stack.post(form, signature_settings=stack.forged_settings())
    assert response.status_code == 403
    time.sleep(1)
    assert inbound(stack, form["MessageSid"]) is None
    assert twilio_api.messages("whatsapp:+573000000002") == []


def test_the_same_message_sid_three_times_is_answered_once(stack, twilio_api):
    to = "whatsapp:+573000000003"
    form = stack.send("573000000003", "hola")
    for _ in range(2):
        assert stack.post(form).status_code == 200
    twilio_api.wait_for(2, to=to)
    time.sleep(3)
    assert len(twilio_api.messages(to)) == 2
    assert inbound(stack, form["MessageSid"]).status == "processed"


def test_back_to_back_messages_are_answered_in_order(stack, twilio_api):
    to = "whatsapp:+573000000004"
    stack.send("573000000004", "hola")
    stack.send("573000000004", "muchas gracias")
    stack.send("573000000004", "menú")
    replies = bodies(twilio_api.wait_for(4, to=to))
    assert GREETING in replies[0]
    assert MENU in replies[1]
    assert "Con mucho gusto" in replies[2]
    assert MENU in replies[3]


def test_an_attachment_is_stored_and_acknowledged(stack, twilio_api):
    to = "whatsapp:+573000000005"
    form = stack.send(
        "573000000005",
        "",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        MediaContentType0="application/pdf",
    )
    [reply] = twilio_api.wait_for(1, to=to)
    assert "Recibí tu archivo" in reply.form["Body"]
    row = inbound(stack, form["MessageSid"])
    with UnitOfWork(stack.settings.database_url) as uow:
        row = uow.session.merge(row)
        assert [m.content_type for m in row.media] == ["application/pdf"]


def test_rasa_down_retries_sends_one_kind_message_then_replay_answers(stack, twilio_api):
    to = "whatsapp:+573000000006"
    stack.stop("rasa")
    try:
        form = stack.send("573000000006", "hola")
        [notice] = twilio_api.wait_for(1, to=to, timeout=60)
        assert "estamos teniendo problemas" in notice.form["Body"]
        row = inbound(stack, form["MessageSid"])
        assert row.status == "failed"
        assert row.attempts == 4  # the first try and three retries (MARA_RETRY_INTERVALS=1,2,2)
    finally:
        stack.start("rasa")
        stack.wait_ready()
    env = {**stack.env}
    result = subprocess.run(
        [".venv/bin/mara", "replay"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, **env},
        check=True,
    )
    # The scheduler's recovery sweep may have queued it again first (failed messages of
    # the last 24 hours are retried every few minutes): then replay has nothing to do.
    assert "replayed 1 message" in result.stdout or "replayed 0 message" in result.stdout
    replies = bodies(twilio_api.wait_for(3, to=to))
    assert GREETING in replies[1] and MENU in replies[2]
    assert inbound(stack, form["MessageSid"]).status == "processed"


def test_action_server_down_rasa_takes_nothing_of_the_turn_then_replay_answers(stack, twilio_api):
    """No check before a turn: Rasa itself abandons a turn that cannot reach the action server
    (a new conversation's session start is a custom action). Stock Rasa would greet the
    person and save the conversation without the session's events; here nothing of the turn
    is saved, the tries fail as when Rasa is down, and the replayed message is answered."""
    wa = "573000000008"
    to = f"whatsapp:+{wa}"
    stack.stop("actions")
    try:
        form = stack.send(wa, "hola")
        [notice] = twilio_api.wait_for(1, to=to, timeout=60)
        assert "estamos teniendo problemas" in notice.form["Body"]
        row = inbound(stack, form["MessageSid"])
        assert row.status == "failed" and row.attempts == 4
        assert row.dialogue_at is not None and "503" in row.last_error  # Rasa refused it
        assert taken_turn(stack.settings.database_url, wa, form["MessageSid"]) is None
    finally:
        stack.start("actions")
        stack.wait_ready()
    subprocess.run(
        [".venv/bin/mara", "replay"],
        capture_output=True,
        env={**os.environ, **stack.env},
        check=True,
        timeout=120,
    )
    replies = bodies(twilio_api.wait_for(3, to=to))
    assert GREETING in replies[1] and MENU in replies[2]
    assert inbound(stack, form["MessageSid"]).status == "processed"
    taken = taken_turn(stack.settings.database_url, wa, form["MessageSid"])
    assert taken is not None and GREETING in taken.replies[0]


def test_a_worker_killed_mid_turn_blocks_nobody_and_its_message_is_answered_once(stack, twilio_api):
    """Issue 15: the killed job's person lock expires in seconds, a bystander is answered
    by another worker meanwhile, and the message is answered once (the pool respawns)."""
    to = "whatsapp:+573000000007"
    rasa = psutil.Process(stack.processes["rasa"].pid)
    connection = Redis.from_url(stack.settings.redis_url)
    rasa.suspend()  # the next turn hangs inside a worker, waiting for Rasa
    try:
        form = stack.send("573000000007", "hola")
        job_id = f"inbound-{inbound(stack, form['MessageSid']).id}"
        deadline = time.monotonic() + 30
        busy = None
        while busy is None:
            assert time.monotonic() < deadline, "no worker took the job"
            busy = next(
                (w for w in Worker.all(connection=connection) if w.get_current_job_id() == job_id),
                None,
            )
            time.sleep(0.1)
        os.kill(busy.pid, signal.SIGKILL)
    finally:
        rasa.resume()
    started = time.monotonic()
    bystander = stack.turn("573000000008", "hola", timeout=30)
    assert GREETING in bystander[0]
    print(f"\nbystander answered {time.monotonic() - started:.1f} s after the kill")
    replies = bodies(twilio_api.wait_for(2, to=to, timeout=60))
    print(f"killed job's person answered {time.monotonic() - started:.1f} s after the kill")
    assert GREETING in replies[0] and MENU in replies[1]
    time.sleep(3)
    assert len(twilio_api.messages(to)) == 2
    assert inbound(stack, form["MessageSid"]).status == "processed"
