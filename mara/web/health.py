"""Liveness and readiness: is the web up, and can it reach DB, Redis, Rasa and actions."""

from __future__ import annotations

import requests
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from mara.adapters.redis_queue import get_redis
from mara.db.engine import get_engine

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


def _check(fn) -> str:
    try:
        fn()
    except Exception as exc:  # readiness reports any failure, it never raises
        return f"error: {type(exc).__name__}"
    return "ok"


@bp.get("/readyz")
def readyz():
    settings = current_app.config["MARA_SETTINGS"]

    def db():
        with get_engine(settings.database_url).connect() as conn:
            conn.execute(text("SELECT 1"))

    def redis():
        if not settings.redis_url:
            raise RuntimeError("no REDIS_URL")
        get_redis(settings.redis_url).ping()

    def rasa():
        requests.get(f"{settings.rasa_url}/", timeout=2).raise_for_status()

    def actions():
        requests.get(f"{settings.action_server_url}/health", timeout=2).raise_for_status()

    checks = {
        name: _check(fn)
        for name, fn in [("database", db), ("redis", redis), ("rasa", rasa), ("actions", actions)]
    }
    ready = all(v == "ok" for v in checks.values())
    return jsonify(ready=ready, checks=checks), (200 if ready else 503)
