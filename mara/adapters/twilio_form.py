"""Twilio's webhook forms, checked and parsed: an inbound message into `Inbound`, a status
callback into `StatusCallback`. Every field is NUL-stripped and length-checked here, so
what reaches the database always fits its column and bad input gets a clear 4xx."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from mara.domain.messages import CALLBACK_ID, Inbound, Media

# WhatsApp's own limit is 65,536 characters; a little room for Twilio's encoding of it.
MAX_BODY_CHARS = 70_000
# Bytes of a whole form: every character of a maximal body percent-encoded (emoji are
# 4 UTF-8 bytes, 12 encoded), plus the other fields. Larger requests get 413 unread.
MAX_FORM_BYTES = 1024 * 1024

MAX_SID = 64  # Twilio's SIDs are 34 characters; the column holds 64
MAX_ADDRESS = 64
MAX_WA_ID_DIGITS = 15  # E.164
MAX_PROFILE_NAME = 200
MAX_BUTTON = 256
MAX_MEDIA_URL = 1000
MAX_CONTENT_TYPE = 128
MAX_MEDIA = 10
MAX_OTHER_FIELD = 1000
MAX_FIELDS = 60
MAX_STATUS = 32
MAX_ERROR_CODE = 16

_SID = re.compile(r"[A-Za-z0-9]+")
_WHATSAPP = re.compile(r"whatsapp:\+(\d{1,15})")
_DIGITS = re.compile(r"\d+")
# Every status Twilio's Messages API documents for a message (callbacks carry one).
STATUSES = frozenset(
    {
        "accepted",
        "scheduled",
        "canceled",
        "queued",
        "sending",
        "sent",
        "failed",
        "delivered",
        "undelivered",
        "receiving",
        "received",
        "read",
        "partially_delivered",
    }
)


class BadForm(ValueError):
    """A webhook request MARA refuses; the message is the reason given to the caller."""

    status = 400


class TooLarge(BadForm):
    status = 413


@dataclass(frozen=True)
class StatusCallback:
    message_sid: str
    status: str
    error_code: str | None
    outbound_id: int | None = None  # MARA's message, from the callback URL (CALLBACK_ID)


def _clean(form: Mapping[str, str]) -> dict[str, str]:
    """NUL bytes removed from every name and value (PostgreSQL refuses them in text)."""
    if len(form) > MAX_FIELDS:
        raise BadForm(f"too many fields ({len(form)} > {MAX_FIELDS})")
    return {k.replace("\x00", ""): (v or "").replace("\x00", "") for k, v in form.items()}


def _field(form: dict[str, str], name: str, limit: int, required: bool = False) -> str | None:
    value = form.get(name) or None
    if value is None:
        if required:
            raise BadForm(f"{name} is missing")
        return None
    if len(value) > limit:
        raise BadForm(f"{name} is too long ({len(value)} > {limit} characters)")
    return value


def _sid(form: dict[str, str]) -> str:
    sid = _field(form, "MessageSid", MAX_SID) or _field(form, "SmsMessageSid", MAX_SID)
    if not sid:
        raise BadForm("MessageSid is missing")
    if not _SID.fullmatch(sid):
        raise BadForm("MessageSid must be letters and digits")
    return sid


def parse_inbound(raw: Mapping[str, str]) -> Inbound:
    """The inbound WhatsApp message in a webhook form, or BadForm with the reason."""
    form = _clean(raw)
    sid = _sid(form)
    sender = _field(form, "From", MAX_ADDRESS, required=True) or ""
    match = _WHATSAPP.fullmatch(sender)
    if not match:
        raise BadForm("From must be a WhatsApp address (whatsapp:+ and up to 15 digits)")
    wa_id = _field(form, "WaId", MAX_WA_ID_DIGITS + 10) or match.group(1)
    if not _DIGITS.fullmatch(wa_id) or len(wa_id) > MAX_WA_ID_DIGITS:
        raise BadForm(f"WaId must be up to {MAX_WA_ID_DIGITS} digits")
    to = _field(form, "To", MAX_ADDRESS) or ""
    profile_name = _field(form, "ProfileName", MAX_PROFILE_NAME)
    button = _field(form, "ButtonPayload", MAX_BUTTON)
    body = form.get("Body", "")
    if len(body) > MAX_BODY_CHARS:
        raise TooLarge(f"Body is too long ({len(body)} > {MAX_BODY_CHARS} characters)")
    num_text = form.get("NumMedia") or "0"
    if not _DIGITS.fullmatch(num_text) or len(num_text) > 3:
        raise BadForm("NumMedia must be a number")
    num_media = int(num_text)
    if num_media > MAX_MEDIA:
        raise BadForm(f"NumMedia out of range (0 to {MAX_MEDIA})")
    media = []
    for i in range(num_media):
        url = _field(form, f"MediaUrl{i}", MAX_MEDIA_URL, required=True) or ""
        if not url.startswith(("https://", "http://")):
            raise BadForm(f"MediaUrl{i} must be an http(s) URL")
        content_type = _field(form, f"MediaContentType{i}", MAX_CONTENT_TYPE)
        media.append(Media(url=url, content_type=content_type))
    if not body.strip() and not media and not button:
        raise BadForm("the message has no text, media or button")
    known = {"Body", "MessageSid", "SmsMessageSid", "From", "WaId", "To"}
    known |= {"ProfileName", "ButtonPayload", "NumMedia"}
    known |= {f"MediaUrl{i}" for i in range(num_media)}
    known |= {f"MediaContentType{i}" for i in range(num_media)}
    for name, value in form.items():
        if len(name) > 64:
            raise BadForm("a field name is too long")
        if name not in known and len(value) > MAX_OTHER_FIELD:
            raise BadForm(f"{name} is too long ({len(value)} > {MAX_OTHER_FIELD} characters)")
    return Inbound(
        message_sid=sid,
        wa_id=wa_id,
        from_address=sender,
        to_address=to,
        profile_name=profile_name,
        body=body,
        media=tuple(media),
        button_payload=button,
        # The other fields, for the record; the body is kept once, in `body`.
        fields={k: v for k, v in form.items() if k != "Body"},
    )


def parse_status(raw: Mapping[str, str], outbound_id: str | None = None) -> StatusCallback:
    """A delivery status callback, or BadForm with the reason; `outbound_id`: the callback
    URL's CALLBACK_ID parameter, if any (the URL MARA gave Twilio for the message)."""
    number = None
    if outbound_id is not None:
        if not _DIGITS.fullmatch(outbound_id) or len(outbound_id) > 10:
            raise BadForm(f"{CALLBACK_ID} must be a message number")
        number = int(outbound_id)
    form = _clean(raw)
    sid = _sid(form)
    status = _field(form, "MessageStatus", MAX_STATUS) or _field(form, "SmsStatus", MAX_STATUS)
    if not status:
        raise BadForm("MessageSid and MessageStatus are required")
    if status not in STATUSES:
        raise BadForm("MessageStatus is not a Twilio message status")
    error_code = _field(form, "ErrorCode", MAX_ERROR_CODE)
    if error_code is not None and not _DIGITS.fullmatch(error_code):
        raise BadForm("ErrorCode must be digits")
    return StatusCallback(message_sid=sid, status=status, error_code=error_code, outbound_id=number)
