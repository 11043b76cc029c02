"""Parsing Twilio's inbound form into the fields MARA keeps."""

import pytest

from mara.adapters.twilio_form import BadForm as MalformedInbound
from mara.adapters.twilio_form import parse_inbound


def form(**extra):
    base = {
        "MessageSid": "SM" + "a" * 32,
        "From": "whatsapp:+573001234567",
        "To": "whatsapp:+573107954670",
        "WaId": "573001234567",
        "ProfileName": "María",
        "Body": "hola",
        "NumMedia": "0",
    }
    base.update(extra)
    return base


def test_reads_the_whatsapp_fields():
    msg = parse_inbound(form())
    assert msg.wa_id == "573001234567"
    assert msg.profile_name == "María"
    assert msg.body == "hola"
    assert msg.media == ()
    assert msg.fields["To"] == "whatsapp:+573107954670"


def test_reads_every_attachment_in_order():
    msg = parse_inbound(
        form(
            Body="",
            NumMedia="2",
            MediaUrl0="https://api.twilio.com/m/0",
            MediaContentType0="image/jpeg",
            MediaUrl1="https://api.twilio.com/m/1",
            MediaContentType1="application/pdf",
        )
    )
    assert [(m.url, m.content_type) for m in msg.media] == [
        ("https://api.twilio.com/m/0", "image/jpeg"),
        ("https://api.twilio.com/m/1", "application/pdf"),
    ]


def test_button_payload_is_kept():
    msg = parse_inbound(form(Body="Sí", ButtonPayload="affirm"))
    assert msg.button_payload == "affirm"


def test_wa_id_falls_back_to_the_from_number():
    data = form()
    del data["WaId"]
    assert parse_inbound(data).wa_id == "573001234567"


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"MessageSid": ""}, "MessageSid"),
        ({"From": "+573001234567"}, "WhatsApp"),
        ({"WaId": "57300abc"}, "WaId"),
        ({"NumMedia": "dos"}, "NumMedia"),
        ({"NumMedia": "1"}, "MediaUrl0"),
        ({"NumMedia": "99"}, "range"),
        ({"Body": "   "}, "no text"),
    ],
)
def test_malformed_requests_say_why(change, reason):
    with pytest.raises(MalformedInbound, match=reason):
        parse_inbound(form(**change))
