"""WhatsApp messages as values: an inbound message and its media, body splitting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Outbound kinds that carry the staff desk's answer to a request on WhatsApp
# (mara/services/answering.py): the template announcing it outside the 24-hour window, then
# the answer itself.
ANSWER_KINDS = ("answer", "answer_template")

# An outbound message's statuses in the order they can happen (MARA's own, then Twilio's);
# a status never moves back to a lower rank: Twilio's callbacks arrive in any order, and may
# come before the worker has recorded Twilio's answer to the send. Others rank 0.
STATUS_RANK = {
    "pending": 0,
    "sending": 1,
    "accepted": 2,
    "queued": 2,
    "console": 3,
    "sent": 3,
    "delivered": 4,
    "read": 5,
    "undelivered": 6,
    "failed": 6,
}

# Where Twilio posts a message's delivery statuses (mara.web.twilio's status route; a test
# checks it). The URL MARA gives Twilio names the message: …/twilio/status?o=<outbound id>,
# so a callback finds it even before Twilio's sid is stored.
STATUS_CALLBACK_PATH = "/twilio/status"
CALLBACK_ID = "o"


def status_callback_for(base: str | None, outbound_id: int) -> str | None:
    if base is None:
        return None
    return f"{base}{'&' if '?' in base else '?'}{CALLBACK_ID}={outbound_id}"


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str | None


@dataclass(frozen=True)
class Inbound:
    """One inbound WhatsApp message as MARA keeps it (mara.adapters.twilio_form parses
    Twilio's form into it; `fields` keeps the other form fields for the record)."""

    message_sid: str
    wa_id: str
    from_address: str
    to_address: str
    profile_name: str | None
    body: str
    media: tuple[Media, ...]
    button_payload: str | None
    fields: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PendingInbound:
    id: int
    message_sid: str
    wa_id: str
    body: str
    profile_name: str | None
    media: tuple[Media, ...]
    button_payload: str | None
    # An earlier job already gave it to the dialogue engine (it may have taken the turn).
    dialogue_tried: bool = False
    attempts: int = 0  # tries that failed so far (Rasa down, a submit not verified)


# The filing dialogue's names the worker relies on (actions/pqrs_form.py sets them): the
# summary is the form's `confirmation` slot, "confirmed" once the person says yes.
FILING_FORM = "pqrs_form"
CONFIRMATION_SLOT = "confirmation"
CONFIRMED = "confirmed"
# What an action tells the worker beside its texts: a custom message {SIGNAL_KEY: name}.
# SUBMIT_EXPECTED: the person confirmed a request in this turn; the worker verifies it was
# filed (reading Rasa's tracker only for these turns).
SIGNAL_KEY = "mara_signal"
SUBMIT_EXPECTED = "submit_expected"
# PERSONAL_ANSWER: the text answered a question for personal data (name, document, phone,
# e-mail): data, not phrasing; trainers never see it (mara.services.nlu_review).
PERSONAL_ANSWER = "personal_answer"


@dataclass(frozen=True)
class TakenTurn:
    """What the dialogue engine's record holds of one inbound message's turn: the bot's
    texts after it, and whether the person confirmed a request in it whose submit left no
    result (the submit failed, or its events were lost: it is to be filed again)."""

    replies: tuple[str, ...]
    submit_pending: bool = False


@dataclass(frozen=True)
class OutboundView:
    id: int
    to_address: str
    body: str
    status: str
    content_sid: str | None = None
    content_variables: dict | None = None
    # Set (to the message's creation time) when an earlier send's answer never came.
    unconfirmed_since: datetime | None = None


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


# Prefix of an outbound message's error when an attempt may have reached the provider
# (no answer came): the next attempt looks it up before sending again.
UNCONFIRMED = "unconfirmed: "
