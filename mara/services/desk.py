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
    """An action the desk refuses; the message is shown to staff (Spanish)."""

    status = 409


class NotFound(DeskError):
    status = 404


class Forbidden(DeskError):
    status = 403


class StaleTicket(DeskError):
    status = 409


class InvalidAction(DeskError):
    status = 409


STALE_MESSAGE = (
    "Otra persona modificó esta solicitud mientras la tenías abierta. "
    "No se guardó nada: revisa los cambios y vuelve a intentarlo."
)


def load(uow: UnitOfWork, radicado: str, actor: Actor, version: int | None = None) -> Ticket:
    ticket = uow.session.scalar(select(Ticket).where(Ticket.radicado == radicado.strip().upper()))
    if ticket is None or not actor.can_view(ticket):
        # An area user learns nothing about requests outside their area.
        raise NotFound("No se encontró la solicitud.")
    if version is not None and ticket.version != version:
        raise StaleTicket(STALE_MESSAGE)
    return ticket


def _require_au(actor: Actor) -> None:
    if not actor.is_au:
        raise Forbidden("Solo Atención al Usuario puede hacer esto.")


def _require_status(ticket: Ticket, allowed: tuple[TicketStatus, ...], what: str) -> None:
    if ticket.status not in {s.value for s in allowed}:
        raise InvalidAction(f"No se puede {what} una solicitud en estado «{ticket.status}».")


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
        raise StaleTicket(STALE_MESSAGE) from None


OPEN_FOR_CLASSIFY = (
    S.RECIBIDO,
    S.EN_REVISION,
    S.CLASIFICADO,
    S.EN_AREA,
    S.RESPONDIDO_AREA,
    S.REABIERTO,
)


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
    _require_au(actor)
    ticket = load(uow, radicado, actor, version)
    _require_status(ticket, OPEN_FOR_CLASSIFY, "clasificar")
    try:
        kind = PqrsType(pqrs_type)
    except ValueError:
        raise InvalidAction("Tipo de PQRS desconocido.") from None
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
    _require_au(actor)
    ticket = load(uow, radicado, actor, version)
    _require_status(
        ticket, (S.CLASIFICADO, S.EN_AREA, S.RESPONDIDO_AREA, S.REABIERTO), "enviar al área"
    )
    area = uow.session.get(Area, area_slug)
    if area is None or not area.active:
        raise InvalidAction("Área desconocida.")
    if assigned_to_id is not None:
        user = uow.session.get(StaffUser, assigned_to_id)
        if user is None or not user.active or user.area_slug != area.slug:
            raise InvalidAction("La persona asignada no pertenece a esa área.")
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
        raise Forbidden("Solo el área responsable o Atención al Usuario registran esta respuesta.")
    ticket = load(uow, radicado, actor, version)
    _require_status(ticket, (S.EN_AREA, S.RESPONDIDO_AREA), "responder desde el área")
    text = text.strip()
    if len(text) < 5:
        raise InvalidAction("Escribe la respuesta del área.")
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
    _require_au(actor)
    ticket = load(uow, radicado, actor, version)
    _require_status(ticket, (S.CLASIFICADO, S.EN_AREA, S.RESPONDIDO_AREA, S.REABIERTO), "revisar")
    final_answer = final_answer.strip()
    if len(final_answer) < 5:
        raise InvalidAction("Escribe la respuesta que recibirá la persona.")
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
    _require_status(ticket, (S.CLASIFICADO, S.EN_AREA, S.RESPONDIDO_AREA, S.REABIERTO), "responder")
    if not review_approved(ticket) or not ticket.final_answer:
        raise InvalidAction(
            "Antes de enviar, revisa la respuesta y marca los cinco criterios "
            "(calidad, claridad, precisión, idoneidad, congruencia)."
        )
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
        raise InvalidAction("La solicitud está cerrada; reábrela primero.")
    detail = detail.strip()
    if applies and len(detail) < 5:
        raise InvalidAction("Describe la forma de resarcimiento acordada.")
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
    _require_au(actor)
    ticket = load(uow, radicado, actor, version)
    _require_status(ticket, (S.RESPONDIDO,), "cerrar (primero envía la respuesta)")
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
    _require_au(actor)
    ticket = load(uow, radicado, actor, version)
    _require_status(ticket, (S.RESPONDIDO, S.CERRADO), "reabrir")
    reason = reason.strip()
    if len(reason) < 5:
        raise InvalidAction("Indica por qué se reabre.")
    ticket.status = S.REABIERTO.value
    ticket.closed_at = None
    ticket.review = None
    record_event(uow, ticket, actor, "reopen", now, reason=reason)
    _save(uow)
    return ticket.version
