"""Recovery from the database: idempotent resends, the long retry schedule, staff alerts,
and the sweep that queues again what Redis lost."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from redis import Redis
from rq import Queue
from sqlalchemy import select, update

from mara.clock import utcnow
from mara.db.models import InboundMessage, OutboundMessage, StaffAlert
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import TakenTurn
from mara.jobs import messages as jobs
from mara.jobs import schedule
from mara.ops.cli import main
from mara.services import outbox
from mara.settings import load_settings

TO = "whatsapp:+573001112233"


def store(settings, key="reply:1:0:0", body="Tu radicado es PQRS-2026-000001"):
    with UnitOfWork(settings.database_url) as uow:
        out_id = outbox.store_notice(uow, key, "573001112233", TO, body, "reply")
        uow.commit()
    return out_id


def row(settings, outbound_id) -> OutboundMessage:
    with UnitOfWork(settings.database_url) as uow:
        return uow.session.get(OutboundMessage, outbound_id)


def queued(settings) -> list[str]:
    return Queue(settings.queue_name, connection=Redis.from_url(settings.redis_url)).job_ids


def test_a_send_that_timed_out_is_found_on_twilio_not_sent_twice(settings, twilio_api, monkeypatch):
    monkeypatch.setenv("MARA_TWILIO_TIMEOUT", "1")
    out_id = store(settings)
    twilio_api.slow_next(2.5)  # Twilio accepts it, the answer comes after the SDK gave up
    assert jobs.send_outbound(out_id) == "deferred"
    first = row(settings, out_id)
    assert first.status == "pending" and first.error_message.startswith("unconfirmed")
    assert jobs.send_outbound(out_id) == "queued"  # the retry
    [sent] = twilio_api.wait_for(1, to=TO)
    time.sleep(0.5)
    assert len(twilio_api.messages(TO)) == 1
    assert twilio_api.lookups == 1
    assert row(settings, out_id).provider_sid == sent.sid


def test_a_twilio_500_is_resent_without_a_lookup(settings, twilio_api):
    out_id = store(settings)
    twilio_api.fail_next(500)
    assert jobs.send_outbound(out_id) == "deferred"
    assert jobs.send_outbound(out_id) == "queued"
    assert len(twilio_api.messages(TO)) == 1 and twilio_api.lookups == 0


def test_an_identical_earlier_reply_is_not_mistaken_for_the_lost_one(
    settings, twilio_api, monkeypatch
):
    """Same words sent to the same person before: its sid is ours already, so it is not
    taken for the unconfirmed attempt, and the unconfirmed one (never accepted) is sent."""
    monkeypatch.setenv("MARA_TWILIO_TIMEOUT", "1")
    earlier = store(settings, key="reply:1:0:0", body="No te entendí")
    assert jobs.send_outbound(earlier) == "queued"
    later = store(settings, key="reply:2:0:0", body="No te entendí")
    with UnitOfWork(settings.database_url) as uow:
        uow.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == later)
            .values(
                error_message="unconfirmed: ReadTimeout", created_at=utcnow() - timedelta(minutes=5)
            )
        )
        uow.commit()
    assert jobs.send_outbound(later) == "queued"
    assert len(twilio_api.messages(TO)) == 2 and twilio_api.lookups == 1


def test_a_reply_sent_earlier_in_the_same_batch_is_not_mistaken_for_the_lost_one(
    settings, twilio_api
):
    """Claimed together: a reply, then one with the same words whose earlier attempt is
    unconfirmed. The first, sent by this job a moment ago, is ours though not recorded
    yet: the lookup does not take it for the lost one, which is sent."""
    first = store(settings, key="reply:1:0:0", body="¿Algo más?")
    later = store(settings, key="reply:2:0:0", body="¿Algo más?")
    with UnitOfWork(settings.database_url) as uow:
        uow.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == later)
            .values(
                error_message="unconfirmed: ReadTimeout", created_at=utcnow() - timedelta(minutes=5)
            )
        )
        uow.commit()
    assert jobs.send_outbound(later) == "queued"
    sent = twilio_api.messages(TO)
    assert len(sent) == 2 and twilio_api.lookups == 1
    assert [row(settings, first).provider_sid, row(settings, later).provider_sid] == [
        s.sid for s in sent
    ]


def test_a_long_outage_ends_in_a_staff_alert_and_one_notice(settings, twilio_api, monkeypatch):
    monkeypatch.setenv("MARA_LONG_RETRY_OFFSETS", "1,2")
    out_id = store(settings)
    twilio_api.down = True
    assert jobs.send_outbound(out_id) == "deferred"
    outcomes = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (not outcomes or outcomes[-1] != "failed"):
        time.sleep(0.3)
        with UnitOfWork(settings.database_url) as uow:
            due = outbox.recoverable_outbound(uow, timedelta(minutes=5), timedelta(minutes=2))
            uow.commit()
        if out_id in due:
            outcomes.append(jobs.send_outbound(out_id))
    assert outcomes == ["deferred", "failed"]
    with UnitOfWork(settings.database_url) as uow:
        [alert] = uow.session.scalars(select(StaffAlert)).all()
        assert (alert.kind, alert.outbound_id, alert.wa_id) == (
            "delivery_failed",
            out_id,
            "573001112233",
        )
        notices = uow.session.scalars(
            select(OutboundMessage).where(OutboundMessage.kind == "delivery_failed")
        ).all()
    assert len(notices) == 1 and notices[0].status == "pending"
    # Twilio is back: the notice goes out; `mara replay` resends the failed reply, once.
    twilio_api.down = False
    assert jobs.send_outbound(notices[0].id) == "queued"
    assert main(["replay"]) == 0
    assert row(settings, out_id).status == "pending"
    assert jobs.send_outbound(out_id) == "queued"
    bodies = [m.form["Body"] for m in twilio_api.messages(TO)]
    assert bodies.count("Tu radicado es PQRS-2026-000001") == 1


def test_an_undelivered_message_raises_one_alert_on_one_path(settings, twilio_api):
    """Twilio refuses (4xx) a bot reply and the desk's answer to a request: the reply is a
    `delivery_failed` staff alert; the answer is not, the SLA sweep's `answer_undelivered`
    follow-up tells AU of it (once), so staff never see the same fact twice."""
    from mara.policy.channels import business_calendar
    from mara.services import alerts, followup
    from tests.support.tickets import make_ticket

    filed = utcnow() - timedelta(days=3)
    ticket_id, radicado = make_ticket(
        settings.database_url, filed, status="respondido", wa_id="573001112233",
        answered_at=filed + timedelta(days=2),
    )  # fmt: skip
    reply_id = store(settings)
    answer_id = store(settings, key="answer:1:0:0", body="Respuesta de la Caja")
    with UnitOfWork(settings.database_url) as uow:
        uow.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == answer_id)
            .values(kind="answer", ticket_id=ticket_id)
        )
        uow.commit()
    twilio_api.fail_next(400, 400)
    jobs.send_outbound(reply_id)
    jobs.send_outbound(answer_id)
    assert (row(settings, reply_id).status, row(settings, answer_id).status) == ("failed", "failed")
    with UnitOfWork(settings.database_url) as uow:
        [alert] = alerts.open_alerts(uow)
        assert (alert.kind, alert.wa_id, alert.radicado) == (
            "delivery_failed",
            "573001112233",
            None,
        )
        assert uow.session.scalars(select(StaffAlert.outbound_id)).all() == [reply_id]
        now = utcnow()
        [action] = followup.sweep(uow, now, business_calendar(), None)
        assert (action.job, action.radicado) == ("answer_undelivered", radicado)
        assert followup.sweep(uow, now, business_calendar(), None) == []
        uow.commit()


def test_the_sweep_queues_again_what_redis_lost_once_per_lease(settings, capsys):
    from mara.adapters.twilio_form import parse_inbound
    from mara.ops.chat import inbound_form
    from mara.services import inbox

    with UnitOfWork(settings.database_url) as uow:
        message_id, _ = inbox.record_inbound(uow, parse_inbound(inbound_form(TO, "hola")))
        uow.commit()
    out_id = store(settings)
    sending_id = store(settings, key="reply:9:0:0", body="otra")
    old = utcnow() - timedelta(minutes=3)
    with UnitOfWork(settings.database_url) as uow:
        uow.session.execute(update(InboundMessage).values(received_at=old))
        uow.session.execute(update(OutboundMessage).values(created_at=old))
        # A sender that died mid-send: claimed, its lease over.
        uow.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == sending_id)
            .values(status="sending", next_attempt_at=old)
        )
        uow.commit()
    Redis.from_url(settings.redis_url).flushdb()  # Redis restarted empty
    assert main(["sweep"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert {"job": "recover-inbound", "inbound": message_id} in lines
    assert {"job": "resend-outbound", "outbound": out_id} in lines
    assert {"job": "resend-outbound", "outbound": sending_id} in lines
    jobs_queued = queued(settings)
    assert any(j.startswith(f"inbound-{message_id}-sweep-") for j in jobs_queued)
    assert any(j.startswith(f"outbound-{out_id}-sweep-") for j in jobs_queued)
    assert row(settings, sending_id).error_message.startswith("unconfirmed")
    # A second pass at once does nothing new: the jobs just queued have them.
    assert schedule.sweep(load_settings()) == []


def test_every_scheduled_job_has_a_fixed_id_and_period():
    assert {"recover-inbound", "resend-outbound"} <= set(schedule.JOBS)
    recovery = ("recover-inbound", "resend-outbound")
    assert all(schedule.JOBS[j].every <= timedelta(minutes=1) for j in recovery)


def test_a_turn_rasa_already_took_is_read_back_from_its_tracker(settings):
    """The worker died after Rasa answered: the retry takes the replies from the tracker; a
    confirmation the submit did not clear is a request still to file."""
    from sqlalchemy import text

    from mara.db.engine import get_engine
    from mara.db.rasa_tracker import taken_turn

    sid, other, lost = "SM" + "1" * 32, "SM" + "2" * 32, "SM" + "5" * 32

    def event(kind, **data):
        return {"kind": kind, "data": json.dumps(data)}

    events = [
        event("user", text="hola", metadata={"message_sid": other}),
        event("bot", text="¡Hola! Soy MARA"),
        event("user", text="1", metadata={"message_sid": sid}),
        event("slot", name="confirmation", value="confirmed"),
        event("action", name="action_submit_pqrs"),
        event("slot", name="confirmation", value=None),
        event("bot", text="✅ Radicamos tu queja con el número *PQRS-2026-000001*"),
        event("bot", text="¿Algo más?"),
        event("user", text="no", metadata={"message_sid": "SM" + "3" * 32}),
        event("bot", text="Chao"),
        # A confirming turn whose submit's events were lost: the slot stays "confirmed".
        event("user", text="si", metadata={"message_sid": lost}),
        event("slot", name="confirmation", value="confirmed"),
        event("action", name="action_submit_pqrs"),
        event("action", name="action_listen"),
    ]
    with get_engine(settings.database_url).begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS events"))
        conn.execute(
            text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), "
                "type_name VARCHAR(255), timestamp FLOAT, intent_name VARCHAR(255), "
                "action_name VARCHAR(255), data TEXT)"
            )
        )
        for i, e in enumerate(events, start=1):
            conn.execute(
                text("INSERT INTO events (id, sender_id, type_name, data) VALUES (:i, :s, :k, :d)"),
                {"i": i, "s": "573001112233", "k": e["kind"], "d": e["data"]},
            )
    try:
        assert taken_turn(settings.database_url, "573001112233", sid) == TakenTurn(
            (
                "✅ Radicamos tu queja con el número *PQRS-2026-000001*",
                "¿Algo más?",
            ),
            submit_pending=False,
        )
        assert taken_turn(settings.database_url, "573001112233", lost) == TakenTurn(
            (), submit_pending=True
        )
        assert taken_turn(settings.database_url, "573001112233", "SM" + "4" * 32) is None
        assert taken_turn(settings.database_url, "573009999999", sid) is None
    finally:
        with get_engine(settings.database_url).begin() as conn:
            conn.execute(text("DROP TABLE events"))


def test_without_a_tracker_table_the_turn_goes_to_rasa(settings):
    from mara.db.rasa_tracker import taken_turn

    assert taken_turn(settings.database_url, "573001112233", "SM" + "1" * 32) is None


def test_the_sweep_sends_again_the_emails_a_dead_sender_or_lost_job_left(settings):
    from dataclasses import replace

    from mara.db.models import EmailMessage

    old = utcnow() - timedelta(minutes=10)
    with UnitOfWork(settings.database_url) as uow:
        rows = [
            EmailMessage(key=k, to_address="ana@example.co", subject="s", body="b", created_at=t)
            for k, t in (("lost", old), ("died", old), ("fresh", utcnow()))
        ]
        uow.session.add_all(rows)
        uow.session.flush()
        # A sender that died mid-send: claimed, its lease over.
        rows[1].status, rows[1].next_attempt_at = "sending", old
        lost, died, fresh = (r.id for r in rows)
        uow.commit()
    Redis.from_url(settings.redis_url).flushdb()  # the lost job is gone with Redis
    # Without SMTP the e-mails stay stored: nothing to send them with.
    assert schedule.resend_email(settings) == []
    with_smtp = replace(settings, smtp_url="smtp://127.0.0.1:2525")
    actions = schedule.resend_email(with_smtp)
    assert actions == [{"job": "resend-email", "email": i} for i in (lost, died)]
    assert {j.rsplit("-sweep-", 1)[0] for j in queued(settings)} == {
        f"email-{lost}",
        f"email-{died}",
    }
    with UnitOfWork(settings.database_url) as uow:
        again = uow.session.get(EmailMessage, died)
        assert (again.status, again.error_message) == ("pending", "sender interrupted")
        assert uow.session.get(EmailMessage, fresh).next_attempt_at is None
    # Leased to the jobs just queued: a second pass at once does nothing new.
    assert schedule.resend_email(with_smtp) == []
