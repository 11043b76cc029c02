"""Redis connections and the RQ queue: one place owns queue names, retries and job ids."""

from __future__ import annotations

from functools import lru_cache

from redis import Redis
from rq import Queue, Retry

from mara.settings import Settings


@lru_cache(maxsize=4)
def get_redis(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def get_queue(settings: Settings) -> Queue:
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set and no embedded Redis is running (mara serve)")
    return Queue(settings.queue_name, connection=get_redis(settings.redis_url))


def _retry(settings: Settings) -> Retry:
    return Retry(max=len(settings.retry_intervals), interval=list(settings.retry_intervals))


def enqueue_inbound(settings: Settings, message_id: int, suffix: str = "") -> None:
    get_queue(settings).enqueue(
        "mara.jobs.messages.handle_inbound",
        message_id,
        job_id=f"inbound-{message_id}{suffix}",
        retry=_retry(settings),
        job_timeout=300,
    )


def enqueue_outbound(settings: Settings, outbound_id: int, suffix: str = "") -> None:
    get_queue(settings).enqueue(
        "mara.jobs.messages.send_outbound",
        outbound_id,
        job_id=f"outbound-{outbound_id}{suffix}",
        retry=_retry(settings),
        job_timeout=120,
    )


def enqueue_email(settings: Settings, email_id: int) -> None:
    get_queue(settings).enqueue(
        "mara.jobs.mail.send_email",
        email_id,
        job_id=f"email-{email_id}",
        retry=_retry(settings),
        job_timeout=60,
    )
