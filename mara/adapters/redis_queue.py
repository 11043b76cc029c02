"""Redis connections, the RQ queue and per-person locks: one place owns queue names, retries,
job ids and lock keys."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job

from mara.settings import Settings

INBOUND_JOB = "mara.jobs.messages.handle_inbound"
OUTBOUND_JOB = "mara.jobs.messages.send_outbound"
EMAIL_JOB = "mara.jobs.mail.send_email"
TRAINING_JOB = "mara.jobs.training.train_and_evaluate"
PUBLICATION_JOB = "mara.jobs.training.publish_or_rollback"
# Training the full model takes minutes of CPU here; evaluation two model loads more.
TRAINING_TIMEOUT = 3 * 3600


@lru_cache(maxsize=4)
def get_redis(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def get_queue(settings: Settings) -> Queue:
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set and no embedded Redis is running (mara serve)")
    return Queue(settings.queue_name, connection=get_redis(settings.redis_url))


class JobQueue:
    """The RQ queue of one process: jobs are plain functions taking ids (never personal data).
    Their outcome is in the database, so RQ keeps no result (`result_ttl=0`: a finished job
    is deleted at once, sparing Redis a result stream and a registry entry per job)."""

    def __init__(self, queue: Queue, retry_intervals: tuple[int, ...]):
        self.queue = queue
        self.retry_intervals = retry_intervals

    @classmethod
    def for_settings(cls, settings: Settings) -> JobQueue:
        return cls(get_queue(settings), settings.retry_intervals)

    def _retry(self) -> Retry | None:
        if not self.retry_intervals:
            return None
        return Retry(max=len(self.retry_intervals), interval=list(self.retry_intervals))

    def _enqueue(self, function: str, arg: int, job_id: str, timeout: int) -> None:
        # One round trip to Redis: left to itself, RQ registers the queue in one transaction
        # and stores and pushes the job in another (a seventh of a webhook's CPU went to them).
        with self.queue.connection.pipeline() as pipe:
            self.queue.enqueue(
                function,
                arg,
                job_id=job_id,
                retry=self._retry(),
                job_timeout=timeout,
                result_ttl=0,
                pipeline=pipe,
            )
            pipe.execute()

    def inbound(self, message_id: int, suffix: str = "") -> None:
        self._enqueue(INBOUND_JOB, message_id, f"inbound-{message_id}{suffix}", 300)

    def outbound(self, outbound_id: int, suffix: str = "") -> None:
        self._enqueue(OUTBOUND_JOB, outbound_id, f"outbound-{outbound_id}{suffix}", 120)

    def email(self, email_id: int, suffix: str = "") -> None:
        self._enqueue(EMAIL_JOB, email_id, f"email-{email_id}{suffix}", 60)

    def depth(self) -> int:
        return self.queue.count

    def oldest_age(self, now_ts: float) -> float | None:
        """Seconds the job at the head of the queue has waited (None when empty)."""
        ids = self.queue.get_job_ids(0, 0)
        if not ids:
            return None
        job = Job.fetch(ids[0], connection=self.queue.connection)
        if job.enqueued_at is None:
            return None
        return max(0.0, now_ts - job.enqueued_at.timestamp())


def enqueue_inbound(settings: Settings, message_id: int, suffix: str = "") -> None:
    JobQueue.for_settings(settings).inbound(message_id, suffix)


def enqueue_outbound(settings: Settings, outbound_id: int, suffix: str = "") -> None:
    JobQueue.for_settings(settings).outbound(outbound_id, suffix)


def enqueue_email(settings: Settings, email_id: int, suffix: str = "") -> None:
    JobQueue.for_settings(settings).email(email_id, suffix)


def training_queue(settings: Settings) -> Queue:
    """A queue of its own, served by its own worker (`mara serve` starts it): a training
    takes minutes and must not hold up the workers that answer WhatsApp messages."""
    return Queue(f"{settings.queue_name}-training", connection=get_redis(settings.redis_url or ""))


def enqueue_training(settings: Settings, run_id: int, export_reviewed: bool = False) -> None:
    """The trainer workspace's "Entrenar" (`export_reviewed`: write the labelled messages to
    data/nlu/reviewed.yml first)."""
    training_queue(settings).enqueue(
        TRAINING_JOB,
        run_id,
        export_reviewed=export_reviewed,
        job_id=f"training-{run_id}",
        job_timeout=TRAINING_TIMEOUT,
    )


def enqueue_publication(
    settings: Settings,
    action: str,
    published_by: str,
    run_id: int | None = None,
    force: bool = False,
    reason: str | None = None,
) -> str:
    """Publish or roll back in the background: Rasa takes from seconds to minutes to load a
    model, longer than a web request may wait. Returns the RQ job id the page can poll;
    check the gate first (nlu_training.check_gate) to answer a refusal at once."""
    job_id = f"{action}-{run_id or 'last'}-{int(time.time() * 1000)}"
    training_queue(settings).enqueue(
        PUBLICATION_JOB,
        action,
        published_by,
        run_id,
        force,
        reason,
        job_id=job_id,
        job_timeout=900,
    )
    return job_id


def job_outcome(settings: Settings, job_id: str) -> tuple[str, object]:
    """(RQ status, return value) of a training-queue job; ("missing", None) once expired."""
    try:
        job = Job.fetch(job_id, connection=get_redis(settings.redis_url or ""))
    except NoSuchJobError:
        return "missing", None
    status = job.get_status(refresh=True)
    return (str(status.value) if status is not None else "missing"), job.return_value()


@dataclass
class Hold:
    """A person's lock as `PersonLocks.hold` yields it: true when this job holds it; after
    the block, `noted` says whether a job left a note meanwhile (the release took it)."""

    held: bool
    noted: bool = False

    def __bool__(self) -> bool:
        return self.held


class PersonLocks:
    """One job at a time per person, so their messages are answered and sent in order.

    A lock lives `ttl` seconds and is renewed while its job works, so a killed job blocks
    its person for at most `ttl` seconds. A job that finds the lock taken does not wait:
    it leaves a note (`mark_waiting`) that the holder reads after releasing.

    One thread per process renews every lock the process holds, every ttl/3 seconds, and
    ends when it finds none held: a thread started and joined per job cost each job two
    waits for the CPU under load, and ~0.3 ms of CPU (README, Benchmarks).

    The release takes the note with it, in one script (one round trip, not two). A note
    left just after the release is not lost: its job tries the lock once more after leaving
    it, finds it free and goes on itself (Conversation._exclusive)."""

    # KEYS: the lock, its note; ARGV: this holder's token. Deletes the lock if it is still
    # ours (as redis-py's Lock.release does), and takes the note: {released, noted}.
    RELEASE_AND_TAKE_NOTE = """
        local released = 0
        if redis.call('get', KEYS[1]) == ARGV[1] then
            redis.call('del', KEYS[1])
            released = 1
        end
        local noted = 0
        if redis.call('del', KEYS[2]) == 1 then noted = 1 end
        return {released, noted}
    """

    def __init__(self, redis: Redis, ttl: int = 10, prefix: str = "mara:person"):
        self.redis = redis
        self.ttl = ttl
        self.prefix = prefix
        self._held: set[Lock] = set()
        self._guard = threading.Lock()
        self._release = redis.register_script(self.RELEASE_AND_TAKE_NOTE)
        # The process whose renewing thread runs (a forked worker inherits no thread).
        self._renewer_pid: int | None = None

    def _key(self, wa_id: str) -> str:
        return f"{self.prefix}:{wa_id}"

    @contextmanager
    def hold(self, wa_id: str) -> Iterator[Hold]:
        """Yields whether this job holds the person's lock (never waits for it), and after
        the block whether a note was left meanwhile."""
        key = self._key(wa_id)
        # thread_local=False: the renewing thread must see the token.
        lock = self.redis.lock(key, timeout=self.ttl, thread_local=False)
        if not lock.acquire(blocking=False):
            yield Hold(False)
            return
        with self._guard:
            self._held.add(lock)
            self._start_renewer()
        hold = Hold(True)
        try:
            yield hold
        finally:
            with self._guard:
                self._held.discard(lock)
            # Not released when it expired while we were paused: someone else may hold it
            # now, and theirs is left alone. The note is taken either way.
            _, noted = self._release(keys=[key, f"{key}:waiting"], args=[lock.local.token])
            hold.noted = bool(noted)

    def _start_renewer(self) -> None:
        if self._renewer_pid == os.getpid():
            return
        self._renewer_pid = os.getpid()
        threading.Thread(target=self._renew, name="person-locks", daemon=True).start()

    def _renew(self) -> None:
        while True:
            time.sleep(self.ttl / 3)
            with self._guard:
                held = list(self._held)
                if not held:
                    self._renewer_pid = None
                    return
            for lock in held:
                # Released meanwhile (LockError), or Redis away for now: the next round or
                # the job's own end settles it; a lock that could not be renewed expires.
                with contextlib.suppress(LockError, RedisError):
                    lock.reacquire()

    def is_free(self, wa_id: str) -> bool:
        return not self.redis.exists(self._key(wa_id))

    def mark_waiting(self, wa_id: str) -> None:
        self.redis.set(f"{self._key(wa_id)}:waiting", 1, ex=max(60, self.ttl * 6))
