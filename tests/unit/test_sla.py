"""SLA rules: the staff list's colours and the sweep's follow-ups (business calendar)."""

from datetime import date, datetime, timedelta

import pytest

from mara.domain.calendar import BOGOTA
from mara.domain.sla import (
    FollowUpKind,
    Recipient,
    SlaFacts,
    SlaState,
    answered_on_time,
    business_days_between,
    due_followups,
    is_overdue,
    sla_state,
)
from mara.policy.channels import business_calendar

K = FollowUpKind


@pytest.fixture(scope="module")
def cal():
    return business_calendar()


def bog(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=BOGOTA)


def state_for(cal, filed_at, **kw) -> SlaFacts:
    deadlines = cal.deadlines(filed_at, "queja")
    return SlaFacts(
        received_on=deadlines.received_on,
        area_due_on=deadlines.area_due_on,
        answer_due_on=deadlines.answer_due_on,
        status=kw.pop("status", "en_area"),
        **kw,
    )


def kinds(state, now, cal):
    return {f.kind for f in due_followups(state, now, cal)}


def schedule(cal, state, start: date, days: int = 14) -> dict[date, set]:
    """The follow-ups due on each calendar day, checked at 10:00 and 23:00."""
    out = {}
    for offset in range(days):
        day = start + timedelta(days=offset)
        found = set()
        for hour in (0, 10, 23):
            found |= kinds(state, datetime(day.year, day.month, day.day, hour, tzinfo=BOGOTA), cal)
        out[day] = found
    return out


def first_days(cal, state, start) -> dict:
    firsts = {}
    for day, found in sorted(schedule(cal, state, start, 20).items()):
        for kind in found:
            firsts.setdefault(kind, day)
    return firsts


def test_the_issue_example(cal):
    # Filed Friday 2026-12-04 10:00; Tuesday 12-08 is a holiday.
    state = state_for(cal, bog(2026, 12, 4))
    assert state.area_due_on == date(2026, 12, 14)
    assert state.answer_due_on == date(2026, 12, 16)
    days = schedule(cal, state, date(2026, 12, 4), 16)
    assert days[date(2026, 12, 10)] == set()
    assert days[date(2026, 12, 11)] == {K.AREA_REMINDER}  # day 4, Friday
    assert days[date(2026, 12, 12)] == {K.AREA_REMINDER}  # still before the area's deadline
    assert days[date(2026, 12, 14)] == {K.AREA_DUE}  # day 5, Monday
    assert days[date(2026, 12, 15)] == {K.ESCALATION, K.AU_REMINDER}  # day 6
    assert days[date(2026, 12, 16)] == {K.ESCALATION, K.AU_REMINDER}  # day 7, due today
    assert days[date(2026, 12, 17)] == {K.ESCALATION, K.OVERDUE}  # after day 7
    assert first_days(cal, state, date(2026, 12, 4)) == {
        K.AREA_REMINDER: date(2026, 12, 11),
        K.AREA_DUE: date(2026, 12, 14),
        K.ESCALATION: date(2026, 12, 15),
        K.AU_REMINDER: date(2026, 12, 15),
        K.OVERDUE: date(2026, 12, 17),
    }
    for before in range(4, 11):
        assert kinds(state, bog(2026, 12, before, 17), cal) == set()


def test_due_on_names_the_business_day(cal):
    state = state_for(cal, bog(2026, 12, 4))
    found = {f.kind: f for f in due_followups(state, bog(2026, 12, 17), cal)}
    assert found[K.ESCALATION].due_on == date(2026, 12, 15)
    assert found[K.OVERDUE].due_on == date(2026, 12, 17)
    assert found[K.ESCALATION].recipient is Recipient.AU
    reminder = due_followups(state, bog(2026, 12, 11), cal)[0]
    assert reminder.due_on == date(2026, 12, 11) and reminder.recipient is Recipient.AREA


@pytest.mark.parametrize(
    "filed_at, expected",
    [
        # Saturday → received Monday 12-07; Tuesday holiday.
        (
            bog(2026, 12, 5, 11),
            {
                K.AREA_REMINDER: date(2026, 12, 14),
                K.AREA_DUE: date(2026, 12, 15),
                K.AU_REMINDER: date(2026, 12, 16),
                K.OVERDUE: date(2026, 12, 18),
            },
        ),
        # On the holiday itself → received Wednesday 12-09.
        (
            bog(2026, 12, 8, 9),
            {
                K.AREA_REMINDER: date(2026, 12, 15),
                K.AREA_DUE: date(2026, 12, 16),
                K.AU_REMINDER: date(2026, 12, 17),
                K.OVERDUE: date(2026, 12, 19),  # day 7 was Fri 12-18: overdue from Saturday
            },
        ),
        # Friday after the office closed (17:00) → received Monday 12-07, like Saturday.
        (
            bog(2026, 12, 4, 17, 30),
            {
                K.AREA_REMINDER: date(2026, 12, 14),
                K.AREA_DUE: date(2026, 12, 15),
                K.AU_REMINDER: date(2026, 12, 16),
                K.OVERDUE: date(2026, 12, 18),
            },
        ),
        # Christmas week: Thursday 12-24 → day 1 Mon 12-28, Fri 01-01 holiday.
        (
            bog(2026, 12, 24, 9),
            {
                K.AREA_REMINDER: date(2026, 12, 31),
                K.AREA_DUE: date(2027, 1, 4),
                K.AU_REMINDER: date(2027, 1, 5),
                K.OVERDUE: date(2027, 1, 7),
            },
        ),
    ],
)
def test_weekend_holiday_and_after_hours_filings(cal, filed_at, expected):
    state = state_for(cal, filed_at)
    firsts = first_days(cal, state, filed_at.date())
    assert {k: firsts[k] for k in expected} == expected
    assert firsts[K.ESCALATION] == expected[K.AU_REMINDER]


def test_area_answer_stops_area_followups_only(cal):
    state = state_for(cal, bog(2026, 12, 4), area_answered_at=bog(2026, 12, 14, 9))
    assert kinds(state, bog(2026, 12, 14), cal) == set()
    assert kinds(state, bog(2026, 12, 15), cal) == {K.AU_REMINDER}
    assert kinds(state, bog(2026, 12, 17), cal) == {K.OVERDUE}


@pytest.mark.parametrize(
    "done",
    [
        {"answered_at": bog(2026, 12, 14)},
        {"closed_at": bog(2026, 12, 14)},
        {"status": "respondido"},
        {"status": "cerrado"},
    ],
)
def test_answered_or_closed_requests_need_nothing(cal, done):
    state = state_for(cal, bog(2026, 12, 4), **done)
    for day in range(11, 22):
        assert kinds(state, bog(2026, 12, day), cal) == set()
    assert not is_overdue(state, bog(2026, 12, 21))


def test_overdue_and_on_time(cal):
    state = state_for(cal, bog(2026, 12, 4))
    assert not is_overdue(state, bog(2026, 12, 16, 23, 59))
    assert is_overdue(state, bog(2026, 12, 17, 0, 1))
    assert answered_on_time(state) is None
    on_time = state_for(cal, bog(2026, 12, 4), answered_at=bog(2026, 12, 16, 18))
    late = state_for(cal, bog(2026, 12, 4), answered_at=bog(2026, 12, 17, 8))
    assert answered_on_time(on_time) is True
    assert answered_on_time(late) is False


def test_business_days_between(cal):
    assert business_days_between(cal, date(2026, 12, 4), date(2026, 12, 4)) == 0
    assert business_days_between(cal, date(2026, 12, 4), date(2026, 12, 16)) == 7
    assert business_days_between(cal, date(2026, 12, 4), date(2026, 12, 12)) == 4


def test_naive_now_is_refused(cal):
    with pytest.raises(ValueError):
        due_followups(state_for(cal, bog(2026, 12, 4)), datetime(2026, 12, 11, 10), cal)


def test_followup_core_imports_no_adapter_framework():
    import subprocess
    import sys

    core = ["mara.domain.sla", "mara.services.followup", "mara.services.surveys",
            "mara.services.reports", "mara.text.ratings"]  # fmt: skip
    code = (
        "import sys\n"
        f"for m in {core!r}: __import__(m)\n"
        "print(sorted(a for a in ['flask', 'rq', 'twilio', 'matplotlib', 'smtplib']"
        " if a in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# SLA colours: on time, due today or the next business day, overdue.

AREA_DUE, ANSWER_DUE = date(2026, 12, 14), date(2026, 12, 16)


def state(status: str, today: date) -> SlaState:
    return sla_state(status, AREA_DUE, ANSWER_DUE, today, business_calendar())


def test_the_area_term_runs_while_the_area_has_the_request():
    assert state("en_area", date(2026, 12, 10)) is SlaState.ON_TIME
    # Friday 12-11: the next business day is Monday 12-14, the area's due date.
    assert state("en_area", date(2026, 12, 11)) is SlaState.DUE_SOON
    assert state("en_area", date(2026, 12, 14)) is SlaState.DUE_SOON
    assert state("en_area", date(2026, 12, 15)) is SlaState.OVERDUE


def test_otherwise_au_term_runs_and_answered_requests_are_done():
    assert state("respondido_area", date(2026, 12, 14)) is SlaState.ON_TIME
    assert state("clasificado", date(2026, 12, 15)) is SlaState.DUE_SOON
    assert state("recibido", date(2026, 12, 17)) is SlaState.OVERDUE
    assert state("respondido", date(2027, 1, 30)) is SlaState.DONE
    assert state("cerrado", date(2027, 1, 30)) is SlaState.DONE
