"""SLA follow-ups: record each due reminder/escalation once, e-mail staff in business hours,
and list the pending ones for the staff web's badge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult

from mara.clock import utcnow
from mara.db.models import FollowUp, OutboundMessage, Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BOGOTA, BusinessCalendar
from mara.domain.messages import ANSWER_KINDS
from mara.domain.sla import (
    DONE_STATUSES,
    RECIPIENTS,
    FollowUpKind,
    Recipient,
    SlaFacts,
    due_followups,
)
from mara.policy.areas import AreaDirectory, area_directory
from mara.policy.followups import FollowUpTexts, followup_texts
from mara.policy.pqrs_types import catalog
from mara.text.format_es import format_date_es

# (to, subject, body) -> None; raises on failure. None: e-mails are stored, not sent.
Mailer = Callable[[str, str, str], None]

SURVEY_HELD = "survey_held"
ANSWER_UNDELIVERED = "answer_undelivered"
# One-off notices to AU: pending until e-mailed.
NOTICE_KINDS = (SURVEY_HELD, ANSWER_UNDELIVERED)
_AREA_KINDS = (FollowUpKind.AREA_REMINDER.value, FollowUpKind.AREA_DUE.value)
# A claim older than this belonged to a sweep that died while sending: take it over.
_STALE_CLAIM = timedelta(minutes=10)
_MAX_MAIL_ATTEMPTS = 5


@dataclass(frozen=True)
class Action:
    """One thing a sweep did: a line of `mara sweep`."""

    job: str
    radicado: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"job": self.job, "radicado": self.radicado, **self.details}


@dataclass(frozen=True)
class PendingFollowUp:
    id: int
    radicado: str
    kind: str
    due_on: date
    recipient: str
    area: str | None
    mail_status: str
    created_at: datetime


def sla_facts(ticket: Ticket) -> SlaFacts:
    return SlaFacts(
        received_on=ticket.received_on,
        area_due_on=ticket.area_due_on,
        answer_due_on=ticket.answer_due_on,
        status=ticket.status,
        area_answered_at=ticket.area_answered_at,
        answered_at=ticket.answered_at,
        closed_at=ticket.closed_at,
    )


def insert_once(uow: UnitOfWork, model: Any, keys: list[str], values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on a unique key; True when this call inserted the row.

    Two sweeps racing on the same key: PostgreSQL makes the second wait for the first's
    commit and then skip; SQLite serializes writers. Either way one row, one winner.
    """
    session = uow.session
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(model)
    elif dialect == "sqlite":
        stmt = sqlite.insert(model)
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"unsupported database {dialect!r}")
    stmt = stmt.values(**values).on_conflict_do_nothing(index_elements=keys)
    # RETURNING, not rowcount: the driver's rowcount is not reliable for this statement.
    return session.execute(stmt.returning(model.id)).first() is not None


def _recipient(kind: FollowUpKind, ticket: Ticket, directory: AreaDirectory) -> str:
    slug = ticket.area_slug
    if RECIPIENTS[kind] is Recipient.AREA and slug and directory.email_of(f"area:{slug}"):
        return f"area:{slug}"
    # Not routed yet (or an area without a mailbox): AU owns the request.
    return "au"


def record_due(uow: UnitOfWork, now: datetime, calendar: BusinessCalendar) -> list[Action]:
    """Record every follow-up due at `now` that no sweep recorded before (one commit per
    request, so concurrent sweeps wait on each other briefly)."""
    directory = area_directory()
    today = now.astimezone(BOGOTA).date()
    tickets = uow.session.scalars(
        select(Ticket)
        .where(
            Ticket.answered_at.is_(None),
            Ticket.closed_at.is_(None),
            Ticket.status.notin_(DONE_STATUSES),
            Ticket.received_on < today,
        )
        .order_by(Ticket.id)
    ).all()
    actions: list[Action] = []
    for ticket in tickets:
        for followup in due_followups(sla_facts(ticket), now, calendar):
            recipient = _recipient(followup.kind, ticket, directory)
            inserted = insert_once(
                uow,
                FollowUp,
                ["ticket_id", "kind"],
                {
                    "ticket_id": ticket.id,
                    "kind": followup.kind.value,
                    "due_on": followup.due_on,
                    "recipient": recipient,
                    "created_at": now,
                    "mail_status": "waiting",
                    "mail_attempts": 0,
                },
            )
            if inserted:
                actions.append(
                    Action(
                        followup.kind.value,
                        ticket.radicado,
                        {"due_on": followup.due_on.isoformat(), "to": recipient},
                    )
                )
        uow.commit()
    return actions


def record_notice(
    uow: UnitOfWork, ticket_id: int, kind: str, now: datetime, calendar: BusinessCalendar
) -> bool:
    """A one-off notice to AU about a request (e.g. a survey that could not go out)."""
    local = now.astimezone(BOGOTA).date()
    due_on = local if calendar.is_business_day(local) else calendar.next_business_day(local)
    return insert_once(
        uow,
        FollowUp,
        ["ticket_id", "kind"],
        {
            "ticket_id": ticket_id,
            "kind": kind,
            "due_on": due_on,
            "recipient": "au",
            "created_at": now,
            "mail_status": "waiting",
            "mail_attempts": 0,
        },
    )


def record_undelivered_answers(
    uow: UnitOfWork, now: datetime, calendar: BusinessCalendar
) -> list[Action]:
    """AU is told once when the answer sent to the person on WhatsApp failed or was not
    delivered (Twilio's status callback), so someone calls or writes instead. This is the
    only alert for that fact: mara.services.alerts raises no `delivery_failed` for it."""
    rows = uow.session.execute(
        select(Ticket.id, Ticket.radicado)
        .join(OutboundMessage, OutboundMessage.ticket_id == Ticket.id)
        .outerjoin(
            FollowUp, and_(FollowUp.ticket_id == Ticket.id, FollowUp.kind == ANSWER_UNDELIVERED)
        )
        .where(
            Ticket.answered_at.is_not(None),
            OutboundMessage.kind.in_(ANSWER_KINDS),
            OutboundMessage.status.in_(("failed", "undelivered")),
            OutboundMessage.created_at >= Ticket.received_at,
            FollowUp.id.is_(None),
        )
        .distinct()
    ).all()
    actions = []
    for row in rows:
        if record_notice(uow, row.id, ANSWER_UNDELIVERED, now, calendar):
            actions.append(Action(ANSWER_UNDELIVERED, row.radicado, {"to": "au"}))
        uow.commit()
    return actions


def in_mail_hours(now: datetime, calendar: BusinessCalendar) -> bool:
    """Staff e-mails go while the AU office is open: business hours, never on holidays."""
    return calendar.is_business_day(now.astimezone(BOGOTA).date()) and calendar.is_open(
        calendar.office_key, now
    )


def _still_needed(followup: FollowUp, ticket: Ticket) -> bool:
    if followup.kind in NOTICE_KINDS:
        return True
    state = sla_facts(ticket)
    if followup.kind in _AREA_KINDS or followup.kind == FollowUpKind.ESCALATION.value:
        return not state.area_answered
    return not state.person_answered


def compose_mail(
    followup: FollowUp,
    ticket: Ticket,
    texts: FollowUpTexts | None = None,
    directory: AreaDirectory | None = None,
) -> tuple[str, str]:
    texts = texts or followup_texts()
    directory = directory or area_directory()
    template = texts.mail[followup.kind]
    try:
        tipo = catalog().info(ticket.pqrs_type).label
    except ValueError:
        tipo = ticket.pqrs_type
    values = {
        "radicado": ticket.radicado,
        "tipo": tipo,
        "area": directory.name_of(ticket.area_slug) or texts.no_area,
        "recibido": format_date_es(ticket.received_on),
        "vence_area": format_date_es(ticket.area_due_on),
        "vence_respuesta": format_date_es(ticket.answer_due_on),
        "fecha": format_date_es(followup.due_on),
    }
    return template.subject.format(**values), template.body.format(**values)


def _mail_due() -> Any:
    """Follow-ups whose e-mail is to send: waiting, claimed by a sweep that died while
    sending, or failed fewer than the most attempts."""
    stale = utcnow() - _STALE_CLAIM
    return or_(
        FollowUp.mail_status == "waiting",
        and_(FollowUp.mail_status == "sending", FollowUp.claimed_at < stale),
        and_(FollowUp.mail_status == "failed", FollowUp.mail_attempts < _MAX_MAIL_ATTEMPTS),
    )


def _claim(uow: UnitOfWork, followup_id: int) -> bool:
    claimed = uow.session.execute(
        update(FollowUp)
        .where(FollowUp.id == followup_id, _mail_due())
        .values(
            mail_status="sending", claimed_at=utcnow(), mail_attempts=FollowUp.mail_attempts + 1
        )
    )
    uow.commit()
    return cast(CursorResult, claimed).rowcount == 1


def deliver_waiting(
    uow: UnitOfWork, now: datetime, calendar: BusinessCalendar, mailer: Mailer | None
) -> dict[int, str]:
    """E-mail the recorded follow-ups still waiting, if the office is open at `now`.

    Returns {followup id: sent|stored|failed|dropped}. Each row is claimed first, so two
    sweeps never send the same e-mail. Without a mailer (no SMTP_URL) e-mails are stored:
    staff see them in the web's pending list.
    """
    if not in_mail_hours(now, calendar):
        return {}
    ids = uow.session.scalars(select(FollowUp.id).where(_mail_due()).order_by(FollowUp.id)).all()
    uow.commit()
    directory = area_directory()
    texts = followup_texts()
    results: dict[int, str] = {}
    for followup_id in ids:
        if not _claim(uow, followup_id):
            continue
        followup = uow.session.get(FollowUp, followup_id)
        assert followup is not None  # claimed just above
        ticket = uow.session.get(Ticket, followup.ticket_id)
        assert ticket is not None
        error = None
        if not _still_needed(followup, ticket):
            status = "dropped"
        elif mailer is None:
            status = "stored"
        else:
            subject, body = compose_mail(followup, ticket, texts, directory)
            to = directory.email_of(followup.recipient) or directory.au_email
            # End the transaction before talking to the SMTP server.
            uow.commit()
            try:
                mailer(to, subject, body)
                status = "sent"
            except Exception as exc:  # the adapter's MailError, or a bad address
                status, error = "failed", str(exc)[:500]
        followup.mail_status = status
        followup.last_error = error
        if status == "sent":
            followup.notified_at = now
        uow.commit()
        results[followup_id] = status
    return results


def sweep(
    uow: UnitOfWork, now: datetime, calendar: BusinessCalendar, mailer: Mailer | None
) -> list[Action]:
    """One SLA pass: record what is due, then e-mail what waits (in business hours)."""
    recorded = record_due(uow, now, calendar) + record_undelivered_answers(uow, now, calendar)
    by_key = {(a.job, a.radicado): a for a in recorded}
    delivered = deliver_waiting(uow, now, calendar, mailer)
    later: list[Action] = []
    if delivered:
        rows = uow.session.execute(
            select(FollowUp.id, FollowUp.kind, FollowUp.recipient, Ticket.radicado)
            .join(Ticket, Ticket.id == FollowUp.ticket_id)
            .where(FollowUp.id.in_(list(delivered)))
        ).all()
        for row in rows:
            action = by_key.get((row.kind, row.radicado))
            if action is not None:
                action.details["email"] = delivered[row.id]
            elif delivered[row.id] != "dropped":
                later.append(
                    Action(
                        row.kind,
                        row.radicado,
                        {"to": row.recipient, "email": delivered[row.id], "delayed": True},
                    )
                )
    for action in recorded:
        action.details.setdefault("email", "waiting")
    uow.commit()
    return recorded + later


def pending_followups(
    uow: UnitOfWork, recipient: str | None = None, limit: int = 200
) -> list[PendingFollowUp]:
    """Follow-ups whose step is still undone and nobody marked as handled (the staff web's
    badge and inbox); one-off notices to AU stay until acknowledged.

    `recipient`: "au" for AU's view, "area:<slug>" for an area's, None for all.
    """
    person_open = and_(
        Ticket.answered_at.is_(None),
        Ticket.closed_at.is_(None),
        Ticket.status.notin_(DONE_STATUSES),
    )
    area_open = and_(person_open, Ticket.area_answered_at.is_(None))
    query = (
        select(FollowUp, Ticket.radicado, Ticket.area_slug)
        .join(Ticket, Ticket.id == FollowUp.ticket_id)
        .where(
            or_(
                and_(FollowUp.kind.in_((*_AREA_KINDS, FollowUpKind.ESCALATION.value)), area_open),
                and_(
                    FollowUp.kind.in_((FollowUpKind.AU_REMINDER.value, FollowUpKind.OVERDUE.value)),
                    person_open,
                ),
                FollowUp.kind.in_(NOTICE_KINDS),
            )
        )
        .order_by(FollowUp.due_on, FollowUp.id)
        .limit(limit)
    )
    query = query.where(FollowUp.acknowledged_at.is_(None))
    if recipient is not None:
        query = query.where(FollowUp.recipient == recipient)
    return [
        PendingFollowUp(
            id=f.id,
            radicado=radicado,
            kind=f.kind,
            due_on=f.due_on,
            recipient=f.recipient,
            area=area,
            mail_status=f.mail_status,
            created_at=f.created_at,
        )
        for f, radicado, area in uow.session.execute(query)
    ]


def acknowledge(
    uow: UnitOfWork, followup_id: int, by: str, now: datetime, recipient: str | None = None
) -> bool:
    """A staff member marks a follow-up as handled; False if it was already (or, with
    `recipient`, when it is addressed to someone else)."""
    query = update(FollowUp).where(FollowUp.id == followup_id, FollowUp.acknowledged_at.is_(None))
    if recipient is not None:
        query = query.where(FollowUp.recipient == recipient)
    done = uow.session.execute(query.values(acknowledged_at=now, acknowledged_by=by[:120]))
    return cast(CursorResult, done).rowcount == 1


def pending_count(uow: UnitOfWork, recipient: str | None = None) -> int:
    return len(pending_followups(uow, recipient, limit=10_000))


def overdue_ticket_ids(uow: UnitOfWork) -> set[int]:
    """Requests a sweep marked overdue (answered later or not)."""
    return set(
        uow.session.scalars(
            select(FollowUp.ticket_id).where(FollowUp.kind == FollowUpKind.OVERDUE.value)
        )
    )
