"""What the dialogue engine is told for one message (no I/O)."""

from __future__ import annotations

from mara.adapters.rasa import RasaClient
from mara.domain.messages import Media, PendingInbound
from mara.services.conversation import MEDIA_TRIGGER, dialogue_texts


def pending(body: str, media=(), button=None) -> PendingInbound:
    return PendingInbound(1, "SM1", "573001112233", body, None, tuple(media), button)


def test_text_is_cut_to_the_limit_and_keywords_go_to_their_intent():
    assert dialogue_texts(pending("x" * 5000), 1000) == ["x" * 1000]
    assert dialogue_texts(pending("  BAJA "), 1000) == ["/opt_out"]
    assert dialogue_texts(pending("baja " * 300), 1000) == [("baja " * 300)[:1000]]


def test_an_attachment_is_a_turn_of_its_own_and_buttons_win_over_text():
    media = [Media("https://api.twilio.com/m/ME1", "image/jpeg")]
    assert dialogue_texts(pending("", media), 1000) == [MEDIA_TRIGGER]
    assert dialogue_texts(pending("mira", media), 1000) == [MEDIA_TRIGGER, "mira"]
    assert dialogue_texts(pending("Sí", button="/affirm"), 1000) == ["/affirm"]


def test_a_person_always_talks_to_the_same_rasa_server():
    client = RasaClient(["http://a:5005", "http://b:5005", "http://c:5005"], "http://x:5055")
    servers = {client.server_for(f"57300{i:07d}") for i in range(60)}
    assert servers == set(client.rasa_urls)
    assert client.server_for("573001112233") == client.server_for("573001112233")
