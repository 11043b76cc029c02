"""RQ entry points of the scheduled follow-ups: SLA sweep and satisfaction surveys.

Each takes an optional ISO-8601 `now` (for `mara sweep` and tests; else the clock, which
honours MARA_CLOCK) and returns the actions it took as JSON-ready dicts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from mara import clock
from mara.adapters.smtp_mail import send_mail
from mara.db.unit_of_work import UnitOfWork
from mara.policy.channels import business_calendar
from mara.services import followup
from mara.services.followup import Mailer
from mara.settings import Settings, load_settings

log = logging.getLogger(__name__)


def _now(now: str | None) -> datetime:
    if now is None:
        return clock.now()
    parsed = datetime.fromisoformat(now)
    if parsed.tzinfo is None:
        raise ValueError("now needs a UTC offset")
    return parsed.astimezone(timezone.utc)


def mailer(settings: Settings) -> Mailer | None:
    """SMTP when SMTP_URL is set; otherwise None and e-mails are stored, not sent."""
    if not settings.smtp_url:
        return None
    smtp_url, mail_from = settings.smtp_url, settings.mail_from

    def send(to: str, subject: str, body: str) -> None:
        send_mail(smtp_url, mail_from, to, subject, body)

    return send


def sla_sweep(now: str | None = None) -> list[dict]:
    """Record due SLA reminders, escalations and overdue marks; e-mail staff in office hours."""
    settings = load_settings()
    with UnitOfWork(settings.database_url) as uow:
        actions = followup.sweep(uow, _now(now), business_calendar(), mailer(settings))
        uow.commit()
    for action in actions:
        log.info("sla sweep: %s %s", action.job, action.radicado)
    return [a.as_dict() for a in actions]


def survey_sweep(now: str | None = None) -> list[dict]:
    """Schedule, start, remind and expire satisfaction surveys; queue their WhatsApp messages."""
    from mara.adapters.redis_queue import enqueue_outbound
    from mara.services import surveys

    settings = load_settings()
    with UnitOfWork(settings.database_url) as uow:
        actions, outbound_ids = surveys.sweep(
            uow,
            _now(now),
            business_calendar(),
            settings.template_survey_sid,
            reminder_sid=settings.template_reminder_sid,
        )
        uow.commit()
    if outbound_ids and not settings.redis_url:
        log.warning("survey sweep: %d message(s) stored; no Redis to send them", len(outbound_ids))
    elif outbound_ids:
        for outbound_id in outbound_ids:
            enqueue_outbound(settings, outbound_id)
    return [a.as_dict() for a in actions]
