"""Twilio webhooks: inbound WhatsApp messages and delivery status callbacks."""

from __future__ import annotations

import functools
import hmac
import logging
from functools import wraps

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import RequestEntityTooLarge

from mara.adapters import twilio_form
from mara.adapters.redis_queue import enqueue_inbound
from mara.db.unit_of_work import UnitOfWork, one_connection
from mara.domain.messages import CALLBACK_ID
from mara.services import inbox, outbox
from mara.settings import Settings

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")


def _settings() -> Settings:
    return current_app.config["MARA_SETTINGS"]


def signed_by_twilio(view):
    """403 unless X-Twilio-Signature matches PUBLIC_URL + path (works behind a proxy)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        settings = _settings()
        url = settings.public_url + request.path
        if request.query_string:
            url += "?" + request.query_string.decode()
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not _valid(settings.twilio_auth_token, url, request.form, signature):
            log.warning("rejected a request with a bad Twilio signature on %s", request.path)
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@functools.cache
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


def _valid(auth_token: str, url: str, form, signature: str) -> bool:
    """Whether Twilio signed `form` posted to `url`. The SDK's `validate` signs the URL twice
    (with and without its port: Twilio's side is not consistent) for every request; the URL
    as configured is tried first, the SDK's two only when that one does not match."""
    validator = _validator(auth_token)
    params = form.to_dict()
    return hmac.compare_digest(
        validator.compute_signature(url, params), signature
    ) or validator.validate(url, params, signature)


def _refused(reason: str, status: int = 400) -> Response:
    return Response(f"Bad request: {reason}\n", status=status, mimetype="text/plain")


@bp.before_request
def _form_limits() -> None:
    # Larger requests are refused with 413 before their body is read (Flask 3.1 per-request
    # limits; the app's own limit is for staff uploads).
    request.max_content_length = twilio_form.MAX_FORM_BYTES
    request.max_form_memory_size = twilio_form.MAX_FORM_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    return _refused(f"the request is larger than {twilio_form.MAX_FORM_BYTES} bytes", 413)


# The webhook's answer says nothing (replies go through the API, from the worker): the same
# document every time, built once (the SDK's XML building cost ~4 % of a webhook's CPU).
EMPTY_TWIML = str(MessagingResponse())


def _empty_twiml() -> Response:
    return Response(EMPTY_TWIML, mimetype="text/xml")


@bp.post("/whatsapp")
@signed_by_twilio
def inbound():
    settings = _settings()
    try:
        message = twilio_form.parse_inbound(request.form.to_dict())
    except twilio_form.BadForm as exc:
        log.warning("refused an inbound request: %s", exc)
        return _refused(str(exc), exc.status)
    # One statement stores most messages: on PostgreSQL it then commits as it runs, with no
    # BEGIN and COMMIT round trips.
    with (
        one_connection(settings.database_url),
        UnitOfWork(settings.database_url, autocommit=not inbox.needs_transaction(message)) as uow,
    ):
        message_id, created = inbox.record_inbound(uow, message)
        uow.commit()
    if created:
        try:
            enqueue_inbound(settings, message_id)
        except Exception:
            # Stored and not lost: `mara replay` picks up pending messages nobody processed.
            log.exception("inbound #%s stored but not queued", message_id)
    else:
        log.info("inbound #%s redelivered; already stored", message_id)
    return _empty_twiml()


@bp.post("/status")
@signed_by_twilio
def status():
    settings = _settings()
    try:
        callback = twilio_form.parse_status(request.form.to_dict(), request.args.get(CALLBACK_ID))
    except twilio_form.BadForm as exc:
        log.warning("refused a status callback: %s", exc)
        return _refused(str(exc), exc.status)
    # Six or so of these per turn (sent, delivered, read for each reply): on PostgreSQL one
    # statement, committed as it runs.
    with (
        one_connection(settings.database_url),
        UnitOfWork(settings.database_url, autocommit=True) as uow,
    ):
        outbox.record_delivery_status(
            uow, callback.message_sid, callback.status, callback.error_code, callback.outbound_id
        )
        uow.commit()
    return Response(status=204)
