"""The handoff desk: chats waiting for an adviser, the transcript, replies on WhatsApp,
and the release back to the bot."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from mara import clock
from mara.db.unit_of_work import UnitOfWork
from mara.policy.staff_texts import staff_text
from mara.services import advisers, answering, contact
from mara.services.queries import tickets as queries
from mara.web.staff import bp
from mara.web.staff.auth import requires
from mara.web.staff.common import actor, settings
from mara.web.staff.desk_views import AU, dispatch


@bp.get("/handoffs")
@requires(*AU)
def handoffs():
    with UnitOfWork(settings().database_url) as uow:
        chats = advisers.waiting(uow, clock.now())
        uow.commit()
    return render_template("staff/handoffs.html", chats=chats)


@bp.get("/handoffs/<wa_id>")
@requires(*AU)
def handoff(wa_id: str):
    if not wa_id.isdigit():
        abort(404)
    now = clock.now()
    with UnitOfWork(settings().database_url) as uow:
        lines = queries.transcript(uow, wa_id)
        waiting = advisers.is_waiting(uow, wa_id, now)
        window = answering.window_open(uow, wa_id, now)
        uow.commit()
    if not lines:
        abort(404)
    return render_template(
        "staff/handoff.html", wa_id=wa_id, lines=lines, waiting=waiting, window=window
    )


@bp.post("/handoffs/<wa_id>/reply")
@requires(*AU)
def handoff_reply(wa_id: str):
    text = request.form.get("text", "")
    if not wa_id.isdigit() or not text.strip():
        flash(staff_text("handoff.empty_reply"), "error")
        return redirect(url_for("staff.handoff", wa_id=wa_id))
    with UnitOfWork(settings().database_url) as uow:
        if not answering.window_open(uow, wa_id, clock.now()):
            flash(staff_text("handoff.window_closed"), "error")
            return redirect(url_for("staff.handoff", wa_id=wa_id))
        ids = advisers.reply(uow, wa_id, text)
        uow.commit()
    dispatch(ids)
    flash(staff_text("handoff.sent"), "ok")
    return redirect(url_for("staff.handoff", wa_id=wa_id))


@bp.post("/handoffs/<wa_id>/release")
@requires(*AU)
def handoff_release(wa_id: str):
    with UnitOfWork(settings().database_url) as uow:
        released = contact.release_handoff(uow, wa_id, clock.now(), by=actor().name)
        uow.commit()
    flash(staff_text("handoff.released" if released else "handoff.not_waiting"), "ok")
    return redirect(url_for("staff.handoffs"))
