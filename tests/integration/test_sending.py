"""Sending with the real twilio SDK against the local Twilio API, exactly once."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from mara import bootstrap
from mara.adapters.twilio_form import parse_inbound
from mara.adapters.twilio_sender import PermanentSendError, TransientSendError, TwilioSender
from mara.clock import utcnow
from mara.db.models import OutboundMessage
from mara.db.unit_of_work import UnitOfWork
from mara.jobs import messages as jobs
from mara.services import inbox, outbox
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, without_twilio


@pytest.fixture
def runtime(settings):
    return bootstrap.build(settings)


def store(settings, body="Hola 👋", key="notice:1"):
    with UnitOfWork(settings.database_url) as uow:
        outbound_id = outbox.store_notice(
            uow, key, "573001112233", "whatsapp:+573001112233", body, "reply"
        )
        uow.commit()
    return outbound_id


def outbound(settings, outbound_id):
    with UnitOfWork(settings.database_url) as uow:
        return uow.session.get(OutboundMessage, outbound_id)


def test_the_sdk_request_has_sender_body_callback_and_credentials(settings, twilio_api):
    sender = TwilioSender(
        ACCOUNT_SID, AUTH_TOKEN, "whatsapp:+14155238886", base_url=twilio_api.base_url
    )
    result = sender.send(
        "whatsapp:+573001112233", "Hola ñandú 👋", "https://mara.example.co/twilio/status"
    )
    [request] = twilio_api.messages()
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.form == {
        "To": "whatsapp:+573001112233",
        "From": "whatsapp:+14155238886",
        "Body": "Hola ñandú 👋",
        "StatusCallback": "https://mara.example.co/twilio/status",
    }
    assert request.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.user_agent.startswith("twilio-python/")
    assert (result.provider_sid, result.status) == (request.sid, "queued")


@pytest.mark.parametrize(
    "status, error",
    [
        (500, TransientSendError),
        (503, TransientSendError),
        (429, TransientSendError),
        (400, PermanentSendError),
    ],
)
def test_errors_are_sorted_into_transient_and_permanent(settings, twilio_api, status, error):
    twilio_api.fail_next(status)
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, "+14155238886", base_url=twilio_api.base_url)
    with pytest.raises(error):
        sender.send("whatsapp:+573001112233", "hola", None)


def test_network_errors_are_transient():
    sender = TwilioSender(
        ACCOUNT_SID, AUTH_TOKEN, "+14155238886", base_url="http://127.0.0.1:9", timeout=2
    )
    with pytest.raises(TransientSendError):
        sender.send("whatsapp:+573001112233", "hola", None)


def test_send_outbound_sends_once_and_stores_the_sid(settings, twilio_api, runtime):
    outbound_id = store(settings)
    assert jobs.send_outbound(outbound_id, runtime) == "queued"
    assert jobs.send_outbound(outbound_id, runtime) == "already sent or being sent"
    [request] = twilio_api.messages()
    row = outbound(settings, outbound_id)
    assert (row.status, row.provider_sid) == ("queued", request.sid)
    assert (
        request.form["StatusCallback"] == f"https://mara.example.co/twilio/status?o={outbound_id}"
    )


def test_a_notice_key_is_stored_once(settings):
    assert store(settings) is not None
    assert store(settings) is None


def test_transient_failure_releases_the_message_for_the_retry(
    settings, twilio_api, monkeypatch, runtime
):
    outbound_id = store(settings)
    twilio_api.fail_next(500)
    monkeypatch.setattr(jobs, "_is_last_try", lambda: False)
    with pytest.raises(TransientSendError):
        jobs.send_outbound(outbound_id, runtime)
    assert outbound(settings, outbound_id).status == "pending"
    assert jobs.send_outbound(outbound_id, runtime) == "queued"
    assert len(twilio_api.messages()) == 1


@pytest.mark.parametrize("last_try", [False, True])
def test_a_failure_inside_a_batch_keeps_the_order_and_counts_no_attempt_for_the_rest(
    settings, twilio_api, monkeypatch, runtime, last_try
):
    """Messages claimed together: the first goes, the second fails, the third was never
    tried (pending again, no attempt counted); the retry sends the second, then the third."""
    ids = [store(settings, body=f"parte {n}", key=f"notice:{n}") for n in (1, 2, 3)]
    twilio_api.fail_next(0, 500)
    monkeypatch.setattr(jobs, "_is_last_try", lambda: last_try)
    if last_try:
        assert jobs.send_outbound(ids[2], runtime) == "deferred"
    else:
        with pytest.raises(TransientSendError):
            jobs.send_outbound(ids[2], runtime)
    rows = [outbound(settings, i) for i in ids]
    assert [(r.status, r.attempts) for r in rows] == [("queued", 1), ("pending", 1), ("pending", 0)]
    assert rows[0].provider_sid == twilio_api.messages()[0].sid
    assert jobs.send_outbound(ids[2], runtime) == "queued"
    assert [m.form["Body"] for m in twilio_api.messages()] == ["parte 1", "parte 2", "parte 3"]
    rows = [outbound(settings, i) for i in ids]
    assert [(r.status, r.attempts) for r in rows] == [("queued", 1), ("queued", 2), ("queued", 1)]
    assert [r.provider_sid for r in rows] == [m.sid for m in twilio_api.messages()]


def test_last_quick_failure_leaves_it_for_the_long_schedule(settings, twilio_api, runtime):
    outbound_id = store(settings)
    twilio_api.fail_next(500)
    assert jobs.send_outbound(outbound_id, runtime) == "deferred"
    row = outbound(settings, outbound_id)
    assert row.status == "pending"
    assert row.next_attempt_at == row.created_at + timedelta(seconds=60)


def test_permanent_failure_is_not_retried(settings, twilio_api, runtime):
    outbound_id = store(settings)
    twilio_api.fail_next(400)
    assert jobs.send_outbound(outbound_id, runtime) == "rejected"
    row = outbound(settings, outbound_id)
    assert (row.status, row.error_code) == ("failed", "21211")


def test_without_credentials_the_console_outbox_delivers(settings, twilio_api):
    runtime = bootstrap.build(without_twilio(settings))
    outbound_id = store(settings)
    assert jobs.send_outbound(outbound_id, runtime) == "console"
    assert twilio_api.messages() == []
    with UnitOfWork(settings.database_url) as uow:
        assert outbox.outbox_after(uow, "573001112233", 0) == [(outbound_id, "Hola 👋", "console")]


def test_long_replies_are_stored_in_parts_under_the_limit(settings):
    with UnitOfWork(settings.database_url) as uow:
        from mara.ops.chat import inbound_form

        message_id, _ = inbox.record_inbound(
            uow, parse_inbound(inbound_form("whatsapp:+573001112233", "x"))
        )
        ids = inbox.complete_inbound(
            uow, message_id, "573001112233", "whatsapp:+573001112233", ["corto", "palabra " * 400]
        )
        bodies = [uow.session.get(OutboundMessage, i).body for i in ids]
        uow.commit()
    assert bodies[0] == "corto"
    assert len(bodies) == 3 and all(len(b) <= 1600 for b in bodies)
    # Completing again (a retried job) stores nothing more.
    with UnitOfWork(settings.database_url) as uow:
        assert inbox.complete_inbound(uow, message_id, "573001112233", "x", ["otra"]) == []
        assert len(list(uow.session.scalars(select(OutboundMessage.id)))) == 3


def _closing_server() -> tuple[str, threading.Thread]:
    """A server that reads a request and hangs up without answering."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.close()
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", thread


def test_transport_failures_say_whether_the_message_may_have_arrived(twilio_api):
    refused = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, "+14155238886", base_url="http://127.0.0.1:9")
    with pytest.raises(TransientSendError) as caught:
        refused.send("whatsapp:+573001112233", "hola", None)
    assert (caught.value.unconfirmed, str(caught.value)) == (False, "ConnectionError")

    url, thread = _closing_server()
    hung_up = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, "+14155238886", base_url=url)
    with pytest.raises(TransientSendError) as caught:
        hung_up.send("whatsapp:+573001112233", "hola", None)
    thread.join(5)
    assert caught.value.unconfirmed and str(caught.value).startswith("unconfirmed")

    twilio_api.slow_next(1.5)
    slow = TwilioSender(
        ACCOUNT_SID, AUTH_TOKEN, "+14155238886", base_url=twilio_api.base_url, timeout=0.5
    )
    with pytest.raises(TransientSendError) as caught:
        slow.send("whatsapp:+573001112233", "hola", None)
    assert caught.value.unconfirmed and "ReadTimeout" in str(caught.value)


def test_a_proxy_in_the_environment_is_used_unless_the_host_is_excluded(twilio_api, monkeypatch):
    twilio_api.reset()
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    through_proxy = TwilioSender(
        ACCOUNT_SID, AUTH_TOKEN, "+14155238886", base_url=twilio_api.base_url
    )
    with pytest.raises(TransientSendError):
        through_proxy.send("whatsapp:+573001112233", "hola", None)
    assert twilio_api.messages() == []
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    direct = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, "+14155238886", base_url=twilio_api.base_url)
    direct.send("whatsapp:+573001112233", "hola", None)
    assert [m.form["Body"] for m in twilio_api.messages()] == ["hola"]


def test_the_lookup_sends_its_filters_as_query_parameters(twilio_api):
    twilio_api.reset()
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, "+14155238886", base_url=twilio_api.base_url)
    sent = sender.send("whatsapp:+573001112233", "hola", None)
    sender.send("whatsapp:+573009998877", "hola", None)
    since = utcnow() - timedelta(minutes=1)
    found = sender.find_sent("whatsapp:+573001112233", "hola", since, set())
    assert found is not None and found.provider_sid == sent.provider_sid
    # Filtered by To on Twilio's side: the other person's message is not "ours".
    assert sender.find_sent("whatsapp:+573001112233", "hola", since, {sent.provider_sid}) is None
    assert twilio_api.lookups == 2
