"""SLA of a request (pure; `now`/`today` given).

Two views of the same terms: the staff list's colour (on time, due soon, overdue, done) and
the follow-ups the sweep sends (which reminders and escalations are due). The policy: the
service area answers AU by business day 5 after receipt, AU answers the person by day 7 (AU
has days 6–7). Day 1 is the first business day after the day of receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from mara.domain.calendar import BOGOTA, BusinessCalendar
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


# Follow-ups: reminders, escalation and overdue marks of the SLA sweep.


def _local_date(at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return at.astimezone(BOGOTA).date()


class FollowUpKind(str, Enum):
    AREA_REMINDER = "area_reminder"  # business day 4: the area's term ends tomorrow
    AREA_DUE = "area_due"  # business day 5: the area's answer is due today
    ESCALATION = "escalation"  # from day 6: the area is overdue, AU is told
    AU_REMINDER = "au_reminder"  # day 6: AU must answer the person by day 7
    OVERDUE = "overdue"  # after day 7 without an answer to the person


class Recipient(str, Enum):
    AREA = "area"
    AU = "au"


RECIPIENTS = {
    FollowUpKind.AREA_REMINDER: Recipient.AREA,
    FollowUpKind.AREA_DUE: Recipient.AREA,
    FollowUpKind.ESCALATION: Recipient.AU,
    FollowUpKind.AU_REMINDER: Recipient.AU,
    FollowUpKind.OVERDUE: Recipient.AU,
}


@dataclass(frozen=True)
class SlaFacts:
    """What the follow-up rules need to know about one request."""

    received_on: date
    area_due_on: date
    answer_due_on: date
    status: str
    area_answered_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def person_answered(self) -> bool:
        return (
            self.answered_at is not None
            or self.closed_at is not None
            or self.status in DONE_STATUSES
        )

    @property
    def area_answered(self) -> bool:
        return self.area_answered_at is not None or self.person_answered


@dataclass(frozen=True)
class FollowUp:
    kind: FollowUpKind
    due_on: date  # the business day the follow-up belongs to

    @property
    def recipient(self) -> Recipient:
        return RECIPIENTS[self.kind]


@dataclass(frozen=True)
class SlaDays:
    """The business days of one request's follow-ups."""

    area_reminder_on: date
    area_due_on: date
    au_reminder_on: date
    answer_due_on: date


def sla_days(state: SlaFacts, calendar: BusinessCalendar) -> SlaDays:
    area_days = calendar.terms.area_days
    reminder_on = (
        calendar.add_business_days(state.received_on, area_days - 1)
        if area_days > 1
        else state.received_on
    )
    return SlaDays(
        area_reminder_on=reminder_on,
        area_due_on=state.area_due_on,
        au_reminder_on=calendar.next_business_day(state.area_due_on),
        answer_due_on=state.answer_due_on,
    )


def due_followups(state: SlaFacts, now: datetime, calendar: BusinessCalendar) -> list[FollowUp]:
    """The follow-ups whose day has come and whose condition still holds at `now`.

    Each belongs to one business day; a sweep that missed that day (the worker was down)
    still records it while it makes sense: a reminder before its deadline, an escalation
    or overdue mark any time after. Callers record each kind once per request.
    """
    if state.person_answered:
        return []
    today = _local_date(now)
    days = sla_days(state, calendar)
    due: list[FollowUp] = []
    if not state.area_answered:
        if days.area_reminder_on <= today < days.area_due_on:
            due.append(FollowUp(FollowUpKind.AREA_REMINDER, days.area_reminder_on))
        if today == days.area_due_on:
            due.append(FollowUp(FollowUpKind.AREA_DUE, days.area_due_on))
        if today > days.area_due_on:
            due.append(FollowUp(FollowUpKind.ESCALATION, days.au_reminder_on))
    if days.au_reminder_on <= today <= days.answer_due_on:
        due.append(FollowUp(FollowUpKind.AU_REMINDER, days.au_reminder_on))
    if today > days.answer_due_on:
        due.append(FollowUp(FollowUpKind.OVERDUE, calendar.next_business_day(days.answer_due_on)))
    return due


def is_overdue(state: SlaFacts, now: datetime) -> bool:
    """Past the end of business day 7 without an answer to the person."""
    return not state.person_answered and _local_date(now) > state.answer_due_on


def answered_on_time(state: SlaFacts) -> bool | None:
    """None while unanswered; else whether the person was answered by day 7 (Bogotá date)."""
    if state.answered_at is None:
        return None
    return _local_date(state.answered_at) <= state.answer_due_on


def business_days_between(calendar: BusinessCalendar, start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (0 when `end` <= `start`)."""
    count = 0
    day = start
    while True:
        day = calendar.next_business_day(day)
        if day > end:
            return count
        count += 1
