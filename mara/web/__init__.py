"""HTTP adapters: the Flask application factory and one blueprint per area
(Twilio webhooks, health checks; staff pages, API and trainer pages come here)."""

from __future__ import annotations

import logging

from flask import Flask

from mara.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, MARA_SETTINGS=settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from mara.web import health, twilio

    app.register_blueprint(twilio.bp)
    app.register_blueprint(health.bp)
    return app
