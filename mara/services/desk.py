"""The Atención al Usuario desk: classify, route, area answer, review, answer, close, reopen.

Every action takes the version the staff member saw (optimistic locking), checks the
actor's role, changes the request and writes one audit event; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from mara.db.models import Area, StaffUser, Ticket, TicketEvent
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BusinessCalendar
from mara.domain.tickets import REVIEW_CRITERIA, PqrsType, TicketStatus
from mara.policy.channels import business_calendar
from mara.policy.staff_texts import staff_text

S = TicketStatus


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in staff member, or another system through an API token."""

    name: str
    role: str  # au | area | trainer | admin | api
    area_slug: str | None = None
    user_id: int | None = None

    @property
    def is_au(self) -> bool:
        # API tokens act on behalf of AU (the Caja's own systems, created by an admin).
        return self.role in ("au", "api")

    def can_view(self, ticket: Ticket) -> bool:
        if self.role in ("au", "admin", "api"):
            return True
        return (
            self.role == "area"
            and ticket.area_slug is not None
            and (ticket.area_slug == self.area_slug)
        )


class DeskError(Exception):
    """An action the desk refuses, by key of config/staff_texts.yml (`code`); its message,
    worded there, is shown to staff."""

    status = 409

    def __init__(self, code: str, **values: object):
        super().__init__(staff_text(code, **values))
        self.code = code


class NotFound(DeskError):
    status = 404


class Forbidden(DeskError):
    status = 403


class StaleTicket(DeskError):
    status = 409


class InvalidAction(DeskError):
    status = 409


def load(uow: UnitOfWork, radicado: str, actor: Actor, version: int | None = None) -> Ticket:
    ticket = uow.session.scalar(select(Ticket).where(Ticket.radicado == radicado.strip().upper()))
    if ticket is None or not actor.can_view(ticket):
        # An area user learns nothing about requests outside their area.
        raise NotFound("desk.not_found")
    if version is not None and ticket.version != version:
        raise StaleTicket("desk.stale")
    return ticket


def _require_au(actor: Actor) -> None:
    if not actor.is_au:
        raise Forbidden("desk.au_only")


def _require_status(ticket: Ticket, allowed: tuple[TicketStatus, ...], action: str) -> None:
    """`action`: a key of `actions` in config/staff_texts.yml (the verb staff read)."""
    if ticket.status not in {s.value for s in allowed}:
        raise InvalidAction(
            "desk.wrong_status", action=staff_text(f"actions.{action}"), status=ticket.status
        )


def _au_ticket(
    uow: UnitOfWork,
    radicado: str,
    actor: Actor,
    version: int | None,
    allowed: tuple[TicketStatus, ...],
    action: str,
) -> Ticket:
    """The request an AU action works on, in a state that allows `action`."""
    _require_au(actor)
    ticket = load(uow, radicado, actor, version)
    _require_status(ticket, allowed, action)
    return ticket


def record_event(
    uow: UnitOfWork, ticket: Ticket, actor: Actor, action: str, now: datetime, **details
) -> None:
    uow.session.add(
        TicketEvent(ticket_id=ticket.id, at=now, actor=actor.name, action=action, details=details)
    )


def _save(uow: UnitOfWork) -> None:
    """Flush now so a concurrent change (the row's version moved) is caught here."""
    try:
        uow.session.flush()
    except StaleDataError:
        uow.session.rollback()
        raise StaleTicket("desk.stale") from None


# Classified and the person not answered yet (or reopened): routed, reviewed, answered.
IN_PROGRESS = (S.CLASIFICADO, S.EN_AREA, S.RESPONDIDO_AREA, S.REABIERTO)
OPEN_FOR_CLASSIFY = (S.RECIBIDO, S.EN_REVISION, *IN_PROGRESS)


def classify(
    uow: UnitOfWork,
    radicado: str,
    actor: Actor,
    pqrs_type: str,
    now: datetime,
    version: int | None = None,
    calendar: BusinessCalendar | None = None,
) -> int:
    """AU decides the type; the bot's proposal and confidence stay beside it."""
    ticket = _au_ticket(uow, radicado, actor, version, OPEN_FOR_CLASSIFY, "classify")
    try:
        kind = PqrsType(pqrs_type)
    except ValueError:
        raise InvalidAction("desk.unknown_type") from None
    previous = ticket.pqrs_type
    first = ticket.classified_at is None
    # The legal term depends on the type (Ley 1755: information has 10 days, not 15).
    deadlines = (calendar or business_calendar()).deadlines(ticket.received_at, kind.value)
    ticket.pqrs_type = kind.value
    ticket.legal_due_on = deadlines.legal_due_on
    ticket.legal_term_days = deadlines.legal_term_days
    ticket.classified_at, ticket.classified_by = now, actor.name
    if ticket.status in (S.RECIBIDO.value, S.EN_REVISION.value):
        ticket.status = S.CLASIFICADO.value
    action = "classify" if first else "reclassify"
    record_event(
        uow,
        ticket,
        actor,
        action,
        now,
        previous=previous,
        type=kind.value,
        proposed=ticket.proposed_type,
        confidence=ticket.proposed_confidence,
    )
    _save(uow)
    return ticket.version


def route(
    uow: UnitOfWork,
    radicado: str,
    actor: Actor,
    area_slug: str,
    now: datetime,
    version: int | None = None,
    assigned_to_id: int | None = None,
) -> int:
    ticket = _au_ticket(uow, radicado, actor, version, IN_PROGRESS, "route")
    area = uow.session.get(Area, area_slug)
    if area is None or not area.active:
        raise InvalidAction("desk.unknown_area")
    if assigned_to_id is not None:
        user = uow.session.get(StaffUser, assigned_to_id)
        if user is None or not user.active or user.area_slug != area.slug:
            raise InvalidAction("desk.assignee_not_in_area")
    previous = ticket.area_slug
    ticket.area_slug = area.slug
    ticket.assigned_to_id = assigned_to_id
    ticket.routed_at = now
    ticket.status = S.EN_AREA.value
    record_event(
        uow,
        ticket,
        actor,
        "route",
        now,
        area=area.slug,
        previous=previous,
        assigned_to=assigned_to_id,
    )
    _save(uow)
    return ticket.version


def area_answer(
    uow: UnitOfWork,
    radicado: str,
    actor: Actor,
    text: str,
    now: datetime,
    version: int | None = None,
) -> int:
    """The area's answer to AU (an area user only for their own area; AU may record it)."""
    if actor.role != "area" and not actor.is_au:
        raise Forbidden("desk.area_answer_who")
    ticket = load(uow, radicado, actor, version)
    _require_status(ticket, (S.EN_AREA, S.RESPONDIDO_AREA), "area_answer")
    text = text.strip()
    if len(text) < 5:
        raise InvalidAction("desk.area_answer_missing")
    ticket.area_answer = text
    ticket.area_answered_at, ticket.area_answered_by = now, actor.name
    ticket.status = S.RESPONDIDO_AREA.value
    if ticket.final_answer is None:
        ticket.final_answer = text
    record_event(uow, ticket, actor, "area_answer", now, length=len(text))
    _save(uow)
    return ticket.version


def review(
    uow: UnitOfWork,
    radicado: str,
    actor: Actor,
    final_answer: str,
    checklist: dict[str, bool],
    now: datetime,
    version: int | None = None,
) -> int:
    """AU's review of the answer against the five criteria, with its edited text."""
    ticket = _au_ticket(uow, radicado, actor, version, IN_PROGRESS, "review")
    final_answer = final_answer.strip()
    if len(final_answer) < 5:
        raise InvalidAction("desk.final_answer_missing")
    ticket.final_answer = final_answer
    ticket.review = {c: bool(checklist.get(c)) for c in REVIEW_CRITERIA}
    ticket.reviewed_at, ticket.reviewed_by = now, actor.name
    record_event(uow, ticket, actor, "review", now, checklist=ticket.review)
    _save(uow)
    return ticket.version


def review_approved(ticket: Ticket) -> bool:
    review = ticket.review or {}
    return bool(review) and all(review.get(c) for c in REVIEW_CRITERIA)


def mark_answered(uow: UnitOfWork, ticket: Ticket, actor: Actor, now: datetime, **details) -> int:
    """The answer went out (answering.py stores the messages in the same transaction)."""
    _require_au(actor)
    _require_status(ticket, IN_PROGRESS, "answer")
    if not review_approved(ticket) or not ticket.final_answer:
        raise InvalidAction("desk.review_required")
    ticket.status = S.RESPONDIDO.value
    ticket.answer_summary = ticket.final_answer
    ticket.answered_at = now
    record_event(uow, ticket, actor, "answer_sent", now, **details)
    _save(uow)
    return ticket.version


def record_resarcimiento(
    uow: UnitOfWork,
    radicado: str,
    actor: Actor,
    applies: bool,
    detail: str,
    now: datetime,
    version: int | None = None,
    calendar: BusinessCalendar | None = None,
) -> int:
    """Whether the policy's compensation applies, how, and by when (7 business days)."""
    _require_au(actor)
    ticket = load(uow, radicado, actor, version)
    if ticket.status == S.CERRADO.value:
        raise InvalidAction("desk.closed_reopen_first")
    detail = detail.strip()
    if applies and len(detail) < 5:
        raise InvalidAction("desk.resarcimiento_missing")
    due = (calendar or business_calendar()).resarcimiento_due_on(now) if applies else None
    ticket.resarcimiento = {
        "applies": applies,
        "detail": detail,
        "due_on": due.isoformat() if due else None,
        "recorded_at": now.isoformat(),
        "by": actor.name,
    }
    record_event(uow, ticket, actor, "resarcimiento", now, applies=applies)
    _save(uow)
    return ticket.version


def close(
    uow: UnitOfWork, radicado: str, actor: Actor, now: datetime, version: int | None = None
) -> int:
    ticket = _au_ticket(uow, radicado, actor, version, (S.RESPONDIDO,), "close")
    ticket.status = S.CERRADO.value
    ticket.closed_at = now
    record_event(uow, ticket, actor, "close", now)
    _save(uow)
    return ticket.version


def reopen(
    uow: UnitOfWork,
    radicado: str,
    actor: Actor,
    reason: str,
    now: datetime,
    version: int | None = None,
) -> int:
    ticket = _au_ticket(uow, radicado, actor, version, (S.RESPONDIDO, S.CERRADO), "reopen")
    reason = reason.strip()
    if len(reason) < 5:
        raise InvalidAction("desk.reopen_reason_missing")
    ticket.status = S.REABIERTO.value
    ticket.closed_at = None
    ticket.review = None
    record_event(uow, ticket, actor, "reopen", now, reason=reason)
    _save(uow)
    return ticket.version
