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
from mara.ops.chat import inbound_form
from webhook import create_app


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
