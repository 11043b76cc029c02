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
from mara.db.unit_of_work import UnitOfWork
from mara.domain import messages
from mara.policy.messages import message
from mara.services import contact, inbox, nlu_review, outbox
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


def _turns(settings: Settings, msg: messages.PendingInbound) -> tuple[list[str], dict | None]:
    """What Rasa answers to one WhatsApp message (an attachment is a turn of its own), and
    what its NLU understood of the text."""
    rasa_client.check_action_server(settings.action_server_url)
    metadata = {
        "message_sid": msg.message_sid,
        "inbound_id": msg.id,
        "media": [{"url": m.url, "content_type": m.content_type} for m in msg.media],
    }
    replies: list[str] = []
    parse = None
    text = keyword_intent(msg.body) or msg.button_payload or msg.body
    if msg.media:
        replies += rasa_client.converse(settings.rasa_url, msg.wa_id, MEDIA_TRIGGER, metadata)
    if text.strip():
        texts, parse = rasa_client.converse_with_nlu(settings.rasa_url, msg.wa_id, text, metadata)
        replies += texts
    return replies, parse


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
                    handled += 1
                    continue
            try:
                replies, parse = _turns(settings, msg)
            except rasa_client.RasaUnavailable as exc:
                with UnitOfWork(settings.database_url) as uow:
                    inbox.note_attempt(uow, msg.id, str(exc))
                    if not _is_last_try():
                        raise
                    _give_up(settings, uow, wa_id, message_id, str(exc))
                return "failed; left for mara replay"
            with UnitOfWork(settings.database_url) as uow:
                # Added first so the replies' transaction stores it too (for trainers).
                nlu_review.record_nlu(uow, msg.id, parse, wa_id)
                outbound_ids = inbox.complete_inbound(
                    uow, msg.id, wa_id, f"whatsapp:+{wa_id}", replies
                )
                uow.commit()
            for outbound_id in outbound_ids:
                enqueue_outbound(settings, outbound_id)
            handled += 1
    return f"handled {handled}"


def _give_up(settings: Settings, uow: UnitOfWork, wa_id: str, message_id: int, error: str) -> None:
    log.warning("inbound #%s: giving up after retries (%s)", message_id, error)
    due = outbox.trouble_notice_due(uow, wa_id)
    inbox.fail_pending(uow, wa_id, message_id, error)
    if due:
        notice_id = outbox.store_notice(
            uow,
            key=f"trouble:{message_id}",
            wa_id=wa_id,
            to_address=f"whatsapp:+{wa_id}",
            body=message("trouble"),
            kind="trouble",
        )
        if notice_id is not None:
            enqueue_outbound(settings, notice_id)


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


def _send_one(settings: Settings, outbound_id: int) -> str:
    with UnitOfWork(settings.database_url) as uow:
        out = outbox.claim_outbound(uow, outbound_id)
        if out is None:
            return "already sent or being sent"
        callback = f"{settings.public_url}/twilio/status" if settings.twilio_enabled else None
        try:
            result = get_sender(settings).send(out.to_address, out.body, callback)
        except TransientSendError as exc:
            if _is_last_try():
                outbox.finish_outbound(uow, outbound_id, "failed", error=str(exc))
                log.error("outbound #%s failed after retries: %s", outbound_id, exc)
                return "failed"
            outbox.release_outbound(uow, outbound_id, str(exc))
            raise
        except PermanentSendError as exc:
            outbox.finish_outbound(uow, outbound_id, "failed", error_code=exc.code, error=str(exc))
            log.error("outbound #%s rejected: %s", outbound_id, exc)
            return "rejected"
        outbox.finish_outbound(uow, outbound_id, result.status, provider_sid=result.provider_sid)
    return result.status


def notify(wa_id: str, body: str, kind: str, key: str) -> str:
    """A message MARA starts (reminder, survey, notice): never to a number that opted out."""
    settings = load_settings()
    with UnitOfWork(settings.database_url) as uow:
        outbound_id, to_send = outbox.queue_proactive(uow, wa_id, body, kind, key)
    if not to_send:
        return "suppressed (opted out)" if outbound_id else "skipped"
    enqueue_outbound(settings, outbound_id)
    return "queued"
