"""Model publication use cases: put a trained candidate live behind the evaluation gate
(or an admin's forced override, with a reason), or roll back to the model live before;
every change recorded (mara.services.nlu_training)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from mara.adapters.rasa_training import (
    PUBLISHED,
    PublishFailed,
    current_model,
    fingerprint,
    live_model,
    publish_model,
    restore_model,
)
from mara.db.unit_of_work import UnitOfWork
from mara.services import nlu_training
from mara.settings import ROOT


@dataclass(frozen=True)
class Publication:
    action: str
    model: Path
    previous: Path | None
    candidate_macro_f1: float | None = None
    live_macro_f1: float | None = None
    forced: bool = False


def publish(
    database_url: str,
    rasa_url: str,
    published_by: str,
    run_id: int | None = None,
    force: bool = False,
    reason: str | None = None,
    root: Path = ROOT,
    push: bool = True,
) -> Publication:
    """Put a run's candidate live if the gate lets it (or an admin forces it, with a reason).
    Without `run_id`, the latest successful run. Raises GateRefused or PublishFailed."""
    with UnitOfWork(database_url) as uow:
        if run_id is None:
            runs = [r for r in nlu_training.recent_runs(uow, 50) if r.status == "succeeded"]
            if not runs:
                raise nlu_training.GateRefused("no successful training run to publish", "no_run")
            run = runs[0]
        else:
            found = nlu_training.get_run(uow, run_id)
            if found is None:
                raise nlu_training.GateRefused(f"no training run #{run_id}", "no_run")
            run = found
    previous = live_model(root)
    nlu_training.check_gate(run, str(previous.resolve()) if previous else None, force, reason)
    candidate = Path(run.candidate_model or "")
    if not candidate.exists():
        raise PublishFailed(f"the candidate of run #{run.id} is no longer on disk")
    if previous is not None and previous.resolve().parent != (root / PUBLISHED).resolve():
        # `mara train` deletes older models from models/: keep this one for a rollback.
        (root / PUBLISHED).mkdir(parents=True, exist_ok=True)
        kept = root / PUBLISHED / previous.name
        if not kept.exists():
            shutil.copy2(previous, kept)
        previous = kept
    model = publish_model(rasa_url, candidate, root, push)
    trained = run.report.get("fingerprint")
    if trained and trained == fingerprint(root) and current_model(root) is None:
        # Trained on today's data: `mara train` (make run) need not train it again.
        shutil.copy2(model, root / "models" / f"mara-{trained}.tar.gz")
    with UnitOfWork(database_url) as uow:
        nlu_training.record_publication(
            uow,
            action="publish",
            model=str(model.resolve()),
            previous_model=str(previous.resolve()) if previous else None,
            published_by=published_by,
            run=run,
            forced=force,
            reason=reason.strip() if force and reason else None,
        )
        uow.commit()
    return Publication("publish", model, previous, run.candidate_macro_f1, run.live_macro_f1, force)


def rollback(
    database_url: str, rasa_url: str, published_by: str, root: Path = ROOT, push: bool = True
) -> Publication:
    """Serve again the model that was live before the last publish (or rollback)."""
    with UnitOfWork(database_url) as uow:
        history = nlu_training.publications(uow, 1)
    if not history or not history[0].previous_model:
        raise PublishFailed("nothing to roll back to: no earlier model was published")
    current = live_model(root)
    model = restore_model(rasa_url, Path(history[0].previous_model), root, push)
    with UnitOfWork(database_url) as uow:
        nlu_training.record_publication(
            uow,
            action="rollback",
            model=str(model.resolve()),
            previous_model=str(current.resolve()) if current else None,
            published_by=published_by,
        )
        uow.commit()
    return Publication("rollback", model, current)
