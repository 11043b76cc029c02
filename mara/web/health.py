"""Liveness, readiness (DB, Redis, Rasa servers, actions) and load: queue depth and the age of
the oldest unanswered message, as JSON in /readyz and as Prometheus text in /metrics."""

from __future__ import annotations

import requests
from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from mara.adapters.redis_queue import get_queue, get_redis
from mara.clock import utcnow
from mara.db.engine import get_engine
from mara.db.unit_of_work import UnitOfWork
from mara.services import inbox

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
        for url in settings.rasa_urls or (settings.rasa_url,):
            requests.get(f"{url}/", timeout=2).raise_for_status()

    def actions():
        requests.get(f"{settings.action_server_url}/health", timeout=2).raise_for_status()

    checks = {
        name: _check(fn)
        for name, fn in [("database", db), ("redis", redis), ("rasa", rasa), ("actions", actions)]
    }
    ready = all(v == "ok" for v in checks.values())
    try:
        load = _load(settings)
    except Exception as exc:  # readiness never raises
        load = {"error": type(exc).__name__}
    return jsonify(ready=ready, checks=checks, load=load), (200 if ready else 503)


def _load(settings) -> dict:
    """Queue depth and how long the oldest unanswered message has waited: counts only."""
    with UnitOfWork(settings.database_url) as uow:
        pending, oldest = inbox.pending_summary(uow)
        uow.commit()
    return {
        "queue_depth": get_queue(settings).count,
        "pending_messages": pending,
        "oldest_pending_seconds": (
            round((utcnow() - oldest).total_seconds(), 3) if oldest is not None else 0.0
        ),
    }


@bp.get("/metrics")
def metrics():
    load = _load(current_app.config["MARA_SETTINGS"])
    lines = [
        "# HELP mara_queue_depth Jobs waiting in the worker queue.",
        "# TYPE mara_queue_depth gauge",
        f"mara_queue_depth {load['queue_depth']}",
        "# HELP mara_pending_messages Inbound messages not answered yet.",
        "# TYPE mara_pending_messages gauge",
        f"mara_pending_messages {load['pending_messages']}",
        "# HELP mara_oldest_pending_seconds Age of the oldest unanswered inbound message.",
        "# TYPE mara_oldest_pending_seconds gauge",
        f"mara_oldest_pending_seconds {load['oldest_pending_seconds']}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
