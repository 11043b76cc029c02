"""Dependencies built once per process and injected: settings, the unit-of-work factory (one
engine and connection pool), the WhatsApp sender, the Rasa client (pooled HTTP session), Redis,
the job queue and per-person locks. Jobs take them from `current()`; tests pass their own."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

from redis import Redis

from mara.adapters.rasa import RasaClient
from mara.adapters.rasa_training import rasa_api_token
from mara.adapters.redis_queue import JobQueue, PersonLocks, get_queue, get_redis
from mara.adapters.twilio_sender import ConsoleSender, TwilioSender, WhatsAppSender
from mara.db import rasa_tracker
from mara.db.engine import get_sessionmaker
from mara.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from mara.domain.messages import STATUS_CALLBACK_PATH
from mara.services.conversation import Conversation
from mara.settings import Settings, load_settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    uow: UnitOfWorkFactory
    sender: WhatsAppSender
    rasa: RasaClient
    redis: Redis
    jobs: JobQueue
    locks: PersonLocks
    conversation: Conversation


def make_sender(settings: Settings) -> WhatsAppSender:
    if settings.twilio_enabled:
        return TwilioSender(
            settings.twilio_account_sid,  # type: ignore[arg-type]
            settings.twilio_auth_token,
            settings.twilio_whatsapp_number,  # type: ignore[arg-type]
            base_url=settings.twilio_api_base_url,
            timeout=settings.twilio_timeout,
        )
    return ConsoleSender()


def build(settings: Settings | None = None) -> Runtime:
    settings = settings or load_settings()
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set and no embedded Redis is running (mara serve)")
    uow = functools.partial(UnitOfWork, factory=get_sessionmaker(settings.database_url))
    sender = make_sender(settings)
    rasa = RasaClient(
        settings.rasa_urls or (settings.rasa_url,),
        settings.action_server_url,
        api_token=rasa_api_token(),
    )
    redis = get_redis(settings.redis_url)
    jobs = JobQueue(get_queue(settings), settings.retry_intervals)
    locks = PersonLocks(redis, ttl=settings.lock_ttl)
    callback = f"{settings.public_url}{STATUS_CALLBACK_PATH}" if settings.twilio_enabled else None
    conversation = Conversation(
        uow=uow,
        dialogue=rasa,
        sender=sender,
        locks=locks,
        jobs=jobs,
        status_callback=callback,
        max_chars=settings.nlu_max_chars,
        long_retry_offsets=settings.long_retry_offsets,
        retries=len(settings.retry_intervals),
        turn_taken=functools.partial(rasa_tracker.taken_turn, settings.database_url),
    )
    return Runtime(settings, uow, sender, rasa, redis, jobs, locks, conversation)


_current: Runtime | None = None
_lock = threading.Lock()


def current() -> Runtime:
    """This process's runtime, built from the environment on first use and kept."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = build()
    return _current


def install(runtime: Runtime | None) -> None:
    """Use this runtime for the jobs of this process (a worker at start, or a test)."""
    global _current
    _current = runtime
