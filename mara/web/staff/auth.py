"""Staff sign-in: Flask-Login principals, login/logout, role checks, session timeouts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user

from mara.clock import utcnow
from mara.db.unit_of_work import UnitOfWork
from mara.policy.staff_texts import staff_text
from mara.services import accounts
from mara.services.desk import Actor

ABSOLUTE_TIMEOUT_S = 8 * 3600
IDLE_TIMEOUT_S = 30 * 60

login_manager = LoginManager()


@dataclass(frozen=True)
class StaffPrincipal:
    """The signed-in staff member as Flask-Login sees it."""

    account: accounts.StaffAccount
    is_authenticated: bool = True
    is_anonymous: bool = False

    @property
    def is_active(self) -> bool:
        return self.account.active

    def get_id(self) -> str:
        return str(self.account.id)

    @property
    def role(self) -> str:
        return self.account.role

    @property
    def actor(self) -> Actor:
        a = self.account
        return Actor(name=f"{a.name} <{a.email}>", role=a.role, area_slug=a.area_slug, user_id=a.id)


def database_url() -> str:
    return current_app.config["MARA_SETTINGS"].database_url


@login_manager.user_loader
def _load_user(user_id: str) -> StaffPrincipal | None:
    if not user_id.isdigit():
        return None
    with UnitOfWork(database_url()) as uow:
        account = accounts.get_user(uow, int(user_id))
        uow.commit()
    if account is None or not account.active:
        return None
    return StaffPrincipal(account)


def requires(*roles: str) -> Callable:
    """Anonymous → the login page; signed in with another role → 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def enforce_timeouts():
    """8 hours after sign-in or 30 idle minutes, the session ends."""
    if not current_user.is_authenticated:
        return None
    now = time.time()
    started = session.get("login_at", 0)
    seen = session.get("seen_at", 0)
    if now - started > ABSOLUTE_TIMEOUT_S or now - seen > IDLE_TIMEOUT_S:
        logout_user()
        session.clear()
        flash(staff_text("auth.session_expired"), "info")
        return redirect(url_for("staff.login"))
    session["seen_at"] = now
    return None


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/"):
        return None
    return target


def login():
    if request.method == "POST":
        email = request.form.get("email", "")
        password = request.form.get("password", "")
        with UnitOfWork(database_url()) as uow:
            account = accounts.authenticate(uow, email, password, utcnow())
            uow.commit()
        if account is None:
            flash(staff_text("auth.login_failed"), "error")
            return render_template("staff/login.html", email=email), 401
        # A fresh session at sign-in: nothing from before (fixation) survives.
        session.clear()
        login_user(StaffPrincipal(account))
        session["login_at"] = session["seen_at"] = time.time()
        session.permanent = True
        return redirect(_safe_next(request.args.get("next")) or url_for("staff.index"))
    if current_user.is_authenticated:
        return redirect(url_for("staff.index"))
    return render_template("staff/login.html", email="")


def logout():
    logout_user()
    session.clear()
    flash(staff_text("auth.logged_out"), "info")
    return redirect(url_for("staff.login"))


def forbidden(_error):
    message = staff_text("auth.forbidden")
    return render_template("staff/error.html", code=403, message=message), 403


def not_found(_error):
    message = staff_text("auth.not_found")
    return render_template("staff/error.html", code=404, message=message), 404


def csrf_failed(_error):
    message = staff_text("auth.csrf_failed")
    return render_template("staff/error.html", code=400, message=message), 400
