"""Follow-ups (the SLA sweep's pending reminders, AU and area users see theirs; AU also the
open staff alerts) and the quarterly report (AU and admin): page, PNG charts, CSV and PDF."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from mara import clock
from mara.db.unit_of_work import UnitOfWork
from mara.policy.channels import business_calendar
from mara.policy.staff_texts import staff_text
from mara.services import alerts, followup
from mara.services.reports import Quarter, quarterly_report, report_csv
from mara.web.staff import bp
from mara.web.staff.auth import requires
from mara.web.staff.common import actor, settings

FOLLOWUP_ROLES = ("au", "area")
# Staff alerts (undelivered messages) are AU's: it owns the conversation with the person.
ALERT_ROLES = ("au",)
REPORT_ROLES = ("au", "admin")


def _recipient() -> str | None:
    """Whose follow-ups the signed-in user sees: AU's, or their area's."""
    if current_user.role == "au":
        return "au"
    if current_user.role == "area" and actor().area_slug:
        return f"area:{actor().area_slug}"
    return None


@bp.app_context_processor
def _pending_badge():
    """The layout's badge: how many follow-ups wait for this user (AU and area users)."""
    if not current_user.is_authenticated or current_user.role not in FOLLOWUP_ROLES:
        return {}
    recipient = _recipient()
    if recipient is None:
        return {"pending_followups": 0}
    with UnitOfWork(settings().database_url) as uow:
        count = followup.pending_count(uow, recipient)
        if current_user.role in ALERT_ROLES:
            count += len(alerts.open_alerts(uow))
        uow.commit()
    return {"pending_followups": count}


@bp.route("/followups")
@requires(*FOLLOWUP_ROLES)
def followups():
    recipient = _recipient()
    rows: list[followup.PendingFollowUp] = []
    open_alerts: list[alerts.AlertView] = []
    with UnitOfWork(settings().database_url) as uow:
        if recipient is not None:
            rows = followup.pending_followups(uow, recipient)
        if current_user.role in ALERT_ROLES:
            open_alerts = alerts.open_alerts(uow)
        uow.commit()
    return render_template("staff/followups.html", followups=rows, alerts=open_alerts)


@bp.post("/followups/ack")
@requires(*FOLLOWUP_ROLES)
def followup_ack():
    raw = request.form.get("id", "")
    recipient = _recipient()
    if not raw.isdigit() or recipient is None:
        abort(404)
    with UnitOfWork(settings().database_url) as uow:
        done = followup.acknowledge(uow, int(raw), actor().name, clock.now(), recipient)
        uow.commit()
    flash(staff_text("followups.acknowledged" if done else "followups.already_acknowledged"), "ok")
    return redirect(url_for("staff.followups"))


@bp.post("/alerts/<int:alert_id>/resolve")
@requires(*ALERT_ROLES)
def alert_resolve(alert_id: int):
    with UnitOfWork(settings().database_url) as uow:
        done = alerts.resolve_alert(uow, alert_id, actor().name, clock.now())
        uow.commit()
    flash(
        staff_text("followups.alert_resolved" if done else "followups.alert_already_resolved"),
        "ok",
    )
    return redirect(url_for("staff.followups"))


def _report(quarter_text: str | None) -> dict:
    now = clock.now()
    try:
        quarter = Quarter.parse(quarter_text) if quarter_text else Quarter.of(now.date())
    except ValueError:
        abort(404)
    with UnitOfWork(settings().database_url) as uow:
        report = quarterly_report(uow, quarter, business_calendar(), now)
        uow.commit()
    return report


@bp.route("/report")
@requires(*REPORT_ROLES)
def report():
    data = _report(request.args.get("quarter"))
    return render_template("staff/report.html", report=data, quarter=data["quarter"])


@bp.route("/report.csv")
@requires(*REPORT_ROLES)
def report_csv_download():
    data = _report(request.args.get("quarter"))
    return Response(
        report_csv(data),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="informe-{data["quarter"]}.csv"'},
    )


@bp.route("/report.pdf")
@requires(*REPORT_ROLES)
def report_pdf_download():
    from mara.adapters.report_pdf import render_pdf

    data = _report(request.args.get("quarter"))
    return Response(
        render_pdf(data),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="informe-{data["quarter"]}.pdf"'},
    )


@bp.route("/report/chart.png")
@requires(*REPORT_ROLES)
def report_chart():
    from mara.adapters.report_pdf import CHART_PAGES, chart_png

    page = request.args.get("page", "summary")
    if page not in CHART_PAGES:
        abort(404)
    data = _report(request.args.get("quarter"))
    return Response(chart_png(data, page), mimetype="image/png")
