"""The request desk pages: list, CSV, detail, actions, new request, attachments."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date, datetime
from pathlib import Path

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from mara import clock
from mara.adapters.redis_queue import enqueue_email, enqueue_outbound
from mara.db.models import TicketAttachment
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BOGOTA
from mara.domain.tickets import REVIEW_CRITERIA
from mara.policy.catalogs import document_types, services
from mara.policy.channels import business_calendar
from mara.policy.pqrs_types import catalog
from mara.policy.staff_texts import staff_text
from mara.services import (
    accounts,
    advisers,
    answering,
    attachments,
    desk,
    intake,
)
from mara.services.queries import tickets as queries
from mara.web.staff import bp, labels
from mara.web.staff.auth import requires
from mara.web.staff.common import actor, form_version, run_action, settings

DESK = ("au", "admin", "area")
AU = ("au",)
ALL = ("au", "area", "trainer", "admin")


@bp.app_context_processor
def _labels():
    return {"labels": labels, "criteria": REVIEW_CRITERIA}


@bp.app_template_filter("local")
def _local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(BOGOTA).strftime(fmt) if value else ""


@bp.get("/")
@requires(*ALL)
def index():
    if current_user.role in DESK:
        return redirect(url_for("staff.requests"))
    if current_user.role == "trainer":
        return redirect(url_for("staff.training"))
    return redirect(url_for("staff.home"))


@bp.get("/home")
@requires(*ALL)
def home():
    return render_template("staff/home.html")


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filter() -> queries.TicketFilter:
    args = request.args
    page = args.get("page", "1")
    sort = args.get("sort", "default")
    return queries.TicketFilter(
        status=args.get("status", ""),
        pqrs_type=args.get("type", ""),
        area=args.get("area", ""),
        channel=args.get("channel", ""),
        sla=args.get("sla", ""),
        date_from=_date("from"),
        date_to=_date("to"),
        q=args.get("q", "")[:100],
        sort=sort if sort in queries.SORTS else "default",
        page=int(page) if page.isdigit() else 1,
    )


@bp.get("/requests")
@requires(*DESK)
def requests():
    f = _filter()
    now = clock.now()
    with UnitOfWork(settings().database_url) as uow:
        page = queries.list_tickets(uow, actor(), f, now, business_calendar())
        areas = accounts.areas(uow)
        waiting = advisers.count_waiting(uow, now) if current_user.role in AU else 0
        uow.commit()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "staff/list.html",
        page=page,
        f=f,
        args=args,
        areas=areas,
        types=catalog().types,
        channels=labels.CHANNEL,
        waiting=waiting,
        today=now.astimezone(BOGOTA).date(),
    )


@bp.get("/requests.csv")
@requires(*DESK)
def requests_csv():
    f = _filter()
    with UnitOfWork(settings().database_url) as uow:
        page = queries.list_tickets(
            uow, actor(), f, clock.now(), business_calendar(), paginate=False
        )
        uow.commit()
    out = io.StringIO()
    # Excel in Spanish locales expects ";" between fields and the BOM to read UTF-8.
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            "radicado",
            "recibida",
            "tipo_propuesto",
            "confianza",
            "tipo",
            "canal",
            "solicitante",
            "area",
            "estado",
            "vence_area",
            "vence_respuesta",
            "sla",
            "asignada_a",
        ]
    )
    for r in page.rows:
        writer.writerow(
            _cell(value)
            for value in [
                r.radicado,
                r.received_at.astimezone(BOGOTA).strftime("%Y-%m-%d %H:%M"),
                r.proposed_type or "",
                f"{r.proposed_confidence:.2f}" if r.proposed_confidence is not None else "",
                r.pqrs_type,
                r.channel,
                r.requester,
                r.area or "",
                labels.STATUS.get(r.status, r.status),
                r.area_due_on.isoformat(),
                r.answer_due_on.isoformat(),
                labels.SLA.get(r.sla.value, r.sla.value),
                r.assigned_to or "",
            ]
        )
    body = "\ufeff" + out.getvalue()
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=solicitudes.csv"},
    )


def _cell(value: str) -> str:
    """Spreadsheets run cells that start like a formula; such text is kept as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@bp.get("/requests/<radicado>")
@requires(*DESK)
def detail(radicado: str):
    now = clock.now()
    with UnitOfWork(settings().database_url) as uow:
        try:
            view = queries.ticket_detail(uow, radicado, actor(), now, business_calendar())
        except desk.NotFound:
            abort(404)
        areas = accounts.areas(uow)
        area_users = accounts.users(uow, role="area")
        window = answering.window_open(uow, view.ticket.wa_id, now) if view.ticket.wa_id else False
        uow.commit()
    return render_template(
        "staff/detail.html",
        d=view,
        t=view.ticket,
        areas=areas,
        area_users=area_users,
        types=catalog().types,
        window=window,
        approved=desk.review_approved(view.ticket),
        can_au=current_user.role in AU,
        can_area_answer=current_user.role in ("au", "area"),
        template_configured=bool(settings().template_answer_sid),
        service_label={s.key: s.label for s in services()}.get(view.ticket.service or ""),
    )


@bp.post("/requests/<radicado>/classify")
@requires(*AU)
def classify(radicado: str):
    kind = request.form.get("type", "")
    _, back = run_action(
        radicado,
        lambda uow, who: desk.classify(uow, radicado, who, kind, clock.now(), form_version()),
        staff_text("desk_done.classified"),
    )
    return back


@bp.post("/requests/<radicado>/route")
@requires(*AU)
def route(radicado: str):
    area = request.form.get("area", "")
    assigned = request.form.get("assigned_to", "")
    _, back = run_action(
        radicado,
        lambda uow, who: desk.route(
            uow,
            radicado,
            who,
            area,
            clock.now(),
            form_version(),
            int(assigned) if assigned.isdigit() else None,
        ),
        staff_text("desk_done.routed"),
    )
    return back


@bp.post("/requests/<radicado>/area-answer")
@requires("au", "area")
def area_answer(radicado: str):
    text = request.form.get("answer", "")
    _, back = run_action(
        radicado,
        lambda uow, who: desk.area_answer(uow, radicado, who, text, clock.now(), form_version()),
        staff_text("desk_done.area_answered"),
    )
    return back


@bp.post("/requests/<radicado>/review")
@requires(*AU)
def review(radicado: str):
    text = request.form.get("final_answer", "")
    checklist = {c: request.form.get(c) == "on" for c in REVIEW_CRITERIA}
    _, back = run_action(
        radicado,
        lambda uow, who: desk.review(
            uow, radicado, who, text, checklist, clock.now(), form_version()
        ),
        staff_text("desk_done.reviewed"),
    )
    return back


def dispatch(result: answering.AnswerDispatch | list[int] | None) -> None:
    """After commit: enqueue the WhatsApp sends and deliver the e-mails."""
    if result is None:
        return
    s = settings()
    outbound = result if isinstance(result, list) else result.outbound_ids
    for outbound_id in outbound:
        enqueue_outbound(s, outbound_id)
    if isinstance(result, answering.AnswerDispatch):
        for email_id in result.email_ids:
            enqueue_email(s, email_id)
        if result.mode == answering.HELD:
            flash(staff_text("desk_done.answer_held"), "error")


@bp.post("/requests/<radicado>/send")
@requires(*AU)
def send(radicado: str):
    result, back = run_action(
        radicado,
        lambda uow, who: answering.send_answer(
            uow, radicado, who, clock.now(), settings().template_answer_sid, form_version()
        ),
        staff_text("desk_done.answer_sent"),
    )
    dispatch(result)
    return back


@bp.post("/requests/<radicado>/resend-template")
@requires(*AU)
def resend_template(radicado: str):
    result, back = run_action(
        radicado,
        lambda uow, who: answering.resend_held(
            uow, radicado, who, settings().template_answer_sid, clock.now()
        ),
        staff_text("desk_done.template_resent"),
    )
    dispatch(result)
    return back


@bp.post("/requests/<radicado>/release-answer")
@requires(*AU)
def release_answer(radicado: str):
    result, back = run_action(
        radicado,
        lambda uow, who: answering.release_for_ticket(uow, radicado, who, clock.now()),
        staff_text("desk_done.answer_sent"),
    )
    dispatch(result)
    return back


@bp.post("/requests/<radicado>/resarcimiento")
@requires(*AU)
def resarcimiento(radicado: str):
    applies = request.form.get("applies") == "si"
    detail_text = request.form.get("detail", "")
    _, back = run_action(
        radicado,
        lambda uow, who: desk.record_resarcimiento(
            uow, radicado, who, applies, detail_text, clock.now(), form_version()
        ),
        staff_text("desk_done.resarcimiento"),
    )
    return back


@bp.post("/requests/<radicado>/close")
@requires(*AU)
def close(radicado: str):
    _, back = run_action(
        radicado,
        lambda uow, who: desk.close(uow, radicado, who, clock.now(), form_version()),
        staff_text("desk_done.closed"),
    )
    return back


@bp.post("/requests/<radicado>/reopen")
@requires(*AU)
def reopen(radicado: str):
    reason = request.form.get("reason", "")
    _, back = run_action(
        radicado,
        lambda uow, who: desk.reopen(uow, radicado, who, reason, clock.now(), form_version()),
        staff_text("desk_done.reopened"),
    )
    return back


def _received_at(raw: str) -> datetime | None:
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=BOGOTA) if raw else None
    except ValueError:
        return None


@bp.route("/requests/new", methods=["GET", "POST"])
@requires(*AU)
def new_request():
    form = request.form
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = intake.IntakeForm(
            channel=form.get("channel", ""),
            pqrs_type=form.get("type", ""),
            description=form.get("description", ""),
            service=form.get("service", ""),
            anonymous=form.get("anonymous") == "on",
            full_name=form.get("full_name", ""),
            document_type=form.get("document_type", ""),
            document_number=form.get("document_number", ""),
            phone=form.get("phone", ""),
            email=form.get("email", ""),
            consent=form.get("consent") == "on",
            preferential=form.get("preferential") == "on",
            received_at=_received_at(form.get("received_at", "")),
            nonce=form.get("nonce", "")[:40],
        )
        try:
            with UnitOfWork(settings().database_url) as uow:
                radicado = intake.register(
                    uow, data, actor(), clock.now(), catalog().privacy_policy_version
                )
                uow.commit()
        except intake.IntakeError as exc:
            errors = exc.errors
            flash(str(exc), "error")
        else:
            flash(staff_text("desk_done.filed", radicado=radicado), "ok")
            return redirect(url_for("staff.detail", radicado=radicado))
    return render_template(
        "staff/new.html",
        form=form,
        errors=errors,
        nonce=form.get("nonce") or secrets.token_hex(16),
        types=catalog().types,
        services=services(),
        document_types=document_types(),
        channels={k: v for k, v in labels.CHANNEL.items() if k in intake.STAFF_CHANNELS},
    ), (400 if errors else 200)


@bp.get("/attachments/<int:attachment_id>")
@requires(*DESK)
def attachment(attachment_id: int):
    with UnitOfWork(settings().database_url) as uow:
        row = uow.session.get(TicketAttachment, attachment_id)
        if row is None or not actor().can_view(row.ticket):
            abort(404)
        stored, content_type = row.stored_path, row.content_type
        uow.commit()
    if not stored:
        abort(404)
    base = Path(settings().media_dir).resolve()
    path = (base / stored).resolve()
    if base not in path.parents or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=content_type or "application/octet-stream")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/requests/<radicado>/attachments")
@requires(*DESK)
def fetch_attachments(radicado: str):
    with UnitOfWork(settings().database_url) as uow:
        try:
            ticket_id = desk.load(uow, radicado, actor()).id
        except desk.NotFound:
            abort(404)
        uow.commit()
    s = settings()
    stored, refused = attachments.fetch_missing(
        lambda: UnitOfWork(s.database_url),
        attachments.twilio_fetcher(s),
        Path(s.media_dir),
        ticket_id,
    )
    if stored:
        flash(staff_text("desk_done.attachments_stored", count=stored), "ok")
    if refused:
        flash(staff_text("desk_done.attachments_refused", reasons="; ".join(refused)), "error")
    return redirect(url_for("staff.detail", radicado=radicado))
