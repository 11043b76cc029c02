"""HTTP adapters: the Flask application factory and one blueprint per area
(Twilio webhooks, health checks; staff pages, API and trainer pages come here)."""

from __future__ import annotations

from flask import Flask

from mara.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Flask:
    if settings is None:
        # A served process (gunicorn calls create_app()): its logs are JSON lines, masked.
        from mara.ops.logs import configure_logging

        configure_logging("web")
        settings = load_settings()
    app = Flask(__name__)
    from mara.adapters.twilio_form import MAX_FORM_BYTES

    app.config.update(
        SECRET_KEY=settings.secret_key,
        MARA_SETTINGS=settings,
        # Larger requests are refused with 413 before their body is read.
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_FORM_BYTES,
    )

    from mara.web import health, twilio

    app.register_blueprint(twilio.bp)
    app.register_blueprint(health.bp)
    return app
