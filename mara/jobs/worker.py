"""The workers MARA runs: long-lived processes that execute jobs themselves (no fork per job),
so the runtime built once (database pool, Redis, Twilio client, HTTP sessions, compiled SQL)
stays warm; a pool of them, respawned when one dies.

    python -m mara.jobs.worker [--processes N]      (REDIS_URL and the rest from the environment)
"""

from __future__ import annotations

import argparse
import logging
import os
import threading

from rq import SimpleWorker
from rq.worker_pool import WorkerPool

from mara import bootstrap
from mara.adapters.redis_queue import get_redis
from mara.jobs.priority import renice
from mara.logs import configure_logging
from mara.settings import load_settings

log = logging.getLogger(__name__)

# Job retries wait in a registry that one worker's scheduler moves to the queue. When the
# worker holding the scheduler lock is killed, the lock lapses after ~61 s, and a live worker
# takes the scheduler over at its next maintenance: RQ's default of 10 minutes left retries
# stuck that long (issue 15).
MAINTENANCE_EVERY = 30


class MaraWorker(SimpleWorker):
    """RQ's in-process worker, with this process's runtime built before the first job and a
    recovery loop for messages whose job died with its worker (a killed process)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", MAINTENANCE_EVERY)
        super().__init__(*args, **kwargs)

    def work(self, *args, **kwargs):
        runtime = bootstrap.current()
        threading.Thread(
            target=_recover_forever, args=(runtime,), name="mara-recover", daemon=True
        ).start()
        return super().work(*args, **kwargs)


def _recover_forever(runtime: bootstrap.Runtime) -> None:
    """Every few seconds one worker (a Redis key elects it) re-queues messages left pending
    by a job that died: only when the queue is empty, so a backlog is never doubled."""
    period = max(1, runtime.settings.lock_ttl // 2)
    stop = threading.Event()
    while not stop.wait(period):
        try:
            if not runtime.redis.set("mara:recover", os.getpid(), nx=True, ex=period):
                continue
            if runtime.jobs.depth() == 0:
                requeued = runtime.conversation.requeue_stale(2 * runtime.settings.lock_ttl)
                if requeued:
                    log.warning("re-queued %d message(s) a dead job left behind", requeued)
        except Exception:  # the loop outlives Redis or database trouble
            log.exception("recovery pass failed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mara.jobs.worker")
    parser.add_argument("--processes", type=int, default=None, help="default: MARA_WORKERS")
    args = parser.parse_args(argv)
    settings = load_settings()
    if not settings.redis_url:
        parser.error("REDIS_URL is not set")
    processes = args.processes or settings.workers
    level = os.environ.get("MARA_WORKER_LOG_LEVEL", "INFO")
    # JSON lines with personal data masked (the twilio SDK's request lines are off), in
    # this process and in the workers it forks.
    configure_logging("worker", logging.getLevelName(level))
    # Inherited by the forked workers (MARA_WORKER_NICE; 0 keeps the priority).
    renice(0, settings.worker_nice)
    # The pool forks its workers before any of them builds a runtime: nothing is shared.
    pool = WorkerPool(
        [settings.queue_name],
        connection=get_redis(settings.redis_url),
        num_workers=processes,
        worker_class=MaraWorker,
    )
    pool.start(burst=False, logging_level=level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
