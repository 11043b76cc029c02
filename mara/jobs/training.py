"""RQ entry point of the trainer workspace's "Entrenar": validate, train a candidate,
evaluate it beside the live model; progress in the run's record (mara.jobs.training.*)."""

from __future__ import annotations

import logging
import time

from rq import Queue

from mara.adapters import rasa_training as training
from mara.adapters.redis_queue import get_redis
from mara.db.unit_of_work import UnitOfWork
from mara.services import model_publishing, nlu_training
from mara.settings import Settings, load_settings

log = logging.getLogger(__name__)

# Training the full model takes minutes of CPU here; evaluation two model loads more.
TRAINING_TIMEOUT = 3 * 3600
# The page polls; more often than this the log tail would only load the database.
PROGRESS_EVERY = 2.0


def training_queue(settings: Settings) -> str:
    """A queue of its own, served by its own worker (`mara serve` starts it): a training
    takes minutes and must not hold up the workers that answer WhatsApp messages."""
    return f"{settings.queue_name}-training"


def enqueue_training(settings: Settings, run_id: int) -> None:
    Queue(training_queue(settings), connection=get_redis(settings.redis_url or "")).enqueue(
        "mara.jobs.training.train_and_evaluate",
        run_id,
        job_id=f"training-{run_id}",
        job_timeout=TRAINING_TIMEOUT,
    )


def train_and_evaluate(
    run_id: int, cfg: training.PipelineConfig | None = None, database_url: str | None = None
) -> str:
    database_url = database_url or load_settings().database_url
    with UnitOfWork(database_url) as uow:
        started = nlu_training.start_run(uow, run_id)
        uow.commit()
    if not started:
        return "not queued (already run)"
    pending: list[str] = []
    last_at, last_step = [0.0], [""]

    def progress(step: str, percent: int, line: str) -> None:
        pending.append(line)
        now = time.monotonic()
        if now - last_at[0] < PROGRESS_EVERY and step == last_step[0] and percent < 100:
            return
        last_at[0], last_step[0] = now, step
        with UnitOfWork(database_url) as uow:
            nlu_training.note_progress(uow, run_id, step, percent, "".join(pending))
            uow.commit()
        pending.clear()

    try:
        result = training.run_pipeline(f"run-{run_id}", progress, cfg or training.PipelineConfig())
    except Exception as exc:  # the run records why; the page shows it
        log.warning("training run #%s failed: %s", run_id, type(exc).__name__)
        with UnitOfWork(database_url) as uow:
            nlu_training.note_progress(uow, run_id, last_step[0] or "validate", 0, "".join(pending))
            nlu_training.finish_run(uow, run_id, error=str(exc) or type(exc).__name__)
            uow.commit()
        return "failed"
    with UnitOfWork(database_url) as uow:
        if pending:
            nlu_training.note_progress(uow, run_id, "done", 100, "".join(pending))
        nlu_training.finish_run(
            uow,
            run_id,
            candidate_model=str(result.candidate.resolve()),
            live_model=str(result.live.resolve()) if result.live else None,
            report=result.report,
        )
        uow.commit()
    return "succeeded"


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
    job_id = f"{action}-{run_id or 'last'}-{int(time.time())}"
    Queue(training_queue(settings), connection=get_redis(settings.redis_url or "")).enqueue(
        "mara.jobs.training.publish_or_rollback",
        action,
        published_by,
        run_id,
        force,
        reason,
        job_id=job_id,
        job_timeout=900,
    )
    return job_id


def publish_or_rollback(
    action: str,
    published_by: str,
    run_id: int | None = None,
    force: bool = False,
    reason: str | None = None,
) -> str:
    """The result is a sentence for the page (the publication itself is in the database)."""
    from mara.services.nlu_training import GateRefused

    settings = load_settings()
    try:
        if action == "publish":
            done = model_publishing.publish(
                settings.database_url,
                settings.rasa_url,
                published_by,
                run_id=run_id,
                force=force,
                reason=reason,
            )
        else:
            done = model_publishing.rollback(settings.database_url, settings.rasa_url, published_by)
    except (GateRefused, training.PublishFailed) as exc:
        return f"refused: {exc}"
    return f"{done.action}: {done.model.name}"
