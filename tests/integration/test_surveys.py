"""Satisfaction surveys on a real database, Redis and the local Twilio API."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from mara.db.models import FollowUp, InboundMessage, OutboundMessage, Survey, SurveyResponse
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BOGOTA
from mara.jobs.followup import survey_sweep
from mara.jobs.worker import LeanWorker
from mara.ops.chat import inbound_form
from mara.policy.channels import business_calendar
from mara.policy.surveys import survey_config
from mara.services import contact, followup, surveys
from mara.services.answering import AWAITING_REPLY
from mara.services.reports import Quarter, quarterly_report
from tests.integration.test_webhook import post
from tests.support.tickets import make_ticket
from webhook import create_app

WA = "573001112233"
TO = f"whatsapp:+{WA}"
CLOSED = datetime(2026, 12, 11, 15, 0, tzinfo=BOGOTA)  # Friday
START = datetime(2026, 12, 14, 10, 0, tzinfo=BOGOTA)  # next business day, 10:00


def bog(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=BOGOTA)


def closed_ticket(settings, **kw):
    return make_ticket(
        settings.database_url,
        bog(2026, 12, 1),
        status="cerrado",
        wa_id=WA,
        answered_at=bog(2026, 12, 10),
        closed_at=CLOSED,
        **kw,
    )


def wrote_at(settings, at: datetime, wa_id: str = WA):
    """An earlier message from the person (opens WhatsApp's 24-hour window)."""
    with UnitOfWork(settings.database_url) as uow:
        uow.session.add(
            InboundMessage(
                message_sid=f"SM{at.timestamp():.0f}{wa_id}",
                wa_id=wa_id,
                from_address=f"whatsapp:+{wa_id}",
                to_address="whatsapp:+14155238886",
                body="gracias",
                received_at=at,
                status="processed",
            )
        )
        uow.commit()


def run_jobs(settings):
    queue = Queue(settings.queue_name, connection=Redis.from_url(settings.redis_url))
    LeanWorker([queue], connection=queue.connection).work(burst=True)


def outbound(settings):
    with UnitOfWork(settings.database_url) as uow:
        return uow.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()


def survey_row(settings):
    with UnitOfWork(settings.database_url) as uow:
        return uow.session.scalar(select(Survey))


def answers(settings):
    with UnitOfWork(settings.database_url) as uow:
        rows = uow.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()
        return [(r.question, r.rating, r.score, r.skipped) for r in rows]


def test_start_time_is_the_next_business_day_at_ten():
    cal, config = business_calendar(), survey_config()
    assert surveys.start_time(CLOSED, cal, config) == START
    # Closed Monday 12-07: Tuesday 12-08 is a holiday → Wednesday 10:00.
    assert surveys.start_time(bog(2026, 12, 7, 16), cal, config) == bog(2026, 12, 9, 10)


def test_survey_in_the_window_answered_through_the_webhook(settings, twilio_api, monkeypatch):
    _, radicado = closed_ticket(settings)
    wrote_at(settings, START - timedelta(hours=2))
    assert survey_sweep(now=(START - timedelta(minutes=5)).isoformat()) == []
    assert survey_sweep(now=START.isoformat()) == [
        {"job": "survey", "radicado": radicado, "status": "asking"}
    ]
    assert survey_sweep(now=START.isoformat()) == []  # a second pass: nothing new
    run_jobs(settings)
    sent = twilio_api.wait_for(2, to=TO)
    assert radicado in sent[0].form["Body"]
    assert sent[1].form["Body"].startswith("1/5")

    monkeypatch.setenv("MARA_CLOCK", (START + timedelta(minutes=10)).isoformat())
    client = create_app(settings).test_client()
    replies = ["Excelente", "ajá", "2", "saltar", "pésimo", "no sé si", "un 9"]
    # "ajá" earns one hint (and the question again); "no sé si" too on the last question.
    bodies = []
    for text in replies:
        before = len(twilio_api.messages(TO))
        assert post(client, settings, inbound_form(TO, text)).status_code == 200
        run_jobs(settings)
        bodies.append([m.form["Body"] for m in twilio_api.messages(TO)[before:]])
    assert bodies[0][0].startswith("2/5")
    assert "1 al 4" in bodies[1][0] and bodies[1][1].startswith("2/5")
    assert bodies[2][0].startswith("3/5")
    assert bodies[3][0].startswith("4/5")
    assert bodies[4][0].startswith("5/5")
    assert "0 al 10" in bodies[5][0] and bodies[5][1].startswith("5/5")
    assert bodies[6][0].startswith("¡Gracias")
    assert answers(settings) == [
        ("atencion", "excelente", None, False),
        ("cumplimiento", "bueno", None, False),
        ("oportunidad", None, None, True),
        ("satisfaccion", "deficiente", None, False),
        ("recomendacion", None, 9, False),
    ]
    assert survey_row(settings).status == "completed"
    # The quarterly report counts these answers.
    with UnitOfWork(settings.database_url) as uow:
        report = quarterly_report(uow, Quarter(2026, 4), business_calendar(), START)
    satisfaction = report["totals"]["satisfaction"]
    scores = {i["key"]: i["score"] for i in satisfaction["indicators"]}
    assert scores == {"atencion": 100.0, "cumplimiento": 80.0, "oportunidad": None,
                      "satisfaccion": 0.0}  # fmt: skip
    assert satisfaction["nps"]["score"] == 100.0 and satisfaction["response_rate"] == 100.0
    # Finished: the next message belongs to the bot again.
    with UnitOfWork(settings.database_url) as uow:
        assert surveys.handle_survey_reply(uow, WA, "1", START + timedelta(hours=1)) is None


def test_outside_the_window_the_survey_starts_with_the_template(settings, twilio_api, monkeypatch):
    monkeypatch.setenv("TWILIO_TEMPLATE_SURVEY_SID", "HX" + "5" * 32)
    _, radicado = closed_ticket(settings)
    assert survey_sweep(now=START.isoformat())[0]["status"] == "invited"
    run_jobs(settings)
    (sent,) = twilio_api.wait_for(1, to=TO)
    assert sent.form["ContentSid"] == "HX" + "5" * 32
    assert radicado in sent.form["ContentVariables"]
    assert "Body" not in sent.form
    with UnitOfWork(settings.database_url) as uow:
        replies = surveys.handle_survey_reply(uow, WA, "sí claro", START + timedelta(hours=2))
        uow.commit()
    assert replies[0].startswith("1/5")
    assert survey_row(settings).status == "asking"


def test_invitation_declined(settings, monkeypatch):
    monkeypatch.setenv("TWILIO_TEMPLATE_SURVEY_SID", "HX" + "5" * 32)
    closed_ticket(settings)
    survey_sweep(now=START.isoformat())
    with UnitOfWork(settings.database_url) as uow:
        (reply,) = surveys.handle_survey_reply(uow, WA, "No gracias", START + timedelta(hours=1))
        uow.commit()
    assert "no te preguntaremos" in reply
    assert survey_row(settings).status == "declined"


def test_no_template_holds_the_survey_and_tells_au(settings, monkeypatch):
    monkeypatch.delenv("TWILIO_TEMPLATE_SURVEY_SID", raising=False)
    _, radicado = closed_ticket(settings)
    assert survey_sweep(now=START.isoformat())[0]["status"] == "held"
    assert outbound(settings) == []
    with UnitOfWork(settings.database_url) as uow:
        (pending,) = followup.pending_followups(uow, "au")
        assert (pending.kind, pending.radicado) == ("survey_held", radicado)


def test_opted_out_numbers_get_nothing(settings):
    closed_ticket(settings)
    wrote_at(settings, START - timedelta(hours=1))
    with UnitOfWork(settings.database_url) as uow:
        contact.set_opt_out(uow, WA, True, "SMbaja")
        uow.commit()
    assert survey_sweep(now=START.isoformat())[0]["status"] == "opted_out"
    assert outbound(settings) == []


def test_reminded_once_then_expired(settings, monkeypatch):
    monkeypatch.setenv("TWILIO_TEMPLATE_SURVEY_SID", "HX" + "5" * 32)
    monkeypatch.setenv("TWILIO_TEMPLATE_REMINDER_SID", "HX" + "7" * 32)
    closed_ticket(settings)
    wrote_at(settings, START - timedelta(hours=1))
    survey_sweep(now=START.isoformat())
    statuses = []
    for hours in (12, 25, 30, 50, 74, 80, 200):
        for action in survey_sweep(now=(START + timedelta(hours=hours)).isoformat()):
            statuses.append((hours, action["status"]))
    assert statuses == [(25, "reminded"), (74, "expired")]
    sids = [(o.kind, o.content_sid) for o in outbound(settings)]
    # Started in the window (intro + question); the reminder, a day later, is the template.
    assert sids == [("survey", None), ("survey", None), ("survey", "HX" + "7" * 32)]


def test_requests_closed_long_ago_get_no_survey(settings):
    closed_ticket(settings)
    assert survey_sweep(now=(START + timedelta(days=30)).isoformat()) == []
    assert survey_row(settings) is None


def test_one_survey_at_a_time_per_person(settings):
    closed_ticket(settings)
    closed_ticket(settings)
    wrote_at(settings, START - timedelta(hours=1))
    started = survey_sweep(now=START.isoformat())
    assert [a["status"] for a in started] == ["asking"]
    with UnitOfWork(settings.database_url) as uow:
        statuses = sorted(uow.session.scalars(select(Survey.status)))
    assert statuses == ["asking", "scheduled"]


def test_unrelated_message_ends_the_survey_and_goes_to_the_bot(settings):
    closed_ticket(settings)
    wrote_at(settings, START - timedelta(hours=1))
    survey_sweep(now=START.isoformat())
    with UnitOfWork(settings.database_url) as uow:
        text = "quiero radicar una queja por el subsidio"
        assert surveys.handle_survey_reply(uow, WA, text, START) is None
        uow.commit()
    assert survey_row(settings).status == "expired"


@pytest.mark.parametrize("kind", ["survey_held"])
def test_held_notice_is_recorded_once(settings, kind):
    ticket_id, _ = closed_ticket(settings)
    cal = business_calendar()
    with UnitOfWork(settings.database_url) as uow:
        assert followup.record_notice(uow, ticket_id, kind, START, cal)
        assert not followup.record_notice(uow, ticket_id, kind, START, cal)
        uow.commit()
        assert len(uow.session.scalars(select(FollowUp)).all()) == 1


def test_a_reply_releases_the_held_answer_and_still_answers_the_survey(
    settings, twilio_api, monkeypatch
):
    """Both worker hooks on one message: the desk's answer held behind its template goes
    out, and the message itself is the survey's answer."""
    closed_ticket(settings)
    wrote_at(settings, START - timedelta(hours=2))
    survey_sweep(now=START.isoformat())
    run_jobs(settings)
    twilio_api.wait_for(2, to=TO)
    with UnitOfWork(settings.database_url) as uow:
        uow.session.add(
            OutboundMessage(
                key="answer:held",
                wa_id=WA,
                to_address=TO,
                body="Respuesta retenida",
                kind="answer",
                status=AWAITING_REPLY,
                created_at=START,
            )
        )
        uow.commit()
    monkeypatch.setenv("MARA_CLOCK", (START + timedelta(minutes=10)).isoformat())
    client = create_app(settings).test_client()
    before = len(twilio_api.messages(TO))
    assert post(client, settings, inbound_form(TO, "Excelente")).status_code == 200
    run_jobs(settings)
    bodies = [m.form["Body"] for m in twilio_api.messages(TO)[before:]]
    assert "Respuesta retenida" in bodies
    assert any(b.startswith("2/5") for b in bodies)
