"""RQ entry points: plain functions taking ids, importable by path (mara.jobs.messages.*).
Each one takes this process's runtime (mara.bootstrap), calls one use case and returns."""

from __future__ import annotations

from rq import get_current_job

from mara import bootstrap
from mara.db.unit_of_work import one_connection


def _is_last_try() -> bool:
    job = get_current_job()
    return job is None or not job.retries_left


def handle_inbound(message_id: int, runtime: bootstrap.Runtime | None = None) -> str:
    """Answer the sender's pending messages up to this one, in order, and send the replies."""
    rt = runtime or bootstrap.current()
    with one_connection(rt.settings.database_url):
        return rt.conversation.answer(message_id, last_try=_is_last_try())


def send_outbound(outbound_id: int, runtime: bootstrap.Runtime | None = None) -> str:
    """Send this stored message once, after the same person's earlier ones."""
    rt = runtime or bootstrap.current()
    with one_connection(rt.settings.database_url):
        return rt.conversation.send(outbound_id, last_try=_is_last_try())


def notify(
    wa_id: str, body: str, kind: str, key: str, runtime: bootstrap.Runtime | None = None
) -> str:
    """A message MARA starts (reminder, survey, notice): never to a number that opted out."""
    rt = runtime or bootstrap.current()
    return rt.conversation.notify(wa_id, body, kind, key)
