"""The filing use case as the PQRS form runs it, for tests that need a ticket on file."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mara.db.unit_of_work import UnitOfWork
from mara.services import filing

FRIDAY_10AM = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("America/Bogota"))
ANA = filing.RequesterData("Ana Gómez", "CC", "1094000111", "+573001110000", None)


def file_with_consent(
    uow: UnitOfWork, wa_id: str = "573001110000", **kwargs: Any
) -> filing.FiledTicket:
    """A yes to the privacy notice, then a reclamo with Ana's data (not committed)."""
    consent_id = filing.record_consent(uow, wa_id, True, "SM1", "v1")
    params: dict[str, Any] = dict(
        now=FRIDAY_10AM,
        pqrs_type="reclamo",
        description="x y z",
        wa_id=wa_id,
        requester=ANA,
        consent_id=consent_id,
    )
    return filing.file_ticket(uow, **{**params, **kwargs})
