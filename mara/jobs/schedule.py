"""The one registry of scheduled jobs, each with a fixed id and period: `mara serve` runs them
in its `scheduler` child (`python -m mara.jobs.schedule --loop`: every job at start, then each
on its period), `mara sweep` runs one pass of every job and prints one JSON line per action,
and `mara cron` can run the same registry on RQ's cron scheduler instead (one job per id,
`mara.jobs.schedule.run_job`). Add a job with `@scheduled(id, every)`.

The schedule lives in the database and this loop, not in Redis: a Redis restarted empty
loses queued jobs and RQ's scheduled retries, and the recovery jobs below queue again
whatever the database says is still owed. Every job is idempotent (a second pass at the
same instant does nothing new), so two schedulers or a manual sweep never duplicate work.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from mara.db.unit_of_work import UnitOfWork
from mara.settings import Settings, load_settings

log = logging.getLogger(__name__)

Action = dict[str, object]


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    every: timedelta
    run: Callable[[Settings], list[Action]]


JOBS: dict[str, ScheduledJob] = {}


def scheduled(job_id: str, every: timedelta) -> Callable:
    """Register a job: a function of the settings returning the actions it took."""

    def register(fn: Callable[[Settings], list[Action]]) -> Callable[[Settings], list[Action]]:
        if job_id in JOBS:
            raise ValueError(f"scheduled job id {job_id!r} is taken")
        JOBS[job_id] = ScheduledJob(job_id, every, fn)
        return fn

    return register


def _seconds(name: str, default: float) -> timedelta:
    # Overridable for fault-injection tests, which cannot wait minutes.
    return timedelta(seconds=float(os.environ.get(name, default)))


# A pending message this old has no job working on it any more (a Rasa turn takes seconds).
STALE_AFTER = _seconds("MARA_RECOVERY_STALE_S", 60)
# Queued by a sweep: the next sweeps leave it to that job for this long.
LEASE = _seconds("MARA_RECOVERY_LEASE_S", 120)
FAILED_RETRY_EVERY = _seconds("MARA_RECOVERY_FAILED_EVERY_S", 300)
FAILED_WINDOW = timedelta(hours=24)
SWEEP_EVERY = _seconds("MARA_SWEEP_EVERY_S", 30)


def _queue_again(
    settings: Settings,
    job: str,
    kind: str,
    recoverable: Callable[[UnitOfWork], list[int]],
    enqueue: Callable[..., None],
) -> list[Action]:
    """The recovery sweeps' one shape: lease what the database says is owed (committed),
    then queue a job for each with a suffix of its own (a lost job's id may still exist)."""
    with UnitOfWork(settings.database_url) as uow:
        ids = recoverable(uow)
        uow.commit()
    suffix = f"-sweep-{int(time.time())}"
    for owed in ids:
        enqueue(settings, owed, suffix=suffix)
    return [{"job": job, kind: i} for i in ids]


@scheduled("recover-inbound", every=SWEEP_EVERY)
def recover_inbound(settings: Settings) -> list[Action]:
    """Queue again the inbound messages stored but not answered (Redis lost their job, a
    worker died mid-turn, Rasa was down past the job's retries)."""
    from mara.adapters.redis_queue import enqueue_inbound
    from mara.services import recovery

    return _queue_again(
        settings,
        "recover-inbound",
        "inbound",
        lambda uow: recovery.recoverable_inbound(
            uow, STALE_AFTER, LEASE, FAILED_RETRY_EVERY, FAILED_WINDOW
        ),
        enqueue_inbound,
    )


@scheduled("resend-outbound", every=SWEEP_EVERY)
def resend_outbound(settings: Settings) -> list[Action]:
    """Send the stored replies nobody sent: lost jobs, interrupted sends (checked on Twilio
    before sending again), and long-outage retries that are due."""
    from mara.adapters.redis_queue import enqueue_outbound
    from mara.services import outbox

    return _queue_again(
        settings,
        "resend-outbound",
        "outbound",
        lambda uow: outbox.recoverable_outbound(uow, STALE_AFTER, LEASE),
        enqueue_outbound,
    )


@scheduled("resend-email", every=SWEEP_EVERY)
def resend_email(settings: Settings) -> list[Action]:
    """Send the stored e-mails nobody sent (Redis lost the job, the sender died mid-send),
    once SMTP is configured; without it they stay stored."""
    from mara.adapters.redis_queue import enqueue_email
    from mara.services import mail

    if not settings.smtp_url:
        return []
    return _queue_again(
        settings,
        "resend-email",
        "email",
        lambda uow: mail.recoverable_emails(uow, STALE_AFTER, LEASE),
        enqueue_email,
    )


FOLLOWUP_EVERY = timedelta(minutes=5)


@scheduled("sla-sweep", every=FOLLOWUP_EVERY)
def sla_sweep(settings: Settings) -> list[Action]:
    """SLA reminders, escalations and overdue marks (mara.jobs.followup)."""
    from mara.jobs import followup

    return list(followup.sla_sweep())


@scheduled("survey-sweep", every=FOLLOWUP_EVERY)
def survey_sweep(settings: Settings) -> list[Action]:
    """Satisfaction surveys and their reminders for closed requests (mara.jobs.followup)."""
    from mara.jobs import followup

    return list(followup.survey_sweep())


def run_job(job_id: str) -> list[Action]:
    """One registered job, by id (the function RQ's cron scheduler enqueues)."""
    return JOBS[job_id].run(load_settings())


def cron_scheduler(connection: Any, queue_name: str) -> Any:
    """RQ's CronScheduler with every registered job under its fixed id."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=connection)
    for job in JOBS.values():
        seconds = int(job.every.total_seconds())
        scheduler.register(
            run_job,
            queue_name,
            args=(job.id,),
            interval=seconds,
            job_timeout=max(seconds, 60),
            name=job.id,
        )
    return scheduler


def sweep(settings: Settings) -> list[Action]:
    """One pass of every registered job; a failing job is logged and the others still run."""
    actions: list[Action] = []
    for job in JOBS.values():
        try:
            actions += job.run(settings)
        except Exception:
            log.exception("scheduled job %s failed; next pass retries", job.id)
    return actions


def loop(settings: Settings, tick: float = 1.0) -> None:
    """Every job at once, then each on its period, until the process is stopped."""
    next_run = dict.fromkeys(JOBS, 0.0)
    while True:
        now = time.monotonic()
        for job_id, job in JOBS.items():
            if now < next_run[job_id]:
                continue
            next_run[job_id] = now + job.every.total_seconds()
            try:
                for action in job.run(settings):
                    log.info("scheduled job %s", json.dumps(action))
            except Exception:
                log.exception("scheduled job %s failed; next period retries", job_id)
        time.sleep(tick)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="mara-scheduler", description=__doc__)
    parser.add_argument("--loop", action="store_true", help="run forever (mara serve)")
    args = parser.parse_args(argv)
    from mara.logs import configure_logging

    configure_logging("scheduler")
    settings = load_settings()
    if args.loop:
        loop(settings)
    else:
        for action in sweep(settings):
            print(json.dumps(action), flush=True)


if __name__ == "__main__":
    main()
