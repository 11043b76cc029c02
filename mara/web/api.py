"""JSON API for the Caja's other systems (/api): Bearer tokens, the same rules as the desk."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request

from mara import clock
from mara.adapters.redis_queue import enqueue_email, enqueue_outbound
from mara.db.unit_of_work import UnitOfWork
from mara.domain.tickets import REVIEW_CRITERIA
from mara.policy.channels import business_calendar
from mara.services import accounts, answering, desk
from mara.services.queries import tickets as queries

bp = Blueprint("api", __name__, url_prefix="/api")


def _settings():
    return current_app.config["MARA_SETTINGS"]


def token_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        name = None
        if token:
            with UnitOfWork(_settings().database_url) as uow:
                name = accounts.verify_api_token(uow, token)
                uow.commit()
        if name is None:
            response = jsonify(error="unauthorized")
            response.headers["WWW-Authenticate"] = 'Bearer realm="mara"'
            return response, 401
        g.api_actor = desk.Actor(name=f"api:{name}", role="api")
        return view(*args, **kwargs)

    return wrapped


def _row(r: queries.ListRow) -> dict:
    return {
        "radicado": r.radicado,
        "type": r.pqrs_type,
        "proposed_type": r.proposed_type,
        "proposed_confidence": r.proposed_confidence,
        "classified": r.classified,
        "status": r.status,
        "channel": r.channel,
        "area": r.area,
        "received_at": r.received_at.isoformat(),
        "area_due": r.area_due_on.isoformat(),
        "answer_due": r.answer_due_on.isoformat(),
        "sla": r.sla.value,
    }


@bp.get("/tickets")
@token_required
def tickets():
    page = request.args.get("page", "1")
    f = queries.TicketFilter(
        status=request.args.get("status", "todas"),
        pqrs_type=request.args.get("type", ""),
        q=request.args.get("q", "")[:100],
        sort="-received",
        page=int(page) if page.isdigit() else 1,
    )
    with UnitOfWork(_settings().database_url) as uow:
        result = queries.list_tickets(
            uow, g.api_actor, f, clock.now(), business_calendar(), page_size=200
        )
        uow.commit()
    return jsonify(
        tickets=[_row(r) for r in result.rows],
        page=result.page,
        pages=result.pages,
        total=result.total,
    )


@bp.get("/tickets/<radicado>")
@token_required
def ticket(radicado: str):
    with UnitOfWork(_settings().database_url) as uow:
        try:
            d = queries.ticket_detail(uow, radicado, g.api_actor, clock.now(), business_calendar())
        except desk.NotFound:
            return jsonify(error="not found"), 404
        t = d.ticket
        body = {
            "radicado": t.radicado,
            "type": t.pqrs_type,
            "proposed_type": t.proposed_type,
            "proposed_confidence": t.proposed_confidence,
            "status": t.status,
            "channel": t.channel,
            "area": t.area_slug,
            "received_at": t.received_at.isoformat(),
            "area_due": t.area_due_on.isoformat(),
            "answer_due": t.answer_due_on.isoformat(),
            "legal_due": t.legal_due_on.isoformat(),
            "sla": d.sla.value,
            "version": t.version,
            "description": t.description,
            "service": t.service,
            "area_answer": t.area_answer,
            "final_answer": t.final_answer,
            "review": t.review,
            "resarcimiento": t.resarcimiento,
            "messages": [
                {
                    "direction": m.direction,
                    "body": m.body,
                    "at": m.at.isoformat(),
                    "status": m.status,
                }
                for m in d.transcript
            ],
            "events": [
                {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "details": e.details}
                for e in d.events
            ],
        }
        uow.commit()
    return jsonify(body)


def _act(action: Callable[[UnitOfWork, desk.Actor], object]):
    try:
        with UnitOfWork(_settings().database_url) as uow:
            result = action(uow, g.api_actor)
            uow.commit()
    except desk.DeskError as exc:
        return None, (jsonify(error=str(exc)), exc.status)
    return result, None


def _version() -> int | None:
    value = (request.get_json(silent=True) or {}).get("version")
    return value if isinstance(value, int) else None


def _field(name: str) -> str:
    value = (request.get_json(silent=True) or {}).get(name, "")
    return value if isinstance(value, str) else ""


@bp.post("/tickets/<radicado>/classify")
@token_required
def classify(radicado: str):
    kind = _field("type")
    result, error = _act(
        lambda uow, who: desk.classify(uow, radicado, who, kind, clock.now(), _version())
    )
    return error or (jsonify(radicado=radicado, type=kind, version=result), 200)


@bp.post("/tickets/<radicado>/route")
@token_required
def route(radicado: str):
    area = _field("area")
    result, error = _act(
        lambda uow, who: desk.route(uow, radicado, who, area, clock.now(), _version())
    )
    return error or (jsonify(radicado=radicado, area=area, version=result), 200)


@bp.post("/tickets/<radicado>/answer")
@token_required
def answer(radicado: str):
    """The integration's answer is the final text; sending it vouches for the five criteria."""
    text = _field("text")
    settings = _settings()

    def act(uow: UnitOfWork, who: desk.Actor):
        now = clock.now()
        desk.review(uow, radicado, who, text, dict.fromkeys(REVIEW_CRITERIA, True), now, _version())
        return answering.send_answer(uow, radicado, who, now, settings.template_answer_sid)

    result, error = _act(act)
    if error:
        return error
    for outbound_id in result.outbound_ids:
        enqueue_outbound(settings, outbound_id)
    for email_id in result.email_ids:
        enqueue_email(settings, email_id)
    return jsonify(radicado=radicado, whatsapp=result.mode, version=result.version), 200


@bp.post("/tickets/<radicado>/close")
@token_required
def close(radicado: str):
    result, error = _act(lambda uow, who: desk.close(uow, radicado, who, clock.now(), _version()))
    return error or (jsonify(radicado=radicado, status="cerrado", version=result), 200)
