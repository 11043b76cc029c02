"""The Twilio webhooks on a real database and Redis: signatures, storage, queueing."""

from __future__ import annotations

import threading

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from mara.db.models import DeliveryEvent, InboundMessage, OutboundMessage
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import STATUS_CALLBACK_PATH
from mara.ops.chat import inbound_form
from webhook import create_app


def test_the_status_callback_path_is_the_route(settings):
    rules = {rule.rule: rule.endpoint for rule in create_app(settings).url_map.iter_rules()}
    assert rules.get(STATUS_CALLBACK_PATH) == "twilio.status"


@pytest.fixture
def client(settings):
    return create_app(settings).test_client()


def sign(settings, path, form):
    return RequestValidator(settings.twilio_auth_token).compute_signature(
        settings.public_url + path, form
    )


def post(client, settings, form, path="/twilio/whatsapp", signature=None):
    headers = {"X-Twilio-Signature": signature or sign(settings, path, form)}
    return client.post(path, data=form, headers=headers)


def count(settings, model):
    with UnitOfWork(settings.database_url) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def queued_jobs(settings):
    return Queue(settings.queue_name, connection=Redis.from_url(settings.redis_url)).job_ids


def test_signed_message_is_stored_queued_and_answered_with_empty_twiml(client, settings):
    form = inbound_form("whatsapp:+573001112233", "hola")
    response = post(client, settings, form)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert b"<Response />" in response.data or b"<Response></Response>" in response.data
    with UnitOfWork(settings.database_url) as uow:
        row = uow.session.scalar(select(InboundMessage))
        assert (row.message_sid, row.wa_id, row.body, row.status) == (
            form["MessageSid"],
            "573001112233",
            "hola",
            "pending",
        )
        assert row.fields["ProfileName"] == "Usuario de prueba"
    assert queued_jobs(settings) == [f"inbound-{row.id}"]


@pytest.mark.parametrize("signature", ["", "forged"])
def test_bad_signature_is_403_and_nothing_is_stored(client, settings, signature):
    form = inbound_form("whatsapp:+573001112233", "hola")
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = client.post("/twilio/whatsapp", data=form, headers=headers)
    assert response.status_code == 403
    assert count(settings, InboundMessage) == 0
    assert queued_jobs(settings) == []


def test_signature_over_another_url_is_rejected(client, settings):
    form = inbound_form("whatsapp:+573001112233", "hola")
    other = RequestValidator(settings.twilio_auth_token).compute_signature(
        "http://127.0.0.1:5000/twilio/whatsapp", form
    )
    assert post(client, settings, form, signature=other).status_code == 403


def test_a_signature_over_the_url_with_its_default_port_is_accepted(client, settings):
    """Twilio signs some requests over the URL with its port, some without (its SDK checks
    both); MARA tries the URL as configured first, then both."""
    form = inbound_form("whatsapp:+573001112233", "hola")
    assert settings.public_url == "https://mara.example.co"
    with_port = RequestValidator(settings.twilio_auth_token).compute_signature(
        "https://mara.example.co:443/twilio/whatsapp", form
    )
    assert with_port != sign(settings, "/twilio/whatsapp", form)
    assert post(client, settings, form, signature=with_port).status_code == 200
    assert count(settings, InboundMessage) == 1


def test_tampered_body_is_rejected(client, settings):
    form = inbound_form("whatsapp:+573001112233", "hola")
    signature = sign(settings, "/twilio/whatsapp", form)
    form["Body"] = "cambiado"
    assert post(client, settings, form, signature=signature).status_code == 403


def test_malformed_message_is_400_with_a_reason(client, settings):
    form = inbound_form("whatsapp:+573001112233", "hola")
    form["NumMedia"] = "1"
    response = post(client, settings, form)
    assert response.status_code == 400
    assert b"MediaUrl0" in response.data
    assert count(settings, InboundMessage) == 0


def test_redelivery_of_one_sid_is_stored_and_queued_once(client, settings):
    form = inbound_form("whatsapp:+573001112233", "hola")
    statuses = [post(client, settings, form).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert count(settings, InboundMessage) == 1
    assert len(queued_jobs(settings)) == 1


def test_concurrent_redeliveries_store_one_message(settings):
    app = create_app(settings)
    form = inbound_form("whatsapp:+573001112233", "hola")
    results: list[int] = []

    def deliver():
        results.append(post(app.test_client(), settings, form).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 5
    assert count(settings, InboundMessage) == 1
    assert len(queued_jobs(settings)) == 1


def test_media_is_stored_with_the_message(client, settings):
    form = inbound_form("whatsapp:+573001112233", "")
    form.update(
        NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1", MediaContentType0="image/jpeg"
    )
    assert post(client, settings, form).status_code == 200
    with UnitOfWork(settings.database_url) as uow:
        row = uow.session.scalar(select(InboundMessage))
        assert [(m.url, m.content_type) for m in row.media] == [
            ("https://api.twilio.com/media/ME1", "image/jpeg")
        ]


def test_status_callback_moves_the_outbound_status_forward_only(client, settings):
    from mara.clock import utcnow

    with UnitOfWork(settings.database_url) as uow:
        uow.session.add(
            OutboundMessage(
                key="k1",
                wa_id="57300",
                to_address="whatsapp:+57300",
                body="hola",
                created_at=utcnow(),
                status="queued",
                provider_sid="SM" + "b" * 32,
            )
        )
        uow.commit()
    for state in ["delivered", "sent", "read"]:
        form = {"MessageSid": "SM" + "b" * 32, "MessageStatus": state}
        assert post(client, settings, form, path="/twilio/status").status_code == 204
    with UnitOfWork(settings.database_url) as uow:
        assert uow.session.scalar(select(OutboundMessage.status)) == "read"
    assert count(settings, DeliveryEvent) == 3
    unsigned = client.post("/twilio/status", data={"MessageSid": "x", "MessageStatus": "read"})
    assert unsigned.status_code == 403


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_reports_what_is_down(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json["checks"]
    assert checks["database"] == "ok" and checks["redis"] == "ok"
    assert checks["rasa"].startswith("error")


def _sending_row(settings, key="k2") -> int:
    """A reply claimed by a worker: Twilio has it, its answer not recorded yet."""
    from mara.clock import utcnow

    with UnitOfWork(settings.database_url) as uow:
        row = OutboundMessage(
            key=key,
            wa_id="57300",
            to_address="whatsapp:+57300",
            body="hola",
            created_at=utcnow(),
            status="sending",
        )
        uow.session.add(row)
        uow.commit()
        return row.id


def _row(settings, outbound_id):
    with UnitOfWork(settings.database_url) as uow:
        return uow.session.get(OutboundMessage, outbound_id)


def _finish(settings, outbound_id, status, sid):
    from mara.services import claims

    with UnitOfWork(settings.database_url) as uow:
        claims.finish_sent(uow, [(outbound_id, status, sid)])
        uow.commit()


def test_a_callback_before_the_send_is_recorded_finds_the_message_by_its_url(client, settings):
    """Twilio may call back (sent, delivered, even read) before the worker has stored its
    answer to the send: the callback URL names MARA's message, and the answer recorded
    afterwards does not move the status back."""
    outbound_id = _sending_row(settings)
    sid = "SM" + "c" * 32
    path = f"/twilio/status?o={outbound_id}"
    for state in ["sent", "delivered"]:
        form = {"MessageSid": sid, "MessageStatus": state}
        assert post(client, settings, form, path=path).status_code == 204
    assert (_row(settings, outbound_id).status, _row(settings, outbound_id).provider_sid) == (
        "delivered",
        None,
    )
    _finish(settings, outbound_id, "queued", sid)
    row = _row(settings, outbound_id)
    assert (row.status, row.provider_sid, row.sent_at is not None) == ("delivered", sid, True)
    # A callback of an earlier attempt at the same message (another sid) changes nothing.
    other = {"MessageSid": "SM" + "d" * 32, "MessageStatus": "failed", "ErrorCode": "30008"}
    assert post(client, settings, other, path=path).status_code == 204
    assert (_row(settings, outbound_id).status, _row(settings, outbound_id).error_code) == (
        "delivered",
        None,
    )
    form = {"MessageSid": sid, "MessageStatus": "read"}
    assert post(client, settings, form, path=path).status_code == 204
    assert _row(settings, outbound_id).status == "read"
    assert count(settings, DeliveryEvent) == 4  # every callback kept, ours or not


def test_a_failure_called_back_before_the_answer_keeps_its_error(client, settings):
    outbound_id = _sending_row(settings)
    sid = "SM" + "e" * 32
    form = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "63016"}
    path = f"/twilio/status?o={outbound_id}"
    assert post(client, settings, form, path=path).status_code == 204
    _finish(settings, outbound_id, "queued", sid)
    row = _row(settings, outbound_id)
    assert (row.status, row.error_code, row.provider_sid) == ("undelivered", "63016", sid)
    # Without a callback first, the answer is recorded as Twilio gave it.
    second = _sending_row(settings, "k3")
    _finish(settings, second, "queued", "SM" + "f" * 32)
    assert _row(settings, second).status == "queued"


@pytest.mark.parametrize("value", ["abc", "-1", "12345678901", ""])
def test_a_callback_url_naming_no_message_is_refused(client, settings, value):
    form = {"MessageSid": "SM" + "b" * 32, "MessageStatus": "read"}
    response = post(client, settings, form, path=f"/twilio/status?o={value}")
    assert response.status_code == 400
    assert count(settings, DeliveryEvent) == 0
