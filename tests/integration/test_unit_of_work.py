"""One use case, one transaction: a failure halfway leaves nothing half-written."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from mara.db.models import Base, Consent, RadicadoCounter, Requester, Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.services import filing, outbox
from tests.support.filing import file_with_consent


class Crash(Exception):
    pass


def row_counts(url: str) -> dict[str, int]:
    with UnitOfWork(url) as uow:
        return {
            table.name: uow.session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def consent_and_ticket(uow: UnitOfWork, **kwargs) -> str:
    """The filing use case: a consent, then a ticket with the requester and an attachment."""
    attachments = [{"url": "https://x/ME1", "content_type": "image/png"}]
    return file_with_consent(uow, attachments=attachments, **kwargs).radicado


def test_a_crash_after_the_ticket_is_written_leaves_nothing(clean_db, monkeypatch):
    written: list[int] = []
    original = filing._filed

    def crash_after_writing(ticket, created):
        # Inside file_ticket, after the requester, counter, ticket and attachment rows
        # reached the database (flushed in this transaction).
        with_ticket = ticket.id is not None and ticket.requester.id is not None
        written.append(int(with_ticket))
        raise Crash("worker died here")

    monkeypatch.setattr(filing, "_filed", crash_after_writing)
    with pytest.raises(Crash), UnitOfWork(clean_db) as uow:
        consent_and_ticket(uow)
        uow.commit()
    assert written == [1]
    assert set(row_counts(clean_db).values()) == {0}

    monkeypatch.setattr(filing, "_filed", original)
    with UnitOfWork(clean_db) as uow:
        radicado = consent_and_ticket(uow)
        uow.commit()
    # The crashed attempt consumed no radicado number.
    assert radicado == "PQRS-2026-000001"
    counts = row_counts(clean_db)
    assert (counts["tickets"], counts["requesters"], counts["consents"]) == (1, 1, 1)


def test_leaving_without_commit_rolls_back(clean_db):
    with UnitOfWork(clean_db) as uow:
        consent_and_ticket(uow)
        assert uow.session.scalar(select(func.count()).select_from(Ticket)) == 1
    assert set(row_counts(clean_db).values()) == {0}


def test_a_savepoint_that_opens_the_transaction_is_rolled_back_with_it(clean_db):
    # store_notice's first write is a savepoint; SQLite's driver, left to itself, would
    # commit that savepoint on release, outside the use case's transaction.
    with pytest.raises(Crash), UnitOfWork(clean_db) as uow:
        outbox.store_notice(uow, "notice:1", "57300", "whatsapp:+57300", "hola", "notice")
        raise Crash("before commit")
    assert set(row_counts(clean_db).values()) == {0}


def test_the_same_filing_at_once_keeps_one_ticket_and_each_use_case(clean_db):
    """Five deliveries of one form submission: the unique source_key is lost inside a
    savepoint, so each use case still commits its own consent and no number is burnt."""
    start = threading.Barrier(5)
    radicados: list[str] = []
    errors: list[Exception] = []

    def deliver() -> None:
        start.wait()
        try:
            with UnitOfWork(clean_db) as uow:
                radicados.append(consent_and_ticket(uow, source_key="whatsapp:SM1"))
                uow.commit()
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert radicados == ["PQRS-2026-000001"] * 5
    with UnitOfWork(clean_db) as uow:
        session = uow.session
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1
        assert session.scalar(select(func.count()).select_from(Requester)) == 1
        assert session.scalar(select(func.count()).select_from(Consent)) == 5
        assert session.scalar(select(RadicadoCounter.last_value)) == 1
