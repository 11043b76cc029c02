"""The desk's use cases on SQLite and PostgreSQL: the life of a request, roles, optimistic
locking, the 24-hour window and templates, e-mail through a real local SMTP server."""

from __future__ import annotations

import socket
import threading
from datetime import date, datetime, timedelta, timezone
from functools import partial

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from mara.db.models import EmailMessage, InboundMessage, OutboundMessage, Ticket, TicketEvent
from mara.db.unit_of_work import UnitOfWork
from mara.jobs import messages as jobs
from mara.jobs.followup import mailer
from mara.policy.channels import business_calendar
from mara.services import answering, desk, filing, intake, mail
from mara.services.queries import tickets as queries
from tests.support.staff import create_users

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)  # Friday 10:00 in Bogotá
WA = "573001110000"
AU = desk.Actor("Ana <au@caja.test>", "au", user_id=None)
VIVIENDA = desk.Actor("Vera <vivienda@caja.test>", "area", area_slug="vivienda")
RECREACION = desk.Actor("Rita <recreacion@caja.test>", "area", area_slug="recreacion")
CHECKLIST = dict.fromkeys(("calidad", "claridad", "precision", "idoneidad", "congruencia"), True)


@pytest.fixture
def db(clean_db):
    create_users(clean_db)
    return clean_db


def file(db, name="María Fernanda López", email=None, wa_id=WA, now=NOW, kind="reclamo"):
    with UnitOfWork(db) as uow:
        requester = None
        consent = None
        if name:
            consent = filing.record_consent(uow, wa_id or "-", True, "SMx", "2026-11")
            requester = filing.RequesterData(name, "CC", "1094887890", "+573001110000", email)
        filed = filing.file_ticket(
            uow,
            now=now,
            pqrs_type=kind,
            description="La piscina estaba cerrada sin aviso",
            wa_id=wa_id,
            proposed_type=kind,
            proposed_confidence=0.72,
            requester=requester,
            consent_id=consent,
        )
        uow.commit()
    return filed.radicado


def act(db, fn, *args, **kwargs):
    with UnitOfWork(db) as uow:
        result = fn(uow, *args, **kwargs)
        uow.commit()
    return result


def ticket(db, radicado) -> Ticket:
    with UnitOfWork(db) as uow:
        return uow.session.scalar(select(Ticket).where(Ticket.radicado == radicado))


def inbound(db, at: datetime, wa_id=WA):
    with UnitOfWork(db) as uow:
        uow.session.add(
            InboundMessage(
                message_sid=f"SM{at.timestamp():.0f}",
                wa_id=wa_id,
                from_address=f"whatsapp:+{wa_id}",
                to_address="whatsapp:+14155238886",
                body="hola",
                received_at=at,
                status="processed",
            )
        )
        uow.commit()


def prepared(db, **kwargs) -> str:
    """A request classified, routed, answered by its area and reviewed: ready to send."""
    radicado = file(db, **kwargs)
    act(db, desk.classify, radicado, AU, "queja", NOW)
    act(db, desk.route, radicado, AU, "vivienda", NOW)
    act(db, desk.area_answer, radicado, VIVIENDA, "Se reabrió la piscina el lunes.", NOW)
    act(db, desk.review, radicado, AU, "Hola, la piscina abrió de nuevo.", CHECKLIST, NOW)
    return radicado


def test_the_life_of_a_request_with_one_audit_event_per_action(db):
    radicado = file(db)
    v = act(db, desk.classify, radicado, AU, "queja", NOW, version=1)
    t = ticket(db, radicado)
    assert (t.status, t.pqrs_type, t.proposed_type, t.proposed_confidence) == (
        "clasificado",
        "queja",
        "reclamo",
        0.72,
    )
    v = act(db, desk.route, radicado, AU, "vivienda", NOW, version=v)
    with pytest.raises(desk.NotFound):
        act(db, desk.area_answer, radicado, RECREACION, "No es nuestra", NOW)
    with pytest.raises(desk.Forbidden):
        act(db, desk.classify, radicado, VIVIENDA, "reclamo", NOW)
    v = act(db, desk.area_answer, radicado, VIVIENDA, "Se reabrió la piscina.", NOW, version=v)
    assert ticket(db, radicado).status == "respondido_area"
    partial = dict(CHECKLIST, congruencia=False)
    v = act(db, desk.review, radicado, AU, "Hola, ya abrió.", partial, NOW, version=v)
    with pytest.raises(desk.InvalidAction, match="cinco criterios"):
        act(db, answering.send_answer, radicado, AU, NOW, None, version=v)
    v = act(db, desk.review, radicado, AU, "Hola, ya abrió.", CHECKLIST, NOW, version=v)
    v = act(db, desk.record_resarcimiento, radicado, AU, True, "Dos entradas gratis", NOW)
    assert ticket(db, radicado).resarcimiento["due_on"] == "2026-12-16"
    with pytest.raises(desk.InvalidAction):
        act(db, desk.close, radicado, AU, NOW)
    inbound(db, NOW - timedelta(hours=1))
    sent = act(db, answering.send_answer, radicado, AU, NOW, None, version=v)
    assert sent.mode == "session" and len(sent.outbound_ids) == 1
    t = ticket(db, radicado)
    assert (t.status, t.answer_summary, t.answered_at) == ("respondido", "Hola, ya abrió.", NOW)
    v = act(db, desk.close, radicado, AU, NOW, version=sent.version)
    v = act(db, desk.reopen, radicado, AU, "La persona insiste", NOW, version=v)
    assert ticket(db, radicado).status == "reabierto"
    with UnitOfWork(db) as uow:
        events = uow.session.scalars(select(TicketEvent).order_by(TicketEvent.id)).all()
        assert [e.action for e in events] == [
            "classify",
            "route",
            "area_answer",
            "review",
            "review",
            "resarcimiento",
            "answer_sent",
            "close",
            "reopen",
        ]
        assert events[1].actor == AU.name and events[1].details["area"] == "vivienda"
        assert events[2].actor == VIVIENDA.name


def test_a_stale_version_changes_nothing(db):
    radicado = file(db)
    act(db, desk.classify, radicado, AU, "queja", NOW, version=1)
    with pytest.raises(desk.StaleTicket, match="Otra persona"):
        act(db, desk.classify, radicado, AU, "peticion", NOW, version=1)
    assert ticket(db, radicado).pqrs_type == "queja"


def test_two_staff_saving_at_once_one_wins(db):
    """Both loaded version 1; the database's version check stops the second write."""
    radicado = file(db)
    # PostgreSQL: both read version 1 before either writes. SQLite opens every unit of
    # work with BEGIN IMMEDIATE, so the second waits for the first to commit and then
    # finds version 2: both databases must end with exactly one winner.
    barrier = threading.Barrier(1 if db.startswith("sqlite") else 2)
    outcomes: list[str] = []

    def worker(kind):
        try:
            with UnitOfWork(db) as uow:
                desk.load(uow, radicado, AU, 1)
                barrier.wait(5)
                desk.classify(uow, radicado, AU, kind, NOW, version=1)
                uow.commit()
            outcomes.append("ok")
        except desk.StaleTicket:
            outcomes.append("stale")
        except Exception as exc:  # SQLite may refuse the second writer outright
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=worker, args=(k,)) for k in ("queja", "peticion")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes.count("ok") == 1, outcomes
    t = ticket(db, radicado)
    assert t.version == 2
    with UnitOfWork(db) as uow:
        assert len(uow.session.scalars(select(TicketEvent)).all()) == 1


def test_reclassifying_recomputes_the_legal_term(db):
    radicado = file(db)
    assert ticket(db, radicado).legal_term_days == 15
    act(db, desk.classify, radicado, AU, "informacion", NOW)
    assert ticket(db, radicado).legal_term_days == 10


def test_outside_the_window_a_template_goes_first_and_the_answer_waits(db, settings, twilio_api):
    radicado = prepared(db)
    inbound(db, NOW - timedelta(hours=30))
    sent = act(db, answering.send_answer, radicado, AU, NOW, "HX" + "a" * 32)
    assert sent.mode == "template" and len(sent.outbound_ids) == 1
    assert jobs.send_outbound(sent.outbound_ids[0]) == "queued"
    [request] = twilio_api.messages()
    assert request.form["ContentSid"] == "HX" + "a" * 32
    assert radicado in request.form["ContentVariables"] and "Body" not in request.form
    with pytest.raises(desk.InvalidAction, match="aún no ha respondido"):
        act(db, answering.release_for_ticket, radicado, AU, NOW)
    with UnitOfWork(db) as uow:
        waiting = uow.session.scalars(
            select(OutboundMessage).where(OutboundMessage.status == answering.AWAITING_REPLY)
        ).all()
        assert len(waiting) == 1 and "la piscina abrió" in waiting[0].body
        released = answering.release_awaiting(uow, WA)
        uow.commit()
    assert jobs.send_outbound(released[0]) == "queued"
    assert "la piscina abrió" in twilio_api.messages()[-1].form["Body"]


def test_without_a_template_the_answer_is_held_and_staff_see_it(db):
    radicado = prepared(db)
    sent = act(db, answering.send_answer, radicado, AU, NOW, None)
    assert sent.mode == "held" and sent.outbound_ids == []
    view = act(db, queries.ticket_detail, radicado, AU, NOW, business_calendar())
    assert [m.status for m in view.answer_messages] == ["held", "awaiting_reply"]
    page = act(
        db, queries.list_tickets, AU, queries.TicketFilter(status="todas"), NOW, business_calendar()
    )
    assert [r.delivery_problem for r in page.rows] == [True]
    ids = act(db, answering.resend_held, radicado, AU, "HX" + "b" * 32, NOW)
    assert len(ids) == 1


def test_inside_the_window_the_answer_goes_as_a_session_message(db, settings, twilio_api):
    radicado = prepared(db)
    inbound(db, NOW - timedelta(hours=2))
    sent = act(db, answering.send_answer, radicado, AU, NOW, "HX" + "a" * 32)
    assert sent.mode == "session"
    jobs.send_outbound(sent.outbound_ids[0])
    [request] = twilio_api.messages()
    assert "ContentSid" not in request.form and radicado in request.form["Body"]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free local port, collecting what it receives."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_the_answer_is_emailed_through_a_real_smtp_server(db, settings, smtp_server):
    controller, handler = smtp_server
    port = controller.port
    radicado = prepared(db, email="maria.lopez@gmail.com", wa_id=None)
    sent = act(db, answering.send_answer, radicado, AU, NOW, None)
    assert sent.mode == "none" and len(sent.email_ids) == 1
    uow = partial(UnitOfWork, settings.database_url)
    email_id = sent.email_ids[0]
    assert mail.deliver(uow, mailer(settings), email_id) == "stored"  # SMTP_URL unset
    configured = settings.__class__(**{**settings.__dict__, "smtp_url": f"smtp://127.0.0.1:{port}"})
    seen = []

    def smtp(to, subject, body):
        # The claim is committed before the SMTP server is called, and nothing holds the
        # row: another session reads `sending` and may write the table.
        with UnitOfWork(settings.database_url) as other:
            seen.append(other.session.get(EmailMessage, email_id).status)
            other.session.execute(
                update(EmailMessage).where(EmailMessage.id != email_id).values(error_message=None)
            )
            other.commit()
        mailer(configured)(to, subject, body)

    assert mail.deliver(uow, smtp, email_id) == "sent" and seen == ["sending"]
    assert mail.deliver(uow, mailer(configured), email_id) == "already sent or being sent"
    [envelope] = handler.messages
    assert envelope.rcpt_tos == ["maria.lopez@gmail.com"]
    content = envelope.content.decode()
    assert radicado in content and "Subject:" in content
    with UnitOfWork(db) as uow:
        assert uow.session.scalar(select(EmailMessage.status)) == "sent"


def test_the_list_filters_sorts_counts_and_masks(db):
    first = file(db)
    second = file(db, name="Pedro Gómez", now=NOW + timedelta(days=1))
    anonymous = file(db, name=None, kind="sugerencia", wa_id="573002220000")
    act(db, desk.classify, second, AU, "queja", NOW)
    act(db, desk.route, second, AU, "vivienda", NOW)
    calendar = business_calendar()

    def listed(actor=AU, now=NOW, **f):
        page = act(db, queries.list_tickets, actor, queries.TicketFilter(**f), now, calendar)
        return page

    page = listed()
    # AU's default: not classified first, then by due date.
    assert [r.radicado for r in page.rows] == [first, anonymous, second]
    assert page.counts == {"recibido": 2, "en_area": 1}
    assert {r.requester for r in page.rows} == {"M. F. L.", "P. G.", "Anónimo"}
    assert [r.radicado for r in listed(q="pedro").rows] == [second]
    assert [r.radicado for r in listed(q="1094887890").rows] == [first, second]
    assert [r.radicado for r in listed(q=first.lower()).rows] == [first]
    assert [r.radicado for r in listed(pqrs_type="sugerencia").rows] == [anonymous]
    assert [r.radicado for r in listed(area="vivienda").rows] == [second]
    assert [r.radicado for r in listed(actor=VIVIENDA).rows] == [second]
    assert listed(actor=RECREACION).rows == []
    assert listed(date_from=date(2026, 12, 5)).total == 1
    assert listed(sla="vencido").total == 0
    # In the area the area's term runs (second: due 12-15), elsewhere AU's (12-16).
    assert listed(now=datetime(2026, 12, 11, 15, tzinfo=timezone.utc), sla="a_tiempo").total == 3
    monday = datetime(2026, 12, 14, 15, tzinfo=timezone.utc)
    assert [r.radicado for r in listed(now=monday, sla="por_vencer").rows] == [second]
    tuesday = datetime(2026, 12, 15, 15, tzinfo=timezone.utc)
    assert listed(now=tuesday, sla="por_vencer").total == 3
    late = datetime(2026, 12, 18, 15, tzinfo=timezone.utc)
    assert listed(now=late, sla="vencido").total == 3
    assert listed(status="en_area").total == 1 and listed(status="todas").total == 3
    assert listed(sort="-received").rows[0].radicado == second


def test_requests_from_other_channels_follow_the_bots_rules(db):
    form = intake.IntakeForm(
        channel="buzon",
        pqrs_type="reclamo",
        description="Carta del buzón: cobro doble de la cuota",
        full_name="carlos andrés ruiz",
        document_type="CC",
        document_number="1.094.555.666",
        phone="3104445566",
        email="carlos@example.com",
        consent=True,
        nonce="abc",
    )
    radicado = act(db, intake.register, form, AU, NOW, "2026-11")
    again = act(db, intake.register, form, AU, NOW, "2026-11")
    assert again == radicado
    t = ticket(db, radicado)
    assert (t.channel, t.status, t.answer_due_on.isoformat()) == (
        "buzon",
        "clasificado",
        "2026-12-16",
    )
    with UnitOfWork(db) as uow:
        t = uow.session.get(Ticket, t.id)
        assert (t.requester.full_name, t.requester.document_number) == (
            "Carlos Andrés Ruiz",
            "1094555666",
        )
    with pytest.raises(intake.IntakeError) as refused:
        act(
            db,
            intake.register,
            intake.IntakeForm("presencial", "queja", "x", anonymous=True),
            AU,
            NOW,
            "v",
        )
    assert set(refused.value.errors) == {"description", "anonymous"}
    with pytest.raises(intake.IntakeError) as refused:
        act(
            db,
            intake.register,
            intake.IntakeForm("telefono", "queja", "Me atendieron mal", full_name="Ana"),
            AU,
            NOW,
            "v",
        )
    assert {"consent", "full_name", "document_number"} <= set(refused.value.errors)


def test_an_answer_through_the_api_is_emailed_by_the_worker(db, settings, smtp_server, monkeypatch):
    from redis import Redis
    from rq import Queue

    from mara.jobs.worker import LeanWorker
    from mara.services import accounts
    from mara.settings import load_settings
    from webhook import create_app

    controller, handler = smtp_server
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    monkeypatch.setenv("MARA_MAIL_FROM", "Atención al Usuario <au@caja.test>")
    radicado = file(db, email="maria.lopez@gmail.com", wa_id=None)
    token = act(db, accounts.create_api_token, "crm", "test")
    client = create_app(load_settings()).test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert (
        client.post(
            f"/api/tickets/{radicado}/classify", json={"type": "queja"}, headers=auth
        ).status_code
        == 200
    )
    response = client.post(
        f"/api/tickets/{radicado}/answer", json={"text": "Ya abrimos la piscina."}, headers=auth
    )
    assert response.status_code == 200 and response.get_json()["whatsapp"] == "none"
    redis = Redis.from_url(settings.redis_url)
    LeanWorker([Queue(settings.queue_name, connection=redis)], connection=redis).work(burst=True)
    [envelope] = handler.messages
    assert envelope.rcpt_tos == ["maria.lopez@gmail.com"]
    assert "Ya abrimos la piscina." in envelope.content.decode("utf-8", "replace")
    assert client.post(f"/api/tickets/{radicado}/close", json={}, headers=auth).status_code == 200
    detail = client.get(f"/api/tickets/{radicado}", headers=auth).get_json()
    assert detail["status"] == "cerrado"
    assert [e["action"] for e in detail["events"]] == ["classify", "review", "answer_sent", "close"]
