"""Requests that arrive by another channel (buzón, presencial, teléfono, correo, web),
registered by AU with the bot's validation rules, radicado sequence and deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from mara.db.models import Consent, Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.domain.tickets import IntakeChannel, PqrsType
from mara.policy.catalogs import services
from mara.policy.pqrs_types import catalog
from mara.policy.staff_texts import staff_text
from mara.services import desk, filing
from mara.text.documents import parse_document_number
from mara.text.emails import parse_email
from mara.text.names import parse_full_name
from mara.text.normalize import Invalid
from mara.text.phones import parse_phone

STAFF_CHANNELS = tuple(c.value for c in IntakeChannel if c is not IntakeChannel.WHATSAPP)


@dataclass(frozen=True)
class IntakeForm:
    channel: str
    pqrs_type: str
    description: str
    service: str = ""
    anonymous: bool = False
    full_name: str = ""
    document_type: str = ""
    document_number: str = ""
    phone: str = ""
    email: str = ""
    consent: bool = False
    preferential: bool = False
    received_at: datetime | None = None
    nonce: str = ""


class IntakeError(desk.DeskError):
    """The form has errors: field -> message (worded in config/staff_texts.yml, `intake`)."""

    status = 400

    def __init__(self, fields: list[str]):
        super().__init__("desk.intake_invalid")
        self.errors = {f: staff_text(f"intake.{f}") for f in fields}


def _validate(form: IntakeForm, now: datetime) -> filing.RequesterData | None:
    errors: list[str] = []  # the fields in error; config/staff_texts.yml words each
    if form.channel not in STAFF_CHANNELS:
        errors.append("channel")
    try:
        kind = PqrsType(form.pqrs_type)
    except ValueError:
        errors.append("pqrs_type")
        kind = None
    if len(form.description.strip()) < 10:
        errors.append("description")
    if form.service and form.service not in {s.key for s in services()}:
        errors.append("service")
    if form.received_at is not None and form.received_at > now:
        errors.append("received_at")
    requester = None
    if form.anonymous:
        if kind is not None and not catalog().allows_anonymous(kind):
            errors.append("anonymous")
    else:
        if not form.consent:
            errors.append("consent")
        name = parse_full_name(form.full_name)
        if isinstance(name, Invalid):
            errors.append("full_name")
        number = (
            parse_document_number(form.document_number, form.document_type)
            if form.document_type
            else Invalid("missing")
        )
        if isinstance(number, Invalid):
            errors.append("document_number")
        phone = parse_phone(form.phone) if form.phone.strip() else None
        if isinstance(phone, Invalid):
            errors.append("phone")
        email = parse_email(form.email) if form.email.strip() else None
        if isinstance(email, Invalid):
            errors.append("email")
        if not errors:
            assert isinstance(name, str) and isinstance(number, str)
            assert not isinstance(phone, Invalid) and not isinstance(email, Invalid)
            requester = filing.RequesterData(name, form.document_type, number, phone, email)
    if errors:
        raise IntakeError(errors)
    return requester


def register(
    uow: UnitOfWork, form: IntakeForm, actor: desk.Actor, now: datetime, policy_version: str
) -> str:
    """File the request (AU's type is the classification) and return its radicado."""
    if not actor.is_au:
        raise desk.Forbidden("desk.au_only_intake")
    if form.nonce:
        existing = uow.session.scalar(
            select(Ticket.radicado).where(Ticket.source_key == f"staff:{form.nonce}")
        )
        if existing:
            return existing
    requester = _validate(form, now)
    consent_id = None
    if requester is not None:
        consent = Consent(
            wa_id="-",
            granted=True,
            policy_version=policy_version,
            message_sid=None,
            decided_at=now,
            given_via=form.channel,
            recorded_by=actor.name,
        )
        uow.session.add(consent)
        uow.session.flush()
        consent_id = consent.id
    filed = filing.file_ticket(
        uow,
        now=form.received_at or now,
        pqrs_type=form.pqrs_type,
        description=form.description,
        wa_id=None,
        channel=form.channel,
        service=form.service or None,
        requester=requester,
        consent_id=consent_id,
        preferential=form.preferential,
        source_key=f"staff:{form.nonce}" if form.nonce else None,
    )
    ticket = uow.session.scalar(select(Ticket).where(Ticket.radicado == filed.radicado))
    assert ticket is not None  # filed in this transaction
    desk.record_event(uow, ticket, actor, "filed", now, channel=form.channel)
    desk.classify(uow, filed.radicado, actor, form.pqrs_type, now)
    return filed.radicado
