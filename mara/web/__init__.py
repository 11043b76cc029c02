"""HTTP adapters: the Flask application factory and one blueprint per area
(Twilio webhooks, health checks, staff pages with the trainer workspace, JSON API)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from mara.settings import Settings, load_settings

csrf = CSRFProtect()


class BrowserSessions(SecureCookieSessionInterface):
    """Twilio's webhooks (most of the requests: a message, then sent, delivered and read for
    each reply) come from no browser: no session cookie is read, signed or set there."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith("/twilio/"):
            return None  # Flask then makes a null session, which it never saves
        return super().open_session(app, request)


def create_app(settings: Settings | None = None) -> Flask:
    if settings is None:
        # A served process (gunicorn calls create_app()): its logs are JSON lines, masked.
        from mara.logs import configure_logging

        configure_logging("web")
        settings = load_settings()
    app = Flask(__name__)
    app.session_interface = BrowserSessions()
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MARA_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        SESSION_COOKIE_NAME="mara_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        # Staff uploads; Twilio's webhooks have their own, smaller limit (mara.web.twilio).
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )

    from mara.web import api, health, twilio
    from mara.web.staff import auth as staff_auth
    from mara.web.staff import bp as staff_bp

    csrf.init_app(app)
    # Twilio signs its requests and the API uses Bearer tokens: no browser session there.
    csrf.exempt(twilio.bp)
    csrf.exempt(api.bp)
    staff_auth.login_manager.init_app(app)
    app.register_error_handler(CSRFError, staff_auth.csrf_failed)

    app.register_blueprint(twilio.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(api.bp)
    return app
