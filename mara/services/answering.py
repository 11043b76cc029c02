"""Answering the person: WhatsApp inside the 24-hour window or an approved template outside
it, and an e-mail when they gave one. Messages are stored here; the caller commits, then
enqueues the WhatsApp sends and delivers the e-mails."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Table, exists, func, select, update

from mara.clock import utcnow
from mara.db.models import EmailMessage, InboundMessage, OutboundMessage
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import split_body
from mara.policy import CONFIG_DIR
from mara.policy.messages import message
from mara.services import desk

WINDOW = timedelta(hours=24)
ANSWERS_PATH = CONFIG_DIR / "answers.yml"

# Outbound statuses of the answer flow beside the sender's own (pending, sent, …):
HELD = "held"  # outside the window and no template configured: staff must act
AWAITING_REPLY = "awaiting_reply"  # the template went out; sent when the person writes
# A held answer's stored reason (the staff pages word it, mara/web/staff/labels.py).
TEMPLATE_SID_MISSING = "TWILIO_TEMPLATE_ANSWER_SID is not set"


def text(key: str, **values: str) -> str:
    return message(key, ANSWERS_PATH).format(**values)


@dataclass(frozen=True)
class AnswerDispatch:
    """What the caller does after commit: enqueue these sends, deliver these e-mails."""

    version: int
    outbound_ids: list[int] = field(default_factory=list)
    email_ids: list[int] = field(default_factory=list)
    mode: str = "none"  # session | template | held | none (no WhatsApp)


def last_inbound_at(uow: UnitOfWork, wa_id: str) -> datetime | None:
    return uow.session.scalar(
        select(func.max(InboundMessage.received_at)).where(InboundMessage.wa_id == wa_id)
    )


def window_open(uow: UnitOfWork, wa_id: str, now: datetime) -> bool:
    last = last_inbound_at(uow, wa_id)
    return last is not None and now - last < WINDOW


def send_answer(
    uow: UnitOfWork,
    radicado: str,
    actor: desk.Actor,
    now: datetime,
    template_sid: str | None,
    version: int | None = None,
) -> AnswerDispatch:
    """Mark the request answered and store the messages that carry the answer."""
    ticket = desk.load(uow, radicado, actor, version)
    session = uow.session
    # A request reopened and answered again gets fresh message keys.
    round_ = (
        session.scalar(
            select(func.count())
            .select_from(OutboundMessage)
            .where(OutboundMessage.ticket_id == ticket.id, OutboundMessage.kind == "answer")
        )
        or 0
    )
    outbound: list[OutboundMessage] = []
    mode = "none"
    if ticket.wa_id:
        to = f"whatsapp:+{ticket.wa_id}"
        parts = split_body(
            text("answer_whatsapp", radicado=ticket.radicado, answer=ticket.final_answer or "")
        )
        if window_open(uow, ticket.wa_id, now):
            mode, part_status = "session", "pending"
        else:
            mode = "template" if template_sid else HELD
            part_status = AWAITING_REPLY
            outbound.append(
                OutboundMessage(
                    key=f"answer-template:{ticket.id}:{round_}",
                    wa_id=ticket.wa_id,
                    to_address=to,
                    body=text("template_preview", radicado=ticket.radicado),
                    kind="answer_template",
                    content_sid=template_sid,
                    content_variables={"1": ticket.radicado},
                    ticket_id=ticket.id,
                    created_at=utcnow(),
                    status="pending" if template_sid else HELD,
                    error_message=None if template_sid else TEMPLATE_SID_MISSING,
                )
            )
        for i, part in enumerate(parts):
            outbound.append(
                OutboundMessage(
                    key=f"answer:{ticket.id}:{round_}:{i}",
                    wa_id=ticket.wa_id,
                    to_address=to,
                    body=part,
                    kind="answer",
                    ticket_id=ticket.id,
                    created_at=utcnow(),
                    status=part_status,
                )
            )
    emails: list[EmailMessage] = []
    requester = ticket.requester
    if requester is not None and requester.email:
        emails.append(
            EmailMessage(
                key=f"answer:{ticket.id}:{round_}",
                to_address=requester.email,
                subject=text("email_subject", radicado=ticket.radicado),
                body=text(
                    "email_body",
                    name=requester.full_name.split()[0],
                    radicado=ticket.radicado,
                    answer=ticket.final_answer or "",
                ),
                ticket_id=ticket.id,
                created_at=utcnow(),
                status="pending",
            )
        )
    session.add_all([*outbound, *emails])
    version = desk.mark_answered(
        uow, ticket, actor, now, whatsapp=mode, email=bool(emails), round=round_
    )
    return AnswerDispatch(
        version=version,
        outbound_ids=[o.id for o in outbound if o.status == "pending"],
        email_ids=[e.id for e in emails],
        mode=mode,
    )


def awaiting_any(wa_id: str | ColumnElement[str]) -> ColumnElement[bool]:
    """Whether the person has answers held for them (a Core condition for one statement;
    `wa_id` may be a bind parameter)."""
    c = cast(Table, OutboundMessage.__table__).c
    return exists().where(c.wa_id == wa_id, c.status == AWAITING_REPLY)


def release_awaiting(uow: UnitOfWork, wa_id: str) -> list[int]:
    """The person wrote back after the template: their waiting answers can go now.

    Returns the ids to enqueue (call it when an inbound message from them is stored)."""
    ids = list(
        uow.session.scalars(
            select(OutboundMessage.id)
            .where(OutboundMessage.wa_id == wa_id, OutboundMessage.status == AWAITING_REPLY)
            .order_by(OutboundMessage.id)
        )
    )
    if ids:
        uow.session.execute(
            update(OutboundMessage).where(OutboundMessage.id.in_(ids)).values(status="pending")
        )
    return ids


def release_for_ticket(
    uow: UnitOfWork, radicado: str, actor: desk.Actor, now: datetime
) -> list[int]:
    """The person wrote back after the template: staff send the waiting answer now."""
    desk._require_au(actor)
    ticket = desk.load(uow, radicado, actor)
    if not ticket.wa_id or not window_open(uow, ticket.wa_id, now):
        raise desk.InvalidAction("desk.template_not_answered")
    rows = list(
        uow.session.scalars(
            select(OutboundMessage)
            .where(
                OutboundMessage.ticket_id == ticket.id,
                OutboundMessage.status == AWAITING_REPLY,
            )
            .order_by(OutboundMessage.id)
        )
    )
    for row in rows:
        row.status = "pending"
    desk.record_event(uow, ticket, actor, "answer_released", now, count=len(rows))
    return [r.id for r in rows]


def resend_held(
    uow: UnitOfWork, radicado: str, actor: desk.Actor, template_sid: str | None, now: datetime
) -> list[int]:
    """Retry the answer's template once the template SID is configured."""
    desk._require_au(actor)
    ticket = desk.load(uow, radicado, actor)
    if not template_sid:
        raise desk.InvalidAction("desk.template_not_configured")
    rows = list(
        uow.session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.ticket_id == ticket.id, OutboundMessage.status == HELD
            )
        )
    )
    for row in rows:
        row.status, row.content_sid, row.error_message = "pending", template_sid, None
    desk.record_event(uow, ticket, actor, "template_resent", now, count=len(rows))
    return [r.id for r in rows]
