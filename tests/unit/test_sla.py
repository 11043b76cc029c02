"""SLA colours: on time, due today or the next business day, overdue (business calendar)."""

from datetime import date

from mara.domain.sla import SlaState, sla_state
from mara.policy.channels import business_calendar

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
