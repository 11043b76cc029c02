"""Satisfaction survey on WhatsApp after a request is closed: schedule, start (session message
or approved template), remind once, take the answers one question at a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Table, exists, func, select, update
from sqlalchemy.engine import CursorResult

from mara.db.models import InboundMessage, OutboundMessage, Survey, SurveyResponse, Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BOGOTA, BusinessCalendar
from mara.policy.surveys import Question, SurveyConfig, survey_config
from mara.services import followup
from mara.services.contact import is_opted_out
from mara.services.followup import Action, insert_once
from mara.services.outbox import queue_proactive
from mara.text.ratings import is_decline, is_skip, parse_rating, parse_score

WINDOW = timedelta(hours=24)
OPEN = ("asking", "invited")
# A reply this long to an invitation is something else: the bot should answer it.
_MAX_WORDS_TO_START = 6
_MAX_WORDS_TO_HINT = 4


def start_time(closed_at: datetime, calendar: BusinessCalendar, config: SurveyConfig) -> datetime:
    """Default: the next business day at 10:00 (Bogotá) after the request was closed."""
    day = closed_at.astimezone(BOGOTA).date()
    for _ in range(max(config.start_business_days, 0)):
        day = calendar.next_business_day(day)
    return datetime.combine(day, config.start_at, tzinfo=BOGOTA)


def in_window(uow: UnitOfWork, wa_id: str, now: datetime) -> bool:
    """WhatsApp's customer-service window: the person wrote in the last 24 hours."""
    last = uow.session.scalar(
        select(func.max(InboundMessage.received_at)).where(InboundMessage.wa_id == wa_id)
    )
    return last is not None and now - last < WINDOW


def schedule(
    uow: UnitOfWork, now: datetime, calendar: BusinessCalendar, config: SurveyConfig
) -> int:
    """A survey for every recently closed WhatsApp request that has none yet (once each)."""
    rows = uow.session.execute(
        select(Ticket.id, Ticket.wa_id, Ticket.closed_at)
        .outerjoin(Survey, Survey.ticket_id == Ticket.id)
        .where(
            Ticket.closed_at >= now - timedelta(days=config.max_days_after_close),
            Ticket.wa_id.is_not(None),
            Survey.id.is_(None),
        )
    ).all()
    created = 0
    for row in rows:
        created += insert_once(
            uow,
            Survey,
            ["ticket_id"],
            {
                "ticket_id": row.id,
                "wa_id": row.wa_id,
                "created_at": now,
                "due_at": start_time(row.closed_at, calendar, config),
                "status": "scheduled",
                "question": 0,
                "hinted": False,
            },
        )
        uow.commit()
    return created


def _send(
    uow: UnitOfWork, survey: Survey, step: str, body: str, template_sid: str | None = None
) -> int | None:
    """Store one proactive survey message (never to an opted-out number); its id to send."""
    outbound_id, to_send = queue_proactive(
        uow, survey.wa_id, body, "survey", f"survey:{survey.id}:{step}"
    )
    if template_sid and outbound_id is not None:
        row = uow.session.get(OutboundMessage, outbound_id)
        assert row is not None  # stored just above
        radicado = uow.session.scalar(select(Ticket.radicado).where(Ticket.id == survey.ticket_id))
        row.content_sid = template_sid
        row.content_variables = {"1": radicado}
        uow.commit()
    return outbound_id if to_send else None


def _reach(
    uow: UnitOfWork,
    survey: Survey,
    now: datetime,
    session_steps: list[tuple[str, str]],
    invite: tuple[str, str],
    template_sid: str | None,
) -> tuple[str | None, list[int]]:
    """Write to the person: inside the 24-hour window the (step, body) messages (`asking`),
    outside it the approved template (`invited`); `opted_out` after BAJA; None when there is
    no way (no template). Returns (status, outbound ids to send)."""
    if is_opted_out(uow, survey.wa_id):
        return "opted_out", []
    if in_window(uow, survey.wa_id, now):
        ids = [_send(uow, survey, step, body) for step, body in session_steps]
        return "asking", [i for i in ids if i is not None]
    if template_sid:
        outbound_id = _send(uow, survey, invite[0], invite[1], template_sid)
        return "invited", [] if outbound_id is None else [outbound_id]
    return None, []


def _claim(uow: UnitOfWork, survey_id: int, from_status: str, to_status: str) -> bool:
    claimed = uow.session.execute(
        update(Survey)
        .where(Survey.id == survey_id, Survey.status == from_status)
        .values(status=to_status)
    )
    uow.commit()
    return cast(CursorResult, claimed).rowcount == 1


def _busy(uow: UnitOfWork, wa_id: str, survey_id: int) -> bool:
    """One survey at a time per person: another one is being answered."""
    return (
        uow.session.scalar(
            select(Survey.id)
            .where(Survey.wa_id == wa_id, Survey.status.in_(OPEN), Survey.id != survey_id)
            .limit(1)
        )
        is not None
    )


def start_due(
    uow: UnitOfWork,
    now: datetime,
    calendar: BusinessCalendar,
    template_sid: str | None,
    config: SurveyConfig | None = None,
) -> tuple[list[Action], list[int]]:
    """Start the surveys whose time has come. Returns (actions, outbound ids to send)."""
    config = config or survey_config()
    due = uow.session.scalars(
        select(Survey).where(Survey.status == "scheduled", Survey.due_at <= now).order_by(Survey.id)
    ).all()
    actions: list[Action] = []
    to_send: list[int] = []
    for survey in due:
        if _busy(uow, survey.wa_id, survey.id) or not _claim(
            uow, survey.id, "scheduled", "starting"
        ):
            continue
        ticket = uow.session.get(Ticket, survey.ticket_id)
        assert ticket is not None  # surveys.ticket_id is a foreign key
        radicado = ticket.radicado
        intro = config.text("intro", radicado=radicado)
        steps = [("intro", intro), ("q0", config.questions[0].text)]
        reached, ids = _reach(uow, survey, now, steps, ("invite", intro), template_sid)
        to_send += ids
        status = reached or "held"
        if reached is None:
            followup.record_notice(uow, ticket.id, followup.SURVEY_HELD, now, calendar)
        survey.status = status
        if status in OPEN:
            survey.started_at = survey.last_asked_at = now
        else:
            survey.finished_at = now
        uow.commit()
        actions.append(Action("survey", radicado, {"status": status}))
    return actions, to_send


def remind_or_expire(
    uow: UnitOfWork, now: datetime, template_sid: str | None, config: SurveyConfig | None = None
) -> tuple[list[Action], list[int]]:
    """A person who has not answered is reminded once; after that the survey closes.
    Outside the 24-hour window the reminder is the approved template `template_sid`."""
    config = config or survey_config()
    remind_before = now - timedelta(hours=config.remind_after_hours)
    expire_before = now - timedelta(hours=config.expire_after_hours)
    stalled = uow.session.scalars(
        select(Survey).where(Survey.status.in_(OPEN), Survey.last_asked_at <= remind_before)
    ).all()
    actions: list[Action] = []
    to_send: list[int] = []
    for survey in stalled:
        radicado = uow.session.scalars(
            select(Ticket.radicado).where(Ticket.id == survey.ticket_id)
        ).one()
        if survey.reminded_at is not None:
            if (
                survey.last_asked_at is not None
                and survey.last_asked_at <= expire_before
                and _claim(uow, survey.id, survey.status, "expired")
            ):
                survey.finished_at = now
                uow.commit()
                actions.append(Action("survey", radicado, {"status": "expired"}))
            continue
        previous = survey.status
        if not _claim(uow, survey.id, previous, "reminding"):
            continue
        status = previous
        question = config.questions[min(survey.question, len(config.questions) - 1)]
        reminder = config.text("reminder", radicado=radicado)
        steps = [("reminder", reminder), (f"reminder-q{survey.question}", question.text)]
        reached, ids = _reach(uow, survey, now, steps, ("reminder", reminder), template_sid)
        to_send += ids
        status = reached or "expired"  # None: the person cannot be reached any more
        survey.status = status
        survey.reminded_at = survey.last_asked_at = now
        if status not in OPEN:
            survey.finished_at = now
        uow.commit()
        actions.append(
            Action("survey", radicado, {"status": "reminded" if status in OPEN else status})
        )
    return actions, to_send


def _hint(question: Question, config: SurveyConfig) -> str:
    return config.text("hint_rating" if question.kind == "rating" else "hint_score")


def _store_answer(
    uow: UnitOfWork,
    survey: Survey,
    question: Question,
    now: datetime,
    rating: str | None = None,
    score: int | None = None,
) -> None:
    insert_once(
        uow,
        SurveyResponse,
        ["survey_id", "question"],
        {
            "survey_id": survey.id,
            "ticket_id": survey.ticket_id,
            "question": question.key,
            "rating": rating,
            "score": score,
            "skipped": rating is None and score is None,
            "answered_at": now,
        },
    )


def survey_open(wa_id: str | ColumnElement[str]) -> ColumnElement[bool]:
    """Whether the person has a survey waiting for an answer (a Core condition for one
    statement; `wa_id` may be a bind parameter)."""
    c = cast(Table, Survey.__table__).c
    return exists().where(c.wa_id == wa_id, c.status.in_(OPEN))


def handle_survey_reply(
    uow: UnitOfWork, wa_id: str, text: str, now: datetime, config: SurveyConfig | None = None
) -> list[str] | None:
    """The replies when `text` answers this person's open survey; None to let the bot
    handle it (no open survey, or the person is clearly talking about something else,
    which ends the survey so later numbers go to the bot's menus)."""
    config = config or survey_config()
    survey = uow.session.scalar(
        select(Survey)
        .where(Survey.wa_id == wa_id, Survey.status.in_(OPEN))
        .order_by(Survey.id.desc())
        .limit(1)
        .with_for_update()
    )
    if survey is None:
        return None
    words = len(text.split())
    if survey.status == "invited":
        if is_decline(text) or is_skip(text):
            survey.status, survey.finished_at = "declined", now
            return [config.text("declined")]
        if words > _MAX_WORDS_TO_START:
            survey.status, survey.finished_at = "expired", now
            return None
        survey.status = "asking"
        survey.last_asked_at = now
        return [config.questions[survey.question].text]
    question = config.questions[survey.question]
    if is_skip(text):
        _store_answer(uow, survey, question, now)
    else:
        if question.kind == "rating":
            rating, score = parse_rating(text), None
            answered = rating is not None
        else:
            rating, score = None, parse_score(text)
            answered = score is not None
        if not answered:
            if not survey.hinted and words <= _MAX_WORDS_TO_HINT:
                survey.hinted = True
                return [_hint(question, config), question.text]
            survey.status, survey.finished_at = "expired", now
            return None
        _store_answer(uow, survey, question, now, rating, score)
    survey.question += 1
    survey.hinted = False
    survey.last_asked_at = now
    if survey.question >= len(config.questions):
        survey.status, survey.finished_at = "completed", now
        return [config.text("thanks")]
    return [config.questions[survey.question].text]


def sweep(
    uow: UnitOfWork,
    now: datetime,
    calendar: BusinessCalendar,
    template_sid: str | None,
    config: SurveyConfig | None = None,
    reminder_sid: str | None = None,
) -> tuple[list[Action], list[int]]:
    """One survey pass: schedule new ones, start the due ones, remind or expire the stalled.
    `template_sid` starts a survey outside the window; `reminder_sid` (else the same one)
    reminds."""
    config = config or survey_config()
    schedule(uow, now, calendar, config)
    started, send_a = start_due(uow, now, calendar, template_sid, config)
    reminded, send_b = remind_or_expire(uow, now, reminder_sid or template_sid, config)
    uow.commit()
    return started + reminded, send_a + send_b
