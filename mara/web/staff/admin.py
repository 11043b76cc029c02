"""Administration pages: staff users, areas (from config/areas.yml) and API tokens."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from mara.db.unit_of_work import UnitOfWork
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
            flash(f"Usuario creado: {created.email}", "ok")
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
        flash("No puedes desactivar tu propia cuenta.", "error")
        return redirect(url_for("staff.users"))
    try:
        with UnitOfWork(settings().database_url) as uow:
            accounts.set_active(uow, user_id, active)
            uow.commit()
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash("Usuario activado." if active else "Usuario desactivado.", "ok")
    return redirect(url_for("staff.users"))


@bp.get("/areas")
@requires("admin")
def areas():
    with UnitOfWork(settings().database_url) as uow:
        rows = accounts.areas(uow, include_inactive=True)
        uow.commit()
    return render_template("staff/areas.html", areas=rows)


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
    flash("Token revocado.", "ok")
    return redirect(url_for("staff.tokens"))
