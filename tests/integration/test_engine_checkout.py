"""Pooled PostgreSQL connections that the server ended while they sat in the pool (a
restart, a failover, idle_session_timeout, pg_terminate_backend) are replaced when they are
checked out (mara.db.engine): a unit of work, the webhook and a worker's job never meet one.
Without that check the same steps fail, which the control test shows."""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from twilio.request_validator import RequestValidator

from mara import bootstrap
from mara.db import engine as engine_module
from mara.db.engine import get_engine
from mara.db.models import InboundMessage
from mara.db.unit_of_work import UnitOfWork
from mara.jobs import messages as jobs
from mara.ops.chat import inbound_form
from tests.support.dialogue import ScriptedDialogue, with_dialogue
from webhook import create_app


@pytest.fixture
def pg_url(clean_db):
    if not clean_db.startswith("postgresql"):
        pytest.skip("SQLite has no server to end a connection")
    return clean_db


def _backend_pid(uow: UnitOfWork) -> int:
    return uow.session.scalar(text("SELECT pg_backend_pid()"))


def _pool_ended_by_server(url: str, size: int = 3) -> set[int]:
    """Fill the pool with at least `size` idle connections, then end every server process
    of this database from another connection (as a restart would), and wait until
    PostgreSQL has let them go. Returns their backend pids."""
    engine = get_engine(url)
    with ExitStack() as stack:
        held = [stack.enter_context(engine.connect()) for _ in range(size)]
        for connection in held:
            connection.execute(text("SELECT 1"))
            connection.rollback()
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        pids = set(
            conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid()"
                )
            ).scalars()
        )
        assert len(pids) >= size
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10
        while conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
            {"pids": list(pids)},
        ).scalar_one():
            assert time.monotonic() < deadline, "the backends did not end"
            time.sleep(0.05)
    admin.dispose()
    return pids


def test_connections_ended_by_the_server_are_replaced_on_checkout(pg_url):
    ended = _pool_ended_by_server(pg_url)
    # One unit of work after another takes each pooled connection in turn (FIFO).
    for _ in range(get_engine(pg_url).pool.size() + 1):
        with UnitOfWork(pg_url) as uow:
            assert _backend_pid(uow) not in ended
            uow.commit()


def test_without_the_check_an_ended_connection_fails_its_caller(pg_url):
    """The control: the same steps with the checkout check taken off."""
    engine = get_engine(pg_url)
    event.remove(engine, "checkout", engine_module._closed_by_server)
    try:
        _pool_ended_by_server(pg_url)
        with pytest.raises(OperationalError), UnitOfWork(pg_url) as uow:
            _backend_pid(uow)
    finally:
        event.listen(engine, "checkout", engine_module._closed_by_server)
    engine.dispose()


def test_the_webhook_and_a_worker_job_right_after_the_server_ended_their_connections(
    settings, pg_url
):
    client = create_app(settings).test_client()
    form = inbound_form("whatsapp:+573001112299", "hola")
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(
        settings.public_url + "/twilio/whatsapp", form
    )
    _pool_ended_by_server(pg_url)
    response = client.post("/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    with UnitOfWork(pg_url) as uow:
        stored = uow.session.scalars(
            select(InboundMessage.id).where(InboundMessage.message_sid == form["MessageSid"])
        ).all()
    assert len(stored) == 1

    runtime = with_dialogue(bootstrap.build(settings), ScriptedDialogue())
    _pool_ended_by_server(pg_url)
    assert jobs.handle_inbound(stored[0], runtime) == "handled 1"
