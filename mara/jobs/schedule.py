"""The one registry of periodic jobs: fixed ids, run by RQ's cron scheduler (`mara cron`)
and all at once by `mara sweep`. Add a job by appending a line."""

from __future__ import annotations

from importlib import import_module
from typing import Any

# (job id, interval in seconds, function path). Every function takes an optional ISO-8601
# `now` and is idempotent: running it twice, or in two workers at once, repeats nothing.
SCHEDULE: list[tuple[str, int, str]] = [
    ("sla-sweep", 300, "mara.jobs.followup.sla_sweep"),
    ("survey-sweep", 300, "mara.jobs.followup.survey_sweep"),
]


def load(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


def run_all(now: str | None = None) -> list[dict]:
    """One pass of every scheduled job, in order; the actions they report."""
    actions: list[dict] = []
    for _job_id, _interval, path in SCHEDULE:
        result = load(path)(now=now)
        if isinstance(result, list):
            actions.extend(r for r in result if isinstance(r, dict))
    return actions


def cron_scheduler(connection: Any, queue_name: str) -> Any:
    """RQ's CronScheduler with every job registered under its fixed id."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=connection)
    for job_id, interval, path in SCHEDULE:
        scheduler.register(
            load(path), queue_name, interval=interval, job_timeout=interval, name=job_id
        )
    return scheduler
