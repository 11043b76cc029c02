"""mara.jobs.worker.LeanWorker: MARA's jobs leave Redis as RQ's own path leaves it, in a fifth
of the round trips; anything else (a failing job, another kind of job) takes RQ's own path."""

from __future__ import annotations

import logging

import pytest
from redis import Redis
from rq import Queue, Retry, SimpleWorker, get_current_job

from mara.jobs import worker as worker_module
from mara.jobs.worker import LeanWorker
from tests.support.redis_trips import CountingRedis

NOOP = "tests.integration.test_lean_worker.noop"
FAILING = "tests.integration.test_lean_worker.failing"
PROBE = "tests.integration.test_lean_worker.probe"


def noop(n: int) -> int:
    return n


def probe(n: int) -> None:
    """What Redis says while the job runs: the worker's state, the job's and its execution."""
    job = get_current_job()
    redis = job.connection
    [worker_key] = [k for k in redis.keys("rq:worker:*") if redis.type(k) == b"hash"]
    redis.hset(
        f"probe:{n}",
        mapping={
            "state": redis.hget(worker_key, "state") or b"",
            "status": redis.hget(job.key, "status") or b"",
            "started": int(job.id in job.started_job_registry.get_job_ids()),
            "executions": len(job.execution_registry.get_execution_ids()),
        },
    )


def failing(n: int) -> int:
    raise RuntimeError(f"job {n} fails")


@pytest.fixture
def redis(redis_url):
    connection = CountingRedis.from_url(redis_url)
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def noop_is_lean(monkeypatch):
    monkeypatch.setattr(worker_module, "LEAN_JOBS", worker_module.LEAN_JOBS | {NOOP})


def _run(worker_class, redis: Redis, func: str, jobs: int, **enqueue) -> tuple[set[str], int]:
    queue = Queue("lean", connection=redis)
    for n in range(jobs):
        queue.enqueue(func, n, job_id=f"job-{n}", **enqueue)
    worker = worker_class([queue], connection=redis)
    CountingRedis.round_trips = 0
    worker.work(burst=True)
    trips = CountingRedis.round_trips
    # What stays behind, the worker's own keys apart (named after each worker).
    left = {k.decode() for k in redis.keys("*") if worker.name not in k.decode()}
    redis.delete(*redis.keys("*"))
    return left, trips


def test_a_lean_job_leaves_what_rqs_own_path_leaves_in_fewer_round_trips(redis, noop_is_lean):
    stock_left, stock_trips = _run(SimpleWorker, redis, NOOP, 20, result_ttl=0)
    lean_left, lean_trips = _run(LeanWorker, redis, NOOP, 20, result_ttl=0)
    assert lean_left == stock_left
    assert not any(key.startswith(("rq:job:", "rq:execution", "rq:results:")) for key in lean_left)
    assert lean_trips <= stock_trips * 0.3, (lean_trips, stock_trips)


def test_the_worker_counts_its_lean_jobs(redis, noop_is_lean):
    queue = Queue("lean", connection=redis)
    for n in range(3):
        queue.enqueue(NOOP, n, result_ttl=0)
    worker = LeanWorker([queue], connection=redis)
    worker.work(burst=True)
    worker.refresh()
    assert worker.successful_job_count == 3 and worker.total_working_time > 0
    assert queue.started_job_registry.count == 0 and queue.count == 0


def test_a_job_that_keeps_its_result_takes_rqs_path(redis, noop_is_lean):
    queue = Queue("lean", connection=redis)
    job = queue.enqueue(NOOP, 7, result_ttl=60)
    LeanWorker([queue], connection=redis).work(burst=True)
    assert job.latest_result().return_value == 7
    assert job.id in queue.finished_job_registry.get_job_ids()


def test_redis_shows_a_lean_job_started_and_the_worker_busy_then_idle(redis, monkeypatch):
    monkeypatch.setattr(worker_module, "LEAN_JOBS", worker_module.LEAN_JOBS | {PROBE})
    queue = Queue("lean", connection=redis)
    for n in range(2):
        queue.enqueue(PROBE, n, result_ttl=0)
    worker = LeanWorker([queue], connection=redis)
    # The last job done, before RQ marks the worker dead.
    worker.teardown = lambda: setattr(worker, "state_when_done", redis.hget(worker.key, "state"))
    worker.work(burst=True)
    for n in range(2):
        seen = redis.hgetall(f"probe:{n}")
        assert seen == {
            b"state": b"busy",
            b"status": b"started",
            b"started": b"1",
            b"executions": b"1",
        }, seen
    assert worker.state_when_done == b"idle"


def test_a_lean_job_says_it_is_done_in_one_line(redis, noop_is_lean, caplog):
    queue = Queue("lean", connection=redis)
    job = queue.enqueue(NOOP, 1, result_ttl=0)
    with caplog.at_level(logging.INFO, logger="rq.worker"):
        LeanWorker([queue], connection=redis).work(burst=True)
    about_job = [
        m for m in (r.getMessage() for r in caplog.records) if job.id in m or job.description in m
    ]
    done = [m for m in about_job if "Successfully completed" in m]
    assert len(done) == 1 and not [m for m in about_job if "Job OK" in m or "result" in m]


def test_a_failing_job_is_retried_and_failed_as_rq_does_it(redis, noop_is_lean, monkeypatch):
    monkeypatch.setattr(worker_module, "LEAN_JOBS", worker_module.LEAN_JOBS | {FAILING})
    queue = Queue("lean", connection=redis)
    job = queue.enqueue(FAILING, 1, result_ttl=0, retry=Retry(max=1))
    LeanWorker([queue], connection=redis).work(burst=True)
    job.refresh()
    assert job.get_status() == "failed" and job.retries_left == 0
    assert job.id in queue.failed_job_registry.get_job_ids()


def test_the_workers_key_outlives_its_longest_wait_for_a_job(redis, noop_is_lean):
    queue = Queue("lean", connection=redis)
    for n in range(5):
        queue.enqueue(NOOP, n, result_ttl=0)

    class Probe(LeanWorker):
        def teardown(self):  # before RQ marks the worker dead
            self.ttl_when_done = self.connection.ttl(self.key)
            super().teardown()

    worker = Probe([queue], connection=redis)
    worker.work(burst=True)
    # The jobs' own beats (shorter TTLs) never shorten it, and skipped beats leave enough.
    assert worker.ttl_when_done > worker.dequeue_timeout
