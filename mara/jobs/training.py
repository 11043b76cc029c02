"""RQ entry point of the trainer workspace's "Entrenar": validate, train a candidate,
evaluate it beside the live model; progress in the run's record (mara.jobs.training.*)."""

from __future__ import annotations

import logging
import time

from mara.adapters import rasa_training as training
from mara.db.unit_of_work import UnitOfWork
from mara.services import model_publishing, nlu_review, nlu_training
from mara.settings import load_settings

log = logging.getLogger(__name__)

# The page polls; more often than this the log tail would only load the database.
PROGRESS_EVERY = 2.0


def train_and_evaluate(
    run_id: int,
    cfg: training.PipelineConfig | None = None,
    database_url: str | None = None,
    export_reviewed: bool = False,
) -> str:
    """validate → train → evaluate (`export_reviewed`: the labelled messages are written to
    the training data first, as the trainer workspace's "Entrenar" does)."""
    if cfg is None or database_url is None:
        settings = load_settings()
        cfg = cfg or training.PipelineConfig(root=settings.training_root)
        database_url = database_url or settings.database_url
    with UnitOfWork(database_url) as uow:
        started = nlu_training.start_run(uow, run_id)
        uow.commit()
    if not started:
        return "not queued (already run)"
    if export_reviewed:
        with UnitOfWork(database_url) as uow:
            exported = nlu_review.export_reviewed(
                uow, cfg.root / cfg.data / "nlu" / nlu_review.REVIEWED_FILE.name, cfg.root
            )
            nlu_training.note_progress(
                uow,
                run_id,
                "export",
                1,
                f"{sum(exported.written.values())} labelled example(s) written to "
                f"{exported.path.relative_to(cfg.root)}\n",
            )
            uow.commit()
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
        result = training.run_pipeline(f"run-{run_id}", progress, cfg)
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
                root=settings.training_root,
            )
        else:
            done = model_publishing.rollback(
                settings.database_url, settings.rasa_url, published_by, root=settings.training_root
            )
    except (GateRefused, training.PublishFailed) as exc:
        return f"refused: {exc}"
    return f"{done.action}: {done.model.name}"
