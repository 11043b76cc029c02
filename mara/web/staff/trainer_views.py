"""The trainer workspace ("Entrenamiento", trainer and admin): the review inbox and its
labels, "Entrenar" with its progress and the held-out comparison, publish behind the gate,
and rollback. Flash messages are codes; staff/_trainer_flash.html words them."""

from __future__ import annotations

from pathlib import Path

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user

from mara.adapters import rasa_training, redis_queue
from mara.db.unit_of_work import UnitOfWork
from mara.services import nlu_review, nlu_training
from mara.web.staff import bp
from mara.web.staff.auth import requires
from mara.web.staff.common import actor, settings

TRAINER = ("trainer", "admin")
REPORTS = ("candidate", "live")
# The publish or rollback job this browser session started (the page polls it).
JOB_KEY = "training_job"


def _notice(code: str, category: str = "ok", **values: object) -> None:
    """A flash message as a code and its figures (the session stores any JSON value);
    staff/_trainer_flash.html words it in Spanish."""
    flash({"code": code, **values}, category)  # type: ignore[arg-type]


def _root() -> Path:
    return settings().training_root


def _intents() -> list[str]:
    return sorted(nlu_review.domain_intents(_root()))


def _selected_ids() -> list[int]:
    """Inbound ids of the checked groups (each value is a group's comma-separated ids)."""
    ids: list[int] = []
    for value in request.form.getlist("ids"):
        ids += [int(x) for x in value.split(",") if x.strip().isdigit()]
    return sorted(set(ids))


def _publication_job() -> dict | None:
    """What became of the publish or rollback this session asked for, for the pages."""
    job_id = session.get(JOB_KEY)
    if not job_id:
        return None
    status, result = redis_queue.job_outcome(settings(), job_id)
    if status == "missing":
        # Its result expired (minutes after it ran): the publications list tells the rest.
        session.pop(JOB_KEY, None)
        return None
    text = result if isinstance(result, str) else ""
    if status == "finished":
        state = "refused" if text.startswith("refused:") else "done"
    elif status in ("failed", "stopped", "canceled"):
        state = "failed"
    else:
        state = "pending"
    action = job_id.split("-", 1)[0]
    return {"id": job_id, "action": action, "state": state, "detail": text.partition(": ")[2]}


@bp.get("/training")
@requires(*TRAINER)
def training():
    with UnitOfWork(settings().database_url) as uow:
        groups = nlu_review.group_items(nlu_review.review_inbox(uow))
        runs = nlu_training.recent_runs(uow, 10)
        publications = nlu_training.publications(uow, 10)
        uow.commit()
    live = rasa_training.live_model(_root())
    return render_template(
        "staff/training.html",
        groups=groups,
        intents=_intents(),
        runs=runs,
        publications=publications,
        live=live.name if live else None,
        job=_publication_job(),
    )


@bp.post("/training/label")
@requires(*TRAINER)
def training_label():
    ids = _selected_ids()
    noise = request.form.get("action") == "noise"
    intent = request.form.get("intent") or None
    if not ids:
        _notice("nothing_selected", "error")
        return redirect(url_for("staff.training"))
    if not noise and not intent:
        _notice("no_intent", "error")
        return redirect(url_for("staff.training"))
    with UnitOfWork(settings().database_url) as uow:
        try:
            count = nlu_review.label_messages(
                uow, ids, intent, actor().name, noise=noise, intents=frozenset(_intents())
            )
        except nlu_review.UnknownIntent:
            _notice("unknown_intent", "error")
            return redirect(url_for("staff.training"))
        uow.commit()
    _notice("noise" if noise else "labelled", count=count, intent=intent)
    return redirect(url_for("staff.training"))


@bp.post("/training/train")
@requires(*TRAINER)
def training_train():
    with UnitOfWork(settings().database_url) as uow:
        run_id, created = nlu_training.request_run(uow, actor().name)
        uow.commit()
    if created:
        redis_queue.enqueue_training(settings(), run_id, export_reviewed=True)
    _notice("training_queued" if created else "training_busy", run=run_id)
    return redirect(url_for("staff.training_run", run_id=run_id))


def _run_or_404(run_id: int) -> nlu_training.RunView:
    with UnitOfWork(settings().database_url) as uow:
        run = nlu_training.get_run(uow, run_id)
        uow.commit()
    if run is None:
        abort(404)
    return run


def _comparison(run: nlu_training.RunView) -> dict:
    """Per intent, candidate and live side by side: {intent: (candidate, live)}."""
    candidate = run.report.get("candidate") or {}
    live = run.report.get("live") or {}
    intents = sorted(set(candidate.get("per_intent", {})) | set(live.get("per_intent", {})))
    return {
        i: (candidate.get("per_intent", {}).get(i), live.get("per_intent", {}).get(i))
        for i in intents
    }


@bp.get("/training/runs/<int:run_id>")
@requires(*TRAINER)
def training_run(run_id: int):
    run = _run_or_404(run_id)
    with UnitOfWork(settings().database_url) as uow:
        publications = [p for p in nlu_training.publications(uow, 50) if p.run_id == run_id]
        uow.commit()
    return render_template(
        "staff/training_run.html",
        run=run,
        comparison=_comparison(run),
        publications=publications,
        job=_publication_job(),
        is_admin=current_user.role == "admin",
    )


@bp.get("/training/runs/<int:run_id>/status.json")
@requires(*TRAINER)
def training_run_status(run_id: int):
    run = _run_or_404(run_id)
    job = _publication_job()
    return jsonify(
        status=run.status,
        step=run.step,
        percent=run.percent,
        publication=job["state"] if job else None,
    )


@bp.get("/training/runs/<int:run_id>/confusion-<which>.png")
@requires(*TRAINER)
def training_confusion(run_id: int, which: str):
    if which not in REPORTS:
        abort(404)
    run = _run_or_404(run_id)
    png = (run.report.get(which) or {}).get("confusion_png")
    if not png or not Path(png).is_file():
        abort(404)
    return send_file(Path(png), mimetype="image/png", max_age=0)


@bp.post("/training/runs/<int:run_id>/publish")
@requires(*TRAINER)
def training_publish(run_id: int):
    run = _run_or_404(run_id)
    force = request.form.get("force") == "1"
    if force and current_user.role != "admin":
        abort(403)
    reason = (request.form.get("reason") or "").strip() or None
    live = rasa_training.live_model(_root())
    try:
        nlu_training.check_gate(run, str(live.resolve()) if live else None, force, reason)
    except nlu_training.GateRefused as refused:
        _notice(
            f"gate_{refused.code}",
            "error",
            candidate=run.candidate_macro_f1,
            live=run.live_macro_f1,
        )
        return redirect(url_for("staff.training_run", run_id=run_id))
    session[JOB_KEY] = redis_queue.enqueue_publication(
        settings(), "publish", actor().name, run_id, force, reason if force else None
    )
    _notice("publish_queued", run=run_id)
    return redirect(url_for("staff.training_run", run_id=run_id))


@bp.post("/training/rollback")
@requires(*TRAINER)
def training_rollback():
    session[JOB_KEY] = redis_queue.enqueue_publication(settings(), "rollback", actor().name)
    _notice("rollback_queued")
    return redirect(url_for("staff.training"))
