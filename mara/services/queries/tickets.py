"""The request list (filters, sort, pages, counts per status), CSV rows and the detail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from mara.db.models import (
    Area,
    Consent,
    DeliveryEvent,
    EmailMessage,
    InboundMessage,
    OutboundMessage,
    Requester,
    StaffUser,
    Ticket,
    TicketAttachment,
    TicketEvent,
)
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BOGOTA, BusinessCalendar
from mara.domain.sla import DONE_STATUSES, SlaState, sla_state, soon_until
from mara.domain.tickets import OPEN_STATUSES, TicketStatus
from mara.policy.staff_texts import staff_text
from mara.services.desk import Actor, NotFound
from mara.text.radicado import parse_radicado

OPEN = tuple(s.value for s in OPEN_STATUSES)
UNCLASSIFIED = (TicketStatus.RECIBIDO.value, TicketStatus.EN_REVISION.value)
COUNTED = (*OPEN, TicketStatus.RESPONDIDO.value)
SORTS = ("default", "due", "-due", "received", "-received", "radicado", "-radicado")
PAGE_SIZE = 50

_due = case(
    (Ticket.status == TicketStatus.EN_AREA.value, Ticket.area_due_on), else_=Ticket.answer_due_on
)


@dataclass(frozen=True)
class TicketFilter:
    status: str = ""  # "" = open ones, "todas" = all, or one status
    pqrs_type: str = ""
    area: str = ""
    channel: str = ""
    sla: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = "default"
    page: int = 1


@dataclass(frozen=True)
class ListRow:
    radicado: str
    received_at: datetime
    proposed_type: str | None
    proposed_confidence: float | None
    pqrs_type: str
    classified: bool
    channel: str
    requester: str  # masked
    area: str | None
    status: str
    area_due_on: date
    answer_due_on: date
    sla: SlaState
    assigned_to: str | None
    delivery_problem: bool = False


DELIVERY_PROBLEMS = ("failed", "undelivered", "held")


@dataclass(frozen=True)
class TicketPage:
    rows: list[ListRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]


def mask_name(name: str | None) -> str:
    """ "María Fernanda López" -> "M. F. L.": enough to tell rows apart, not to identify."""
    if not name:
        return staff_text("report.anonymous")
    return " ".join(f"{w[0].upper()}." for w in name.split() if w)


def _scoped(query: Select, actor: Actor) -> Select:
    if actor.role == "area":
        return query.where(Ticket.area_slug == (actor.area_slug or "-"))
    return query


def _filtered(
    query: Select, f: TicketFilter, today: date, soon: date, people: list[int] | None = None
) -> Select:
    if f.status == "todas":
        pass
    elif f.status:
        query = query.where(Ticket.status == f.status)
    else:
        query = query.where(Ticket.status.in_(OPEN))
    if f.pqrs_type:
        query = query.where(Ticket.pqrs_type == f.pqrs_type)
    if f.area:
        query = query.where(Ticket.area_slug == f.area)
    if f.channel:
        query = query.where(Ticket.channel == f.channel)
    if f.sla:
        open_ = Ticket.status.notin_(DONE_STATUSES)
        query = query.where(
            {
                SlaState.OVERDUE.value: and_(open_, _due < today),
                SlaState.DUE_SOON.value: and_(open_, _due >= today, _due <= soon),
                SlaState.ON_TIME.value: and_(open_, _due > soon),
                SlaState.DONE.value: Ticket.status.in_(DONE_STATUSES),
            }.get(f.sla, Ticket.id.is_not(None))
        )
    if f.date_from:
        query = query.where(Ticket.received_at >= _start_of(f.date_from))
    if f.date_to:
        query = query.where(Ticket.received_at < _start_of(f.date_to + timedelta(days=1)))
    q = " ".join(f.q.split())
    if q:
        radicado = parse_radicado(q) or q.upper().replace(" ", "")
        conditions = [Ticket.radicado == radicado]
        if radicado.startswith("PQRS-") and len(radicado) < 16:
            conditions.append(Ticket.radicado.like(f"{radicado}%"))
        if people:
            conditions.append(Ticket.requester_id.in_(people))
        query = query.where(or_(*conditions))
    return query


SEARCH_PEOPLE_LIMIT = 2000


def _matching_people(uow: UnitOfWork, q: str) -> list[int]:
    """Requesters whose document is `q` or whose name contains it. Looked up first, on
    their own table, so the tickets are then found through their requester_id index."""
    q = " ".join(q.split())
    compact = "".join(c for c in q if c.isalnum())
    if parse_radicado(q) or q.upper().startswith("PQRS"):
        return []
    if compact.isdigit():
        query = select(Requester.id).where(Requester.document_number == compact)
    elif len(q) >= 3:
        query = select(Requester.id).where(func.lower(Requester.full_name).like(f"%{q.lower()}%"))
    else:
        return []
    return list(uow.session.scalars(query.limit(SEARCH_PEOPLE_LIMIT)))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BOGOTA)


def _ordered(query: Select, sort: str) -> Select:
    if sort == "due":
        return query.order_by(_due, Ticket.id)
    if sort == "-due":
        return query.order_by(_due.desc(), Ticket.id.desc())
    if sort == "received":
        return query.order_by(Ticket.received_at, Ticket.id)
    if sort == "-received":
        return query.order_by(Ticket.received_at.desc(), Ticket.id.desc())
    if sort == "radicado":
        return query.order_by(Ticket.radicado)
    if sort == "-radicado":
        return query.order_by(Ticket.radicado.desc())
    unclassified_first = case((Ticket.status.in_(UNCLASSIFIED), 0), else_=1)
    return query.order_by(unclassified_first, _due, Ticket.id)


def list_tickets(
    uow: UnitOfWork,
    actor: Actor,
    f: TicketFilter,
    now: datetime,
    calendar: BusinessCalendar,
    page_size: int = PAGE_SIZE,
    paginate: bool = True,
) -> TicketPage:
    """One page of requests. The page's ids are chosen on the tickets table alone (indexes
    on status, area and due dates), then only those rows are joined to names and areas."""
    today = now.astimezone(BOGOTA).date()
    soon = soon_until(today, calendar)
    session = uow.session
    people = _matching_people(uow, f.q) if f.q.strip() else None
    ids_query = _filtered(_scoped(select(Ticket.id), actor), f, today, soon, people)
    total = session.scalar(select(func.count()).select_from(ids_query.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, f.page), pages)
    ids_query = _ordered(ids_query, f.sort)
    if paginate:
        ids_query = ids_query.limit(page_size).offset((page - 1) * page_size)
    ids = list(session.scalars(ids_query))
    assignee = aliased(StaffUser)
    rows_by_id = {}
    for chunk in range(0, len(ids), 1000):
        query = (
            select(
                Ticket.id,
                Ticket.radicado,
                Ticket.received_at,
                Ticket.proposed_type,
                Ticket.proposed_confidence,
                Ticket.pqrs_type,
                Ticket.classified_at,
                Ticket.channel,
                Requester.full_name,
                Area.name.label("area_name"),
                Ticket.status,
                Ticket.area_due_on,
                Ticket.answer_due_on,
                assignee.name.label("assignee"),
            )
            .outerjoin(Requester, Ticket.requester_id == Requester.id)
            .outerjoin(Area, Ticket.area_slug == Area.slug)
            .outerjoin(assignee, Ticket.assigned_to_id == assignee.id)
            .where(Ticket.id.in_(ids[chunk : chunk + 1000]))
        )
        rows_by_id.update({r.id: r for r in session.execute(query)})
    # An answer that did not reach the person must not stay silent in the list.
    problems = (
        set(
            session.scalars(
                select(OutboundMessage.ticket_id).where(
                    OutboundMessage.ticket_id.in_(ids),
                    OutboundMessage.status.in_(DELIVERY_PROBLEMS),
                )
            )
        )
        if paginate
        else set()
    )
    rows = [
        ListRow(
            radicado=r.radicado,
            received_at=r.received_at,
            proposed_type=r.proposed_type,
            proposed_confidence=r.proposed_confidence,
            pqrs_type=r.pqrs_type,
            classified=r.classified_at is not None,
            channel=r.channel,
            requester=mask_name(r.full_name),
            area=r.area_name,
            status=r.status,
            area_due_on=r.area_due_on,
            answer_due_on=r.answer_due_on,
            sla=sla_state(r.status, r.area_due_on, r.answer_due_on, today, calendar),
            assigned_to=r.assignee,
            delivery_problem=r.id in problems,
        )
        for r in (rows_by_id[i] for i in ids)
    ]
    # Closed requests pile up for years: the counts are of the ones still moving.
    counts_query = _scoped(
        select(Ticket.status, func.count())
        .where(Ticket.status.in_(COUNTED))
        .group_by(Ticket.status),
        actor,
    )
    counts = {status: n for status, n in session.execute(counts_query)}
    return TicketPage(rows=rows, total=total, page=page, pages=pages, counts=counts)


@dataclass(frozen=True)
class TranscriptLine:
    direction: str  # in | out
    body: str
    at: datetime
    status: str
    error: str | None = None
    kind: str | None = None
    media: int = 0


@dataclass(frozen=True)
class TicketDetail:
    ticket: Ticket
    requester: Requester | None
    consent: Consent | None
    area_name: str | None
    assigned_to: str | None
    attachments: list[TicketAttachment]
    transcript: list[TranscriptLine]
    events: list[TicketEvent]
    emails: list[EmailMessage]
    answer_messages: list[OutboundMessage]
    sla: SlaState
    extra: dict = field(default_factory=dict)


TRANSCRIPT_LIMIT = 300


def transcript(uow: UnitOfWork, wa_id: str, limit: int = TRANSCRIPT_LIMIT) -> list[TranscriptLine]:
    session = uow.session
    inbound = session.scalars(
        select(InboundMessage)
        .where(InboundMessage.wa_id == wa_id)
        .order_by(InboundMessage.id.desc())
        .limit(limit)
    )
    outbound = session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.wa_id == wa_id)
        .order_by(OutboundMessage.id.desc())
        .limit(limit)
    )
    lines = [
        TranscriptLine("in", m.body, m.received_at, m.status, media=m.num_media) for m in inbound
    ] + [
        TranscriptLine(
            "out",
            m.body,
            m.created_at,
            m.status,
            error=" ".join(x for x in (m.error_code, m.error_message) if x) or None,
            kind=m.kind,
        )
        for m in outbound
    ]
    return sorted(lines, key=lambda line: line.at)[-limit:]


def ticket_detail(
    uow: UnitOfWork, radicado: str, actor: Actor, now: datetime, calendar: BusinessCalendar
) -> TicketDetail:
    session = uow.session
    ticket = session.scalar(select(Ticket).where(Ticket.radicado == radicado.strip().upper()))
    if ticket is None or not actor.can_view(ticket):
        raise NotFound("desk.not_found")
    consent_id = ticket.consent_id or (ticket.requester.consent_id if ticket.requester else None)
    area = session.get(Area, ticket.area_slug) if ticket.area_slug else None
    assigned = session.get(StaffUser, ticket.assigned_to_id) if ticket.assigned_to_id else None
    today = now.astimezone(BOGOTA).date()
    return TicketDetail(
        ticket=ticket,
        requester=ticket.requester,
        consent=session.get(Consent, consent_id) if consent_id else None,
        area_name=area.name if area else None,
        assigned_to=assigned.name if assigned else None,
        attachments=list(ticket.attachments),
        transcript=transcript(uow, ticket.wa_id) if ticket.wa_id else [],
        events=list(
            session.scalars(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(TicketEvent.id)
            )
        ),
        emails=list(
            session.scalars(
                select(EmailMessage)
                .where(EmailMessage.ticket_id == ticket.id)
                .order_by(EmailMessage.id)
            )
        ),
        answer_messages=list(
            session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.ticket_id == ticket.id)
                .order_by(OutboundMessage.id)
            )
        ),
        sla=sla_state(ticket.status, ticket.area_due_on, ticket.answer_due_on, today, calendar),
    )


def delivery_events(uow: UnitOfWork, provider_sid: str) -> list[DeliveryEvent]:
    return list(
        uow.session.scalars(
            select(DeliveryEvent)
            .where(DeliveryEvent.provider_sid == provider_sid)
            .order_by(DeliveryEvent.id)
        )
    )
