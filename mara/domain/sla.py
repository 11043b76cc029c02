"""SLA state of a request: on time, due today or the next business day, or overdue (pure)."""

from __future__ import annotations

from datetime import date
from enum import Enum

from mara.domain.calendar import BusinessCalendar
from mara.domain.tickets import TicketStatus


class SlaState(str, Enum):
    ON_TIME = "a_tiempo"
    DUE_SOON = "por_vencer"
    OVERDUE = "vencido"
    DONE = "cumplido"


# While the area holds a request its own term is the one that runs; otherwise AU's.
AREA_STATUSES = (TicketStatus.EN_AREA.value,)
DONE_STATUSES = (TicketStatus.RESPONDIDO.value, TicketStatus.CERRADO.value)


def current_due_on(status: str, area_due_on: date, answer_due_on: date) -> date:
    return area_due_on if status in AREA_STATUSES else answer_due_on


def soon_until(today: date, calendar: BusinessCalendar) -> date:
    """The last date that still counts as "due soon": the next business day."""
    return calendar.next_business_day(today)


def sla_state(
    status: str, area_due_on: date, answer_due_on: date, today: date, calendar: BusinessCalendar
) -> SlaState:
    if status in DONE_STATUSES:
        return SlaState.DONE
    due = current_due_on(status, area_due_on, answer_due_on)
    if due < today:
        return SlaState.OVERDUE
    if due <= soon_until(today, calendar):
        return SlaState.DUE_SOON
    return SlaState.ON_TIME
