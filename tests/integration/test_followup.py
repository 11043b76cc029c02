"""SLA sweep on SQLite and PostgreSQL: each follow-up once, e-mails in office hours only."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from datetime import datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select

from mara.adapters.smtp_mail import MailError, send_mail
from mara.db.models import FollowUp, Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BOGOTA
from mara.jobs.followup import mailer
from mara.policy.channels import business_calendar
from mara.services import followup
from mara.settings import ROOT, load_settings
from tests.conftest import run
from tests.support.tickets import make_ticket


def bog(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=BOGOTA)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"mara" and auth_data.password == b"s3cr3t"
        return AuthResult(success=ok)

    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    inbox.url = f"smtp://mara:s3cr3t@127.0.0.1:{controller.port}"
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def db(clean_db, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", clean_db)
    monkeypatch.setenv("MARA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SMTP_URL", raising=False)
    monkeypatch.delenv("MARA_CLOCK", raising=False)
    return clean_db


def sweep(url, now, mail=None):
    with UnitOfWork(url) as uow:
        actions = followup.sweep(uow, now, business_calendar(), mail)
        uow.commit()
    return [a.as_dict() for a in actions]


def test_send_email_logs_in_and_delivers(smtp_server):
    send_mail(smtp_server.url, "mara@caja.co", "area@caja.co", "Asunto ñ", "Cuerpo á")
    (message,) = smtp_server.messages
    assert message.mail_from == "mara@caja.co"
    assert message.rcpt_tos == ["area@caja.co"]
    text = message.content.decode()
    assert "Subject: =?utf-8?" in text or "Asunto" in text
    with pytest.raises(MailError):
        send_mail(f"smtp://127.0.0.1:{free_port()}", "mara@caja.co", "a@caja.co", "x", "y")


def test_the_issue_example_day_by_day(db):
    ticket_id, radicado = make_ticket(db, bog(2026, 12, 4), area_slug="credito")
    seen: dict[str, datetime] = {}
    for day in (4, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18):
        for hour in (0, 10, 10, 23):
            for action in sweep(db, bog(2026, 12, day, hour)):
                assert action["radicado"] == radicado
                if action.get("delayed"):  # recorded at night, stored when the office opened
                    assert hour == 10 and action["email"] == "stored"
                    continue
                assert action["job"] not in seen, f"{action['job']} twice"
                seen[action["job"]] = (day, hour)
    assert seen == {
        "area_reminder": (11, 0),
        "area_due": (14, 0),
        "escalation": (15, 0),
        "au_reminder": (15, 0),
        "overdue": (17, 0),
    }
    with UnitOfWork(db) as uow:
        rows = uow.session.scalars(select(FollowUp).order_by(FollowUp.id)).all()
        assert [(r.kind, r.recipient) for r in rows] == [
            ("area_reminder", "area:credito"),
            ("area_due", "area:credito"),
            ("escalation", "au"),
            ("au_reminder", "au"),
            ("overdue", "au"),
        ]
        # No SMTP: stored for the staff web, in office hours only.
        assert {r.mail_status for r in rows} == {"stored"}


def test_mail_waits_for_office_hours_and_skips_holidays(db, smtp_server, monkeypatch):
    monkeypatch.setenv("SMTP_URL", smtp_server.url)
    monkeypatch.setenv("MARA_MAIL_FROM", "mara@comfenalcoquindio.co")
    send = mailer(load_settings())
    make_ticket(db, bog(2026, 12, 4), area_slug="credito")
    # Friday 12-11 at 05:00: recorded, the office is not open yet.
    (action,) = sweep(db, bog(2026, 12, 11, 5), send)
    assert action["job"] == "area_reminder" and action["email"] == "waiting"
    assert smtp_server.messages == []
    # 07:45: the office is open; the waiting e-mail goes, once.
    (later,) = sweep(db, bog(2026, 12, 11, 7, 45), send)
    assert later["delayed"] is True and later["email"] == "sent"
    assert sweep(db, bog(2026, 12, 11, 7, 45), send) == []
    (message,) = smtp_server.messages
    assert message.rcpt_tos == ["credito@comfenalcoquindio.co"]
    body = message.content.decode("utf-8", "replace")
    assert "PQRS-2026-" in body

    # A request filed on Wednesday 12-02 is at day 4 on the holiday 12-08... no: day 4 is
    # Wednesday 12-09. One filed Thursday 11-26 is overdue from 12-08 (a holiday): recorded
    # that day, e-mailed only on Wednesday 12-09 at opening.
    smtp_server.messages.clear()
    make_ticket(db, bog(2026, 11, 26), area_slug="vivienda")
    recorded = sweep(db, bog(2026, 12, 8, 10), send)
    assert {a["job"] for a in recorded} >= {"overdue"}
    assert all(a["email"] == "waiting" for a in recorded)
    assert smtp_server.messages == []
    delivered = sweep(db, bog(2026, 12, 9, 7, 31), send)
    assert {a["job"] for a in delivered if a.get("delayed")} >= {"overdue"}
    assert all(m.rcpt_tos for m in smtp_server.messages)
    assert "atencionalusuario@comfenalcoquindio.co" in {m.rcpt_tos[0] for m in smtp_server.messages}


def test_failed_mail_is_retried_and_answered_requests_are_dropped(db, smtp_server):
    ticket_id, _ = make_ticket(db, bog(2026, 12, 4), area_slug="credito")
    calls = []

    def broken(to, subject, body):
        calls.append(to)
        raise MailError("down")

    (action,) = sweep(db, bog(2026, 12, 11, 9), broken)
    assert action["email"] == "failed"
    # The area answers before the next sweep: the reminder is no longer needed.
    with UnitOfWork(db) as uow:
        uow.session.get(Ticket, ticket_id).area_answered_at = bog(2026, 12, 11, 9, 2)
        uow.commit()
    assert sweep(db, bog(2026, 12, 11, 9, 5), broken) == []
    assert len(calls) == 1
    with UnitOfWork(db) as uow:
        assert uow.session.scalar(select(FollowUp.mail_status)) == "dropped"
        assert followup.pending_followups(uow) == []


def test_pending_list_for_the_staff_badge(db):
    _, routed = make_ticket(db, bog(2026, 12, 4), area_slug="credito")
    unrouted_id, unrouted = make_ticket(db, bog(2026, 12, 4), status="recibido")
    for day in (11, 14, 15):
        sweep(db, bog(2026, 12, day, 9))
    with UnitOfWork(db) as uow:
        everything = followup.pending_followups(uow)
        assert {(p.radicado, p.kind) for p in everything} == {
            (r, k)
            for r in (routed, unrouted)
            for k in ("area_reminder", "area_due", "escalation", "au_reminder")
        }
        credito = followup.pending_followups(uow, "area:credito")
        assert {p.kind for p in credito} == {"area_reminder", "area_due"}
        assert followup.pending_count(uow, "au") == 6  # the unrouted one's area steps go to AU
        uow.session.get(Ticket, unrouted_id).answered_at = bog(2026, 12, 15, 10)
        uow.commit()
        assert followup.pending_count(uow) == 4


def _concurrent_sweeps(url, now, workers=2):
    barrier = threading.Barrier(workers)
    results: list[list[dict]] = [[] for _ in range(workers)]
    errors: list[BaseException] = []

    def one(i):
        try:
            barrier.wait()
            results[i] = sweep(url, now)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_two_concurrent_sweeps_record_each_followup_once(db):
    radicados = [make_ticket(db, bog(2026, 12, 4), area_slug="credito")[1] for _ in range(25)]
    first, second = _concurrent_sweeps(db, bog(2026, 12, 15, 9))
    expected = {(k, r) for r in radicados for k in ("escalation", "au_reminder")}
    recorded = [(a["job"], a["radicado"]) for a in first + second if not a.get("delayed")]
    assert len(recorded) == len(set(recorded)) and set(recorded) == expected
    # Whichever sweep recorded it, exactly one of them delivered each e-mail.
    delivered = [(a["job"], a["radicado"]) for a in first + second if a["email"] != "waiting"]
    assert len(delivered) == len(set(delivered)) and set(delivered) == expected
    with UnitOfWork(db) as uow:
        assert uow.session.scalar(select(func.count(FollowUp.id))) == 50
        assert (
            uow.session.scalar(
                select(func.count(FollowUp.id)).where(FollowUp.mail_status == "stored")
            )
            == 50
        )


def _sweep_cli(db, clock):
    env = {**os.environ, "DATABASE_URL": db, "MARA_CLOCK": clock}
    result = run([sys.executable, "-m", "mara.ops.cli", "sweep"], env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_mara_sweep_moves_through_the_example(db):
    if not db.startswith("sqlite"):
        pytest.skip("the CLI contract once is enough; the sweep itself runs on both above")
    _, radicado = make_ticket(db, bog(2026, 12, 4), area_slug="credito")
    # Each run is a fresh process (~3 s here): the in-process test above walks every day.
    expected = {
        "2026-12-10T10:00:00-05:00": [],
        "2026-12-11T10:00:00-05:00": ["area_reminder"],
        "2026-12-14T10:00:00-05:00": ["area_due"],
        "2026-12-15T10:00:00-05:00": ["escalation", "au_reminder"],
        "2026-12-17T10:00:00-05:00": ["overdue"],
    }
    for clock, jobs in expected.items():
        lines = _sweep_cli(db, clock)
        assert sorted(line["job"] for line in lines) == sorted(jobs), clock
        assert all(line["radicado"] == radicado for line in lines)
    assert _sweep_cli(db, "2026-12-17T10:00:00-05:00") == []  # same instant: nothing new


def test_the_cron_scheduler_enqueues_every_scheduled_job_by_its_fixed_id(redis_url):
    from redis import Redis
    from rq import Queue

    from mara.jobs.schedule import JOBS, cron_scheduler

    connection = Redis.from_url(redis_url)
    connection.flushdb()
    scheduler = cron_scheduler(connection, "mara-cron-test")
    assert [job.name for job in scheduler.get_jobs()] == list(JOBS)
    assert {"sla-sweep", "survey-sweep", "recover-inbound", "resend-outbound"} <= set(JOBS)
    scheduler.enqueue_jobs()
    queued = Queue("mara-cron-test", connection=connection).get_jobs()
    assert {j.func_name for j in queued} == {"mara.jobs.schedule.run_job"}
    assert sorted(j.args[0] for j in queued) == sorted(JOBS)
    scheduler.enqueue_jobs()  # not due again before its interval
    assert len(Queue("mara-cron-test", connection=connection).get_jobs()) == len(JOBS)
    connection.flushdb()


def test_undelivered_answer_alerts_au_once(db):
    from mara.db.models import OutboundMessage

    ticket_id, radicado = make_ticket(
        db, bog(2026, 12, 4), wa_id="573001112233", answered_at=bog(2026, 12, 10),
        status="respondido",
    )  # fmt: skip
    with UnitOfWork(db) as uow:
        for status, kind in (("delivered", "answer"), ("failed", "reply")):
            uow.session.add(
                OutboundMessage(
                    key=f"k-{status}",
                    wa_id="573001112233",
                    to_address="w",
                    body="x",
                    kind=kind,
                    ticket_id=ticket_id,
                    status=status,
                    created_at=bog(2026, 12, 10),
                )  # fmt: skip
            )
        uow.commit()
    assert sweep(db, bog(2026, 12, 10, 11)) == []  # delivered, or not the answer
    with UnitOfWork(db) as uow:
        uow.session.add(
            OutboundMessage(
                key="k-answer-failed",
                wa_id="573001112233",
                to_address="w",
                body="x",
                kind="answer",
                ticket_id=ticket_id,
                status="undelivered",
                created_at=bog(2026, 12, 10, 11),
            )  # fmt: skip
        )
        uow.commit()
    (action,) = sweep(db, bog(2026, 12, 10, 11, 5))
    assert (action["job"], action["radicado"], action["email"]) == (
        "answer_undelivered", radicado, "stored"
    )  # fmt: skip
    assert sweep(db, bog(2026, 12, 10, 11, 10)) == []
    with UnitOfWork(db) as uow:
        (pending,) = followup.pending_followups(uow, "au")
        assert pending.kind == "answer_undelivered"
        assert followup.acknowledge(uow, pending.id, "au@caja.co", bog(2026, 12, 10, 12))
        assert not followup.acknowledge(uow, pending.id, "au@caja.co", bog(2026, 12, 10, 12))
        uow.commit()
        assert followup.pending_followups(uow, "au") == []
