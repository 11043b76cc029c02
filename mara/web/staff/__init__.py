"""The staff web (/staff): sign-in, the request desk, the handoff desk, follow-ups, the
quarterly report, the trainer workspace and administration."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from mara.web.staff import (  # noqa: E402,F401  (routes register on bp)
    admin,
    auth,
    desk_views,
    followup_views,
    handoff_views,
    trainer_views,
)

bp.add_url_rule("/login", "login", auth.login, methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", auth.logout, methods=["POST"])
bp.before_request(auth.enforce_timeouts)
bp.register_error_handler(403, auth.forbidden)
bp.register_error_handler(404, auth.not_found)
