"""RQ entry points: plain functions taking ids, importable by path (mara.jobs.messages.*)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import yaml
from rq import get_current_job

from mara import clock
from mara.adapters import rasa as rasa_client
from mara.adapters.redis_queue import enqueue_outbound, get_redis
from mara.adapters.twilio_sender import (
    ConsoleSender,
    PermanentSendError,
    TransientSendError,
    TwilioSender,
    WhatsAppSender,
)
from mara.db import rasa_tracker
from mara.db.unit_of_work import UnitOfWork
from mara.domain import messages
from mara.policy.messages import message
from mara.services import contact, inbox, loops, outbox
from mara.settings import ROOT, Settings, load_settings
from mara.text.normalize import normalize_text

log = logging.getLogger(__name__)

# The sender lock outlives one Rasa turn (30 s timeout) with room to spare.
SENDER_LOCK_TTL = 120
SENDER_LOCK_WAIT = 150
MEDIA_TRIGGER = "/media_shared"


@contextmanager
def person_lock(settings: Settings, purpose: str, wa_id: str) -> Iterator[None]:
    """One worker at a time per person and purpose, so their messages keep their order."""
    lock = get_redis(settings.redis_url).lock(
        f"mara:{purpose}:{wa_id}", timeout=SENDER_LOCK_TTL, blocking_timeout=SENDER_LOCK_WAIT
    )
    if not lock.acquire():
        raise TimeoutError(f"another worker holds the {purpose} lock of this person")
    try:
        yield
    finally:
        lock.release()


def _is_last_try() -> bool:
    job = get_current_job()
    return job is None or not job.retries_left


def get_sender(settings: Settings) -> WhatsAppSender:
    if settings.twilio_enabled:
        return TwilioSender(
            settings.twilio_account_sid,  # type: ignore[arg-type]
            settings.twilio_auth_token,
            settings.twilio_whatsapp_number,  # type: ignore[arg-type]
            base_url=settings.twilio_api_base_url,
            timeout=settings.twilio_timeout,
        )
    return ConsoleSender()


@lru_cache(maxsize=1)
def _keywords() -> dict[str, str]:
    with (ROOT / "config" / "keywords.yml").open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return {normalize_text(word): f"/{intent}" for intent, words in data.items() for word in words}


def keyword_intent(body: str) -> str | None:
    """BAJA, STOP, ALTA… typed alone go to their intent directly (WhatsApp users rely on it)."""
    return _keywords().get(normalize_text(body))


def _turns(settings: Settings, msg: messages.PendingInbound) -> list[str]:
    """What Rasa answers to one WhatsApp message (an attachment is a turn of its own)."""
    # A retry after Rasa took the turn (the worker died before storing the replies):
    # the replies are in Rasa's tracker; the text is not sent again.
    given = rasa_tracker.replies_already_given(settings.database_url, msg.wa_id, msg.message_sid)
    if given is not None:
        return given
    rasa_client.check_action_server(settings.action_server_url)
    metadata = {
        "message_sid": msg.message_sid,
        "inbound_id": msg.id,
        "media": [{"url": m.url, "content_type": m.content_type} for m in msg.media],
    }
    replies: list[str] = []
    text = keyword_intent(msg.body) or msg.button_payload or msg.body
    if msg.media:
        replies += rasa_client.converse(settings.rasa_url, msg.wa_id, MEDIA_TRIGGER, metadata)
    if text.strip():
        replies += rasa_client.converse(settings.rasa_url, msg.wa_id, text, metadata)
    return replies


def handle_inbound(message_id: int) -> str:
    """Answer every pending message of this sender up to `message_id`, oldest first."""
    settings = load_settings()
    with UnitOfWork(settings.database_url) as uow:
        wa_id = inbox.sender_of(uow, message_id)
    if wa_id is None:
        return "unknown message"
    handled = 0
    with person_lock(settings, "sender", wa_id):
        while True:
            # Short transactions only: SQLite writers must not wait on a Rasa turn.
            with UnitOfWork(settings.database_url) as uow:
                msg = inbox.next_pending(uow, wa_id, message_id)
            if msg is None:
                break
            with UnitOfWork(settings.database_url) as uow:
                if contact.handoff_active(uow, wa_id, clock.now()):
                    # An adviser has this conversation: stored for them, the bot keeps quiet.
                    inbox.complete_silently(uow, msg.id, "handoff")
                    uow.commit()
                    handled += 1
                    continue
            try:
                replies = _turns(settings, msg)
            except rasa_client.RasaUnavailable as exc:
                with UnitOfWork(settings.database_url) as uow:
                    inbox.note_attempt(uow, msg.id, str(exc))
                    if not _is_last_try():
                        uow.commit()
                        raise
                    notice_id = _give_up(uow, wa_id, message_id, str(exc))
                    uow.commit()
                if notice_id is not None:
                    enqueue_outbound(settings, notice_id)
                return "failed; left for mara replay"
            with UnitOfWork(settings.database_url) as uow:
                replies = loops.without_loops(uow, wa_id, replies)
                outbound_ids = inbox.complete_inbound(
                    uow, msg.id, wa_id, f"whatsapp:+{wa_id}", replies
                )
                uow.commit()
            for outbound_id in outbound_ids:
                enqueue_outbound(settings, outbound_id)
            handled += 1
    return f"handled {handled}"


def _give_up(uow: UnitOfWork, wa_id: str, message_id: int, error: str) -> int | None:
    """Leave the messages for `mara replay`; returns the trouble notice to send, if one is due."""
    log.warning("inbound #%s: giving up after retries (%s)", message_id, error)
    due = outbox.trouble_notice_due(uow, wa_id)
    inbox.fail_pending(uow, wa_id, message_id, error)
    if not due:
        return None
    return outbox.store_notice(
        uow,
        key=f"trouble:{message_id}",
        wa_id=wa_id,
        to_address=f"whatsapp:+{wa_id}",
        body=message("trouble"),
        kind="trouble",
    )


def send_outbound(outbound_id: int) -> str:
    """Send this stored message once, after the same person's earlier ones (arrival order)."""
    settings = load_settings()
    with UnitOfWork(settings.database_url) as uow:
        wa_id = outbox.recipient_of(uow, outbound_id)
    if wa_id is None:
        return "unknown message"
    result = "already sent or being sent"
    with person_lock(settings, "send", wa_id):
        while True:
            with UnitOfWork(settings.database_url) as uow:
                next_id = outbox.next_pending_outbound(uow, wa_id, outbound_id)
            if next_id is None:
                return result
            result = _send_one(settings, next_id)
            if result == "deferred":
                return result  # the person's later messages wait for it, in order


def _send_one(settings: Settings, outbound_id: int) -> str:
    with UnitOfWork(settings.database_url) as uow:
        out = outbox.claim_outbound(uow, outbound_id)
        if out is None:
            return "already sent or being sent"
        earlier = outbox.earlier_attempt(uow, outbound_id)
        # The claim is committed before Twilio is called: no transaction waits on the network.
        uow.commit()
        callback = f"{settings.public_url}/twilio/status" if settings.twilio_enabled else None
        try:
            result = outbox.send_claimed(get_sender(settings), out, earlier, callback)
        except TransientSendError as exc:
            if _is_last_try():
                # A long outage: the recovery sweep tries again later (minutes to hours).
                outcome, notice_id = outbox.retry_later_or_fail(
                    uow, outbound_id, str(exc), settings.long_retry_offsets
                )
                uow.commit()
                log.warning("outbound #%s %s after quick retries: %s", outbound_id, outcome, exc)
                if notice_id is not None:
                    enqueue_outbound(settings, notice_id)
                return outcome
            outbox.release_outbound(uow, outbound_id, str(exc))
            uow.commit()
            raise
        except PermanentSendError as exc:
            outbox.finish_outbound(uow, outbound_id, "failed", error_code=exc.code, error=str(exc))
            uow.commit()
            log.error("outbound #%s rejected: %s", outbound_id, exc)
            return "rejected"
        outbox.finish_outbound(uow, outbound_id, result.status, provider_sid=result.provider_sid)
        uow.commit()
    return result.status


def notify(wa_id: str, body: str, kind: str, key: str) -> str:
    """A message MARA starts (reminder, survey, notice): never to a number that opted out."""
    settings = load_settings()
    with UnitOfWork(settings.database_url) as uow:
        outbound_id, to_send = outbox.queue_proactive(uow, wa_id, body, kind, key)
        uow.commit()
    if not to_send:
        return "suppressed (opted out)" if outbound_id else "skipped"
    enqueue_outbound(settings, outbound_id)
    return "queued"
