"""RQ's own cost per job: CPU and Redis round trips of a worker running jobs that do nothing,
RQ's SimpleWorker against MARA's LeanWorker (mara.jobs.worker), on the same Redis.

    .venv/bin/python benchmarks/rq_overhead.py [--jobs 2000]

The no-op job is enqueued as MARA enqueues its message jobs (no result kept) and counted among
LeanWorker's lean jobs for this run. Needs Redis on 127.0.0.1:6379 (database
MARA_BENCH_REDIS_DB or 9, emptied).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402
from rq import Queue, SimpleWorker  # noqa: E402

from mara.jobs import worker as worker_module  # noqa: E402
from tests.support.redis_trips import CountingRedis  # noqa: E402

NOOP = "builtins.abs"


def measure(worker_class, redis: Redis, jobs: int) -> tuple[float, float, float]:
    queue = Queue("rq-overhead", connection=redis)
    for n in range(jobs):
        queue.enqueue(NOOP, n, result_ttl=0)
    worker = worker_class([queue], connection=redis)
    CountingRedis.round_trips = 0
    cpu, wall = time.process_time(), time.perf_counter()
    worker.work(burst=True, logging_level="WARNING")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    trips = CountingRedis.round_trips
    redis.flushdb()
    return cpu / jobs * 1000, wall / jobs * 1000, trips / jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    worker_module.LEAN_JOBS = worker_module.LEAN_JOBS | {NOOP}
    db = os.environ.get("MARA_BENCH_REDIS_DB", "9")
    redis = CountingRedis.from_url(f"redis://127.0.0.1:6379/{db}")
    redis.flushdb()
    for name, worker_class in (
        ("RQ SimpleWorker", SimpleWorker),
        ("LeanWorker", worker_module.LeanWorker),
    ):
        cpu, wall, trips = measure(worker_class, redis, args.jobs)
        print(
            f"{name:16s} {args.jobs} no-op jobs: {cpu:.2f} ms CPU and {wall:.2f} ms wall per job, "
            f"{trips:.1f} Redis round trips per job (the counting adds a little CPU)"
        )


if __name__ == "__main__":
    main()
