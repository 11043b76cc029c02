"""WhatsApp messages as values: an inbound message and its media, body splitting."""

from __future__ import annotations

from dataclasses import dataclass, field


class MalformedInbound(ValueError):
    """A webhook request that does not carry a usable message."""


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str | None


@dataclass(frozen=True)
class Inbound:
    """The Twilio fields MARA uses, parsed from one webhook request."""

    message_sid: str
    wa_id: str
    from_address: str
    to_address: str
    profile_name: str | None
    body: str
    media: tuple[Media, ...]
    button_payload: str | None
    fields: dict = field(default_factory=dict)

    @classmethod
    def from_twilio_form(cls, form: dict[str, str]) -> Inbound:
        sid = form.get("MessageSid") or form.get("SmsMessageSid")
        if not sid:
            raise MalformedInbound("MessageSid is missing")
        sender = form.get("From", "")
        if not sender.startswith("whatsapp:+"):
            raise MalformedInbound("From must be a WhatsApp address (whatsapp:+…)")
        wa_id = form.get("WaId") or sender.removeprefix("whatsapp:+")
        if not wa_id.isdigit():
            raise MalformedInbound("WaId must be digits")
        try:
            num_media = int(form.get("NumMedia") or 0)
        except ValueError:
            raise MalformedInbound("NumMedia must be a number") from None
        if not 0 <= num_media <= 10:
            raise MalformedInbound("NumMedia out of range")
        media = []
        for i in range(num_media):
            url = form.get(f"MediaUrl{i}")
            if not url:
                raise MalformedInbound(f"MediaUrl{i} is missing")
            media.append(Media(url=url, content_type=form.get(f"MediaContentType{i}")))
        body = form.get("Body", "")
        if not body.strip() and not media and not form.get("ButtonPayload"):
            raise MalformedInbound("the message has no text, media or button")
        return cls(
            message_sid=sid,
            wa_id=wa_id,
            from_address=sender,
            to_address=form.get("To", ""),
            profile_name=form.get("ProfileName") or None,
            body=body,
            media=tuple(media),
            button_payload=form.get("ButtonPayload") or None,
            fields=dict(form),
        )


@dataclass(frozen=True)
class PendingInbound:
    id: int
    message_sid: str
    wa_id: str
    body: str
    profile_name: str | None
    media: tuple[Media, ...]
    button_payload: str | None


@dataclass(frozen=True)
class OutboundView:
    id: int
    to_address: str
    body: str
    status: str
    content_sid: str | None = None
    content_variables: dict | None = None


WHATSAPP_BODY_LIMIT = 1600


def split_body(body: str, limit: int = WHATSAPP_BODY_LIMIT) -> list[str]:
    """Split a long reply into parts under Twilio's limit, at paragraph, line or word ends."""
    body = body.strip()
    parts: list[str] = []
    while len(body) > limit:
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = body.rfind(sep, 0, limit)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit
        parts.append(body[:cut].rstrip())
        body = body[cut:].lstrip()
    if body:
        parts.append(body)
    return parts
