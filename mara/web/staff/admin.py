"""Administration pages: staff users, areas (from config/areas.yml) and API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.engine import make_url

from mara.db.unit_of_work import UnitOfWork
from mara.policy.channels import business_calendar
from mara.policy.staff_texts import staff_text
from mara.services import accounts
from mara.web.staff import bp
from mara.web.staff.auth import requires
from mara.web.staff.common import actor, settings


@bp.route("/users", methods=["GET", "POST"])
@requires("admin")
def users():
    status = 200
    if request.method == "POST":
        f = request.form
        try:
            with UnitOfWork(settings().database_url) as uow:
                created = accounts.create_user(
                    uow,
                    f.get("email", ""),
                    f.get("password", ""),
                    f.get("role", ""),
                    name=f.get("name") or None,
                    area_slug=f.get("area") or None if f.get("role") == "area" else None,
                )
                uow.commit()
        except accounts.AccountError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash(staff_text("admin.user_created", email=created.email), "ok")
            return redirect(url_for("staff.users"))
    with UnitOfWork(settings().database_url) as uow:
        rows = accounts.users(uow)
        areas = accounts.areas(uow)
        uow.commit()
    return render_template(
        "staff/users.html", users=rows, areas=areas, roles=accounts.ROLES, form=request.form
    ), status


@bp.post("/users/<int:user_id>/active")
@requires("admin")
def user_active(user_id: int):
    active = request.form.get("active") == "1"
    if user_id == actor().user_id and not active:
        flash(staff_text("admin.self_deactivate"), "error")
        return redirect(url_for("staff.users"))
    try:
        with UnitOfWork(settings().database_url) as uow:
            accounts.set_active(uow, user_id, active)
            uow.commit()
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(staff_text("admin.user_activated" if active else "admin.user_deactivated"), "ok")
    return redirect(url_for("staff.users"))


@bp.get("/areas")
@requires("admin")
def areas():
    with UnitOfWork(settings().database_url) as uow:
        rows = accounts.areas(uow, include_inactive=True)
        uow.commit()
    return render_template("staff/areas.html", areas=rows)


@bp.get("/config")
@requires("admin")
def config():
    """What this installation is configured with; secrets are never shown."""
    s = settings()
    smtp = urlsplit(s.smtp_url) if s.smtp_url else None
    missing = staff_text("config_page.template_missing")
    rows = [
        ("PUBLIC_URL", s.public_url),
        (staff_text("config_page.database"), make_url(s.database_url).get_backend_name()),
        (
            "Twilio",
            staff_text("config_page.twilio_on" if s.twilio_enabled else "config_page.twilio_off"),
        ),
        ("TWILIO_WHATSAPP_NUMBER", s.twilio_whatsapp_number or "—"),
        ("TWILIO_TEMPLATE_ANSWER_SID", s.template_answer_sid or missing),
        ("TWILIO_TEMPLATE_SURVEY_SID", s.template_survey_sid or missing),
        ("TWILIO_TEMPLATE_REMINDER_SID", s.template_reminder_sid or missing),
        (
            "SMTP",
            f"{smtp.hostname}:{smtp.port or ''}" if smtp else staff_text("config_page.smtp_off"),
        ),
        ("MARA_MAIL_FROM", s.mail_from),
        ("MARA_MEDIA_DIR", s.media_dir),
    ]
    terms = business_calendar().terms
    rows += [
        (label, staff_text("config_page.business_days", days=days))
        for label, days in (
            (staff_text("config_page.area_term"), terms.area_days),
            (staff_text("config_page.answer_term"), terms.area_days + terms.au_days),
            (staff_text("config_page.resarcimiento_term"), terms.resarcimiento_days),
        )
    ]
    return render_template("staff/config.html", rows=rows)


@bp.route("/tokens", methods=["GET", "POST"])
@requires("admin")
def tokens():
    new_token = None
    if request.method == "POST":
        try:
            with UnitOfWork(settings().database_url) as uow:
                new_token = accounts.create_api_token(
                    uow, request.form.get("name", ""), actor().name
                )
                uow.commit()
        except accounts.AccountError as exc:
            flash(str(exc), "error")
    with UnitOfWork(settings().database_url) as uow:
        rows = accounts.api_tokens(uow)
        uow.commit()
    return render_template("staff/tokens.html", tokens=rows, new_token=new_token)


@bp.post("/tokens/<int:token_id>/revoke")
@requires("admin")
def token_revoke(token_id: int):
    with UnitOfWork(settings().database_url) as uow:
        accounts.revoke_api_token(uow, token_id)
        uow.commit()
    flash(staff_text("admin.token_revoked"), "ok")
    return redirect(url_for("staff.tokens"))
