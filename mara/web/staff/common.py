"""Helpers shared by the staff pages: settings, the calendar, the current actor, actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from mara.db.unit_of_work import UnitOfWork
from mara.services import desk
from mara.settings import Settings

T = TypeVar("T")


def settings() -> Settings:
    return current_app.config["MARA_SETTINGS"]


def actor() -> desk.Actor:
    return current_user.actor


def form_version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def run_action(
    radicado: str, action: Callable[[UnitOfWork, desk.Actor], T], done: str
) -> tuple[T | None, object]:
    """One action, one transaction; desk errors become a message on the detail page."""
    back = redirect(url_for("staff.detail", radicado=radicado))
    try:
        with UnitOfWork(settings().database_url) as uow:
            result = action(uow, actor())
            uow.commit()
    except desk.Forbidden:
        abort(403)
    except desk.NotFound:
        abort(404)
    except desk.DeskError as exc:
        flash(str(exc), "error")
        return None, back
    flash(done, "ok")
    return result, back
