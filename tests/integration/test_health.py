"""Readiness and load figures: queue depth and the oldest unanswered message, no personal data."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from mara.ops.chat import inbound_form
from webhook import create_app


def test_readyz_and_metrics_show_the_backlog_without_personal_data(settings):
    client = create_app(settings).test_client()
    for body in ("hola", "necesito ayuda"):
        form = inbound_form("whatsapp:+573001112233", body)
        signature = RequestValidator(settings.twilio_auth_token).compute_signature(
            settings.public_url + "/twilio/whatsapp", form
        )
        response = client.post(
            "/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 200
    load = client.get("/readyz").json["load"]
    assert load["queue_depth"] == 2 and load["pending_messages"] == 2
    assert load["oldest_pending_seconds"] >= 0
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.get_data(as_text=True)
    assert "mara_queue_depth 2\n" in text and "mara_pending_messages 2\n" in text
    assert "573001112233" not in text and "hola" not in text
