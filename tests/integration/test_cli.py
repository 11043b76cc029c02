"""The `mara` commands that need no running server."""

from __future__ import annotations

from datetime import datetime, timezone

from mara.adapters.twilio_form import parse_inbound
from mara.db.unit_of_work import UnitOfWork
from mara.ops.cli import main
from mara.services import contact, inbox


def test_handoff_list_and_release(settings, capsys, monkeypatch):
    monkeypatch.setenv("MARA_CLOCK", "2026-12-04T10:00:00-05:00")
    with UnitOfWork(settings.database_url) as uow:
        contact.request_handoff(
            uow, "573001112233", datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)
        )
        uow.commit()
    assert main(["handoff", "list"]) == 0
    assert capsys.readouterr().out.startswith("573001112233\t2026-12-04T15:00:00+00:00")
    assert main(["handoff", "release", "573001112233"]) == 0
    assert main(["handoff", "release", "573001112233"]) == 1
    capsys.readouterr()
    main(["handoff", "list"])
    assert capsys.readouterr().out == ""


def test_replay_requeues_failed_messages(settings, capsys):
    from redis import Redis
    from rq import Queue

    from mara.ops.chat import inbound_form

    with UnitOfWork(settings.database_url) as uow:
        message_id, _ = inbox.record_inbound(
            uow, parse_inbound(inbound_form("whatsapp:+573001112233", "x"))
        )
        inbox.fail_pending(uow, "573001112233", message_id, "rasa down")
        uow.commit()
    assert main(["replay"]) == 0
    assert "replayed 1 message" in capsys.readouterr().out
    jobs = Queue(settings.queue_name, connection=Redis.from_url(settings.redis_url)).job_ids
    assert len(jobs) == 1 and jobs[0].startswith(f"inbound-{message_id}-replay-")
    assert main(["replay"]) == 0
    assert "replayed 0 message" in capsys.readouterr().out
