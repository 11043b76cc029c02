"""Training runs and model publications: the records a trainer's page polls and the gate
that keeps a worse model from going live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from mara.clock import utcnow
from mara.db.models import ModelPublication, TrainingRun
from mara.db.unit_of_work import UnitOfWork

LOG_TAIL_CHARS = 4000


class GateRefused(Exception):
    """The candidate scores below the live model on the held-out set (or cannot be compared).
    `code` names the reason for the pages: no_run, no_candidate, needs_reason, live_changed,
    lower_f1."""

    def __init__(self, message: str, code: str = "no_candidate"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class RunView:
    id: int
    status: str
    step: str
    percent: int
    log_tail: str
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    candidate_model: str | None
    live_model: str | None
    report: dict
    error: str | None

    @property
    def candidate_macro_f1(self) -> float | None:
        return (self.report.get("candidate") or {}).get("pqrs_macro_f1")

    @property
    def live_macro_f1(self) -> float | None:
        return (self.report.get("live") or {}).get("pqrs_macro_f1")

    @property
    def gate_passed(self) -> bool | None:
        return gate_passes(self.candidate_macro_f1, self.live_macro_f1)


def gate_passes(candidate_f1: float | None, live_f1: float | None) -> bool | None:
    """The candidate may go live when its PQRS macro-F1 is not lower than the live one's;
    None when there is nothing to compare yet. With no live model, any candidate passes."""
    if candidate_f1 is None:
        return None
    if live_f1 is None:
        return True
    return round(candidate_f1, 4) >= round(live_f1, 4)


def _view(row: TrainingRun) -> RunView:
    return RunView(
        row.id,
        row.status,
        row.step,
        row.percent,
        row.log_tail,
        row.requested_by,
        row.created_at,
        row.started_at,
        row.finished_at,
        row.candidate_model,
        row.live_model,
        dict(row.report or {}),
        row.error,
    )


def create_run(uow: UnitOfWork, requested_by: str) -> int:
    """A queued run (the caller commits, then enqueues the job with its id)."""
    row = TrainingRun(requested_by=requested_by, created_at=utcnow(), report={})
    uow.session.add(row)
    uow.session.flush()
    return row.id


def request_run(uow: UnitOfWork, requested_by: str) -> tuple[int, bool]:
    """The page's "Entrenar": (run id, created). While a run is queued or running, that
    one is returned instead of a second (one training at a time: it takes the CPU for
    minutes). The caller commits, then enqueues mara.jobs.training.train_and_evaluate."""
    running = active_run(uow)
    if running is not None:
        return running.id, False
    return create_run(uow, requested_by), True


def active_run(uow: UnitOfWork) -> RunView | None:
    """The run queued or in progress, if any: one training at a time on this machine."""
    row = uow.session.scalar(
        select(TrainingRun)
        .where(TrainingRun.status.in_(("queued", "running")))
        .order_by(TrainingRun.id.desc())
        .limit(1)
    )
    return None if row is None else _view(row)


def get_run(uow: UnitOfWork, run_id: int) -> RunView | None:
    row = uow.session.get(TrainingRun, run_id)
    return None if row is None else _view(row)


def recent_runs(uow: UnitOfWork, limit: int = 20) -> list[RunView]:
    rows = uow.session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit))
    return [_view(r) for r in rows]


def start_run(uow: UnitOfWork, run_id: int) -> bool:
    """Mark the run running; False when it is not queued (a redelivered job)."""
    row = uow.session.get(TrainingRun, run_id)
    if row is None or row.status != "queued":
        return False
    row.status, row.step, row.started_at = "running", "validate", utcnow()
    return True


def note_progress(
    uow: UnitOfWork, run_id: int, step: str, percent: int, log_lines: str = ""
) -> None:
    row = uow.session.get(TrainingRun, run_id)
    if row is None:
        return
    row.step = step
    row.percent = max(0, min(100, percent))
    if log_lines:
        row.log_tail = (row.log_tail + log_lines)[-LOG_TAIL_CHARS:]


def finish_run(
    uow: UnitOfWork,
    run_id: int,
    *,
    candidate_model: str | None = None,
    live_model: str | None = None,
    report: dict | None = None,
    error: str | None = None,
) -> None:
    row = uow.session.get(TrainingRun, run_id)
    if row is None:
        return
    row.status = "failed" if error else "succeeded"
    row.step = "failed" if error else "done"
    row.percent = row.percent if error else 100
    row.finished_at = utcnow()
    row.candidate_model = candidate_model
    row.live_model = live_model
    row.report = report or {}
    row.error = error[-2000:] if error else None


@dataclass(frozen=True)
class PublicationView:
    id: int
    action: str
    model: str
    previous_model: str | None
    run_id: int | None
    candidate_macro_f1: float | None
    live_macro_f1: float | None
    forced: bool
    reason: str | None
    published_by: str
    published_at: datetime


def check_gate(run: RunView, current_live: str | None, force: bool, reason: str | None) -> None:
    """Raise GateRefused unless the run's candidate may go live (or an admin forces it)."""
    if run.status != "succeeded" or not run.candidate_model:
        raise GateRefused("the run has no evaluated candidate", "no_candidate")
    if force:
        if not (reason and reason.strip()):
            raise GateRefused("forcing a publication needs a reason", "needs_reason")
        return
    if current_live and run.live_model and current_live != run.live_model:
        raise GateRefused(
            "the live model changed since this run; train or evaluate again", "live_changed"
        )
    if not gate_passes(run.candidate_macro_f1, run.live_macro_f1):
        raise GateRefused(
            f"PQRS macro-F1 {run.candidate_macro_f1:.3f} < live {run.live_macro_f1:.3f}",
            "lower_f1",
        )


def record_publication(
    uow: UnitOfWork,
    *,
    action: str,
    model: str,
    previous_model: str | None,
    published_by: str,
    run: RunView | None = None,
    forced: bool = False,
    reason: str | None = None,
) -> int:
    row = ModelPublication(
        action=action,
        model=model,
        previous_model=previous_model,
        run_id=run.id if run else None,
        candidate_macro_f1=run.candidate_macro_f1 if run else None,
        live_macro_f1=run.live_macro_f1 if run else None,
        forced=forced,
        reason=reason,
        published_by=published_by,
        published_at=utcnow(),
    )
    uow.session.add(row)
    uow.session.flush()
    return row.id


def publications(uow: UnitOfWork, limit: int = 20) -> list[PublicationView]:
    rows = uow.session.scalars(
        select(ModelPublication).order_by(ModelPublication.id.desc()).limit(limit)
    )
    return [
        PublicationView(
            r.id,
            r.action,
            r.model,
            r.previous_model,
            r.run_id,
            r.candidate_macro_f1,
            r.live_macro_f1,
            r.forced,
            r.reason,
            r.published_by,
            r.published_at,
        )
        for r in rows
    ]
