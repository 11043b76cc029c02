"""The workers MARA runs: long-lived processes that execute jobs themselves (no fork per job),
so the runtime built once (database pool, Redis, Twilio client, HTTP sessions, compiled SQL)
stays warm; a pool of them, respawned when one dies.

    python -m mara.jobs.worker [--processes N]      (REDIS_URL and the rest from the environment)
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import threading
import time

from redis.client import Pipeline
from rq import Queue, Retry, SimpleWorker
from rq.executions import Execution
from rq.job import JobStatus
from rq.results import Result
from rq.utils import now
from rq.worker import WorkerStatus
from rq.worker_pool import WorkerPool

from mara import bootstrap
from mara.adapters.redis_queue import EMAIL_JOB, INBOUND_JOB, OUTBOUND_JOB, get_redis
from mara.jobs.priority import renice
from mara.logs import configure_logging
from mara.settings import load_settings

log = logging.getLogger(__name__)

# Job retries wait in a registry that one worker's scheduler moves to the queue. When the
# worker holding the scheduler lock is killed, the lock lapses after ~61 s, and a live worker
# takes the scheduler over at its next maintenance: RQ's default of 10 minutes left retries
# stuck that long (issue 15).
MAINTENANCE_EVERY = 30

# The jobs MARA enqueues with no result kept, no dependents, no repeats, no group and no rate
# limit (mara.adapters.redis_queue): their success is recorded without RQ's general path.
LEAN_JOBS = frozenset({INBOUND_JOB, OUTBOUND_JOB, EMAIL_JOB})
# A heartbeat is skipped while the worker's key outlives the longest wait for a job by this.
HEARTBEAT_SLACK = 30


class LeanWorker(SimpleWorker):
    """RQ's in-process worker without the Redis round trips and log lines that change nothing
    for MARA's jobs. For a lean job: the execution's records and the job's start are written
    in one transaction (RQ: two), its success in one without reads (RQ watches for
    dependents and reads the job's status and executions back, then beats the deleted job's
    heartbeat), the worker's state only when it changes (RQ writes "idle" twice between two
    jobs), and one line says it is done (RQ: three). 9 → 5 round trips per job
    (benchmarks/rq_overhead.py). Every other path (failures, retries, other jobs) is RQ's."""

    # MARA's jobs keep no result: RQ's line saying so after each of its other jobs says nothing.
    log_result_lifespan = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", MAINTENANCE_EVERY)
        super().__init__(*args, **kwargs)
        self._key_expires = float("-inf")
        # The job being run, when it is lean (decided once, as it starts).
        self._lean_job: str | None = None
        # (job id, transaction): a lean job's execution records, written with its start.
        self._deferred: tuple[str, Pipeline] | None = None
        # The state Redis holds for this worker, when known (None: a transaction may hold it).
        self._state_written: str | None = None

    def heartbeat(self, timeout: int | None = None, pipeline=None) -> None:
        """RQ beats up to four times per job (the TTL of the worker's key, for `rq info` and
        monitoring). A beat is skipped while the key outlives the longest wait for a job with
        room to spare, and a job's beat never shortens the key's life."""
        started = time.monotonic()
        left = self._key_expires - started
        if timeout is None and left > self.dequeue_timeout + HEARTBEAT_SLACK:
            return
        ttl = max(timeout or self.worker_ttl + 60, math.ceil(max(0.0, left)))
        super().heartbeat(ttl, pipeline)
        self._key_expires = started + ttl

    def set_state(self, state: str, pipeline=None) -> None:
        if pipeline is None and state == self._state_written:
            self._state = state
            return
        super().set_state(state, pipeline)
        self._state_written = None if pipeline is not None else state

    def prepare_execution(self, job) -> Execution:
        """As RQ's (the execution's records, the worker busy), left in a transaction that
        prepare_job_execution completes with the job's start: nothing is written between the
        two, so a worker that dies there leaves the job in the intermediate queue, where RQ's
        maintenance finds it, as when it dies right after taking it."""
        self._lean_job = job.id if self._is_lean(job) else None
        if self._lean_job is None:
            return super().prepare_execution(job)
        pipeline = self.connection.pipeline()
        execution = Execution.create(
            job, self.get_heartbeat_ttl(job), pipeline=pipeline, worker_name=self.name
        )
        self.executions[execution.id] = execution
        self.set_state(WorkerStatus.BUSY, pipeline=pipeline)
        self._deferred = (job.id, pipeline)
        return execution

    def prepare_job_execution(self, job, remove_from_intermediate_queue: bool = False) -> None:
        deferred, self._deferred = self._deferred, None
        if deferred is None or deferred[0] != job.id:
            super().prepare_job_execution(job, remove_from_intermediate_queue)
            return
        pipeline = deferred[1]
        with pipeline:
            heartbeat_ttl = self.get_heartbeat_ttl(job)
            self.heartbeat(heartbeat_ttl, pipeline=pipeline)
            job.heartbeat(now(), heartbeat_ttl, pipeline=pipeline)
            job.prepare_for_execution(self.name, pipeline=pipeline)
            pipeline.persist(job.key)
            if remove_from_intermediate_queue:
                queue = Queue(job.origin, connection=self.connection)
                pipeline.lrem(queue.intermediate_queue_key, 1, job.id)
            pipeline.execute()
        self._state_written = WorkerStatus.BUSY
        self.procline(f"Processing {job.func_name} from {job.origin} since {time.time()}")

    def _finalize_success(self, job, queue, execution, return_value) -> None:
        """A lean job's success: no heartbeat for a job whose keys are deleted in the same
        breath, no callbacks or webhooks (it has none), one line."""
        if isinstance(return_value, Retry) or job.id != self._lean_job:
            super()._finalize_success(job, queue, execution, return_value)
            return
        job.ended_at = now()
        job._result = return_value
        self.handle_job_success(job, queue, queue.started_job_registry, execution)

    def handle_job_success(self, job, queue, started_job_registry, execution) -> None:
        """For MARA's lean jobs, one transaction without reads: the worker's counters and
        state, the execution's records and the job's keys deleted."""
        if job.id != self._lean_job:
            super().handle_job_success(job, queue, started_job_registry, execution)
            return
        with self.connection.pipeline() as pipeline:
            self.increment_successful_job_count(pipeline=pipeline)
            self.increment_total_working_time(job.ended_at - job.started_at, pipeline)
            self.cleanup_execution(job, pipeline=pipeline, execution=execution)
            pipeline.delete(
                job.key,
                job.dependents_key,
                job.dependencies_key,
                Result.get_key(job.id),
                job.execution_registry.key,
            )
            self.set_state(WorkerStatus.IDLE, pipeline=pipeline)
            pipeline.execute()
        self._state_written = WorkerStatus.IDLE
        job._status = JobStatus.FINISHED
        self.log.info(
            "Successfully completed %s job in %ss on worker %s",
            job.description,
            job.ended_at - job.started_at,
            self.name,
        )

    def _is_lean(self, job) -> bool:
        return (
            job.func_name in LEAN_JOBS
            and job.get_result_ttl(self.default_result_ttl) == 0
            and not job.repeats_left
            and not job.group_id
            and not job.has_rate_limit
            and job.success_callback is None
            and not job.webhooks
        )


class MaraWorker(LeanWorker):
    """The lean worker with this process's runtime built before the first job and a recovery
    loop for messages whose job died with its worker (a killed process)."""

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
