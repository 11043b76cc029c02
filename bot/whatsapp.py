"""WhatsApp message rules that need no SDK: body limits and splitting."""

from __future__ import annotations

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
