"""Filing PQRS on a real database: radicados, deadlines, consent, idempotency."""

from __future__ import annotations

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mara.db.models import Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.services import filing

BOGOTA = ZoneInfo("America/Bogota")
FRIDAY_10AM = datetime(2026, 12, 4, 10, 0, tzinfo=BOGOTA)
MARIA = filing.RequesterData("María López", "CC", "1094887890", "+573001234567", None)


def file(url, **kwargs):
    params = dict(
        now=FRIDAY_10AM, pqrs_type="queja", description="Me trataron mal", wa_id="573001234567"
    )
    params.update(kwargs)
    with UnitOfWork(url) as uow:
        ticket = filing.file_ticket(uow, **params)
        uow.commit()
    return ticket


def test_radicado_and_the_design_deadlines(clean_db):
    filed = file(clean_db)
    assert filed.radicado == "PQRS-2026-000001"
    assert (filed.received_on, filed.area_due_on, filed.answer_due_on) == (
        date(2026, 12, 4),
        date(2026, 12, 14),
        date(2026, 12, 16),
    )
    saturday = file(clean_db, now=datetime(2026, 12, 5, 9, 0, tzinfo=BOGOTA))
    assert saturday.radicado == "PQRS-2026-000002"
    assert (saturday.received_on, saturday.area_due_on, saturday.answer_due_on) == (
        date(2026, 12, 7),
        date(2026, 12, 15),
        date(2026, 12, 17),
    )


def test_the_sequence_restarts_each_year(clean_db):
    assert file(clean_db).radicado == "PQRS-2026-000001"
    new_year = file(clean_db, now=datetime(2027, 1, 4, 9, 0, tzinfo=BOGOTA))
    assert new_year.radicado == "PQRS-2027-000001"


def test_the_same_confirmation_files_once(clean_db):
    first = file(clean_db, source_key="sid-1")
    again = file(clean_db, source_key="sid-1")
    assert (first.created, again.created) == (True, False)
    assert first.radicado == again.radicado
    with UnitOfWork(clean_db) as uow:
        assert len(uow.session.scalars(select(Ticket)).all()) == 1


def test_personal_data_needs_a_consent(clean_db):
    with pytest.raises(ValueError, match="consent"):
        file(clean_db, requester=MARIA)
    with UnitOfWork(clean_db) as uow:
        assert uow.session.scalars(select(Ticket)).all() == []


def test_consent_and_returning_person(clean_db):
    with UnitOfWork(clean_db) as uow:
        assert filing.current_consent(uow, "573001234567", "v1") is None
        consent_id = filing.record_consent(uow, "573001234567", True, "SM1", "v1")
        assert filing.current_consent(uow, "573001234567", "v1") == consent_id
        assert filing.current_consent(uow, "573001234567", "v2") is None
        uow.commit()
    file(
        clean_db,
        requester=MARIA,
        consent_id=consent_id,
        attachments=[{"url": "https://x/ME1", "content_type": "image/png"}],
    )
    with UnitOfWork(clean_db) as uow:
        assert filing.saved_requester(uow, "573001234567") == MARIA
        assert filing.saved_requester(uow, "573009999999") is None
        ticket = uow.session.scalar(select(Ticket))
        assert [a.url for a in ticket.attachments] == ["https://x/ME1"]
        # A later "no" withdraws it for the next request.
        filing.record_consent(uow, "573001234567", False, "SM2", "v1")
        assert filing.current_consent(uow, "573001234567", "v1") is None


def test_twenty_people_filing_at_once_get_twenty_radicados(clean_db):
    results: list[filing.FiledTicket] = []
    errors: list[Exception] = []
    start = threading.Barrier(20)

    def one(i: int) -> None:
        start.wait()
        try:
            results.append(
                file(
                    clean_db,
                    wa_id=f"5730000000{i:02d}",
                    source_key=f"k{i}",
                    description=f"caso {i}",
                )
            )
        except Exception as exc:  # reported below with the failing assertion
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.radicado for r in results) == [f"PQRS-2026-{n:06d}" for n in range(1, 21)]
    with UnitOfWork(clean_db) as uow:
        rows = uow.session.scalars(select(Ticket)).all()
        assert sorted(t.description for t in rows) == sorted(f"caso {i}" for i in range(20))
        assert {t.answer_due_on for t in rows} == {date(2026, 12, 16)}
