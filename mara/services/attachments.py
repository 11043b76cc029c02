"""A request's attachments kept in MARA's own storage (MARA_MEDIA_DIR) for staff to open.

As in mara/services/delivery.py, no transaction is open while Twilio answers: what to fetch
is read and committed first, each file is downloaded outside any transaction, and where it
was stored is written in its own short transaction."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import select

from mara.adapters.media_store import MediaRefused, StoredMedia, download
from mara.db.models import TicketAttachment
from mara.db.unit_of_work import UnitOfWork
from mara.policy.staff_texts import staff_text
from mara.settings import Settings

# (url, dest_dir, name) -> the stored file; raises MediaRefused.
Fetcher = Callable[[str, Path, str], StoredMedia]


def twilio_fetcher(settings: Settings) -> Fetcher | None:
    """Downloads with the account's credentials; None without them."""
    if not settings.twilio_account_sid:
        return None
    return partial(
        download,
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        api_base_url=settings.twilio_api_base_url,
    )


def missing(uow: UnitOfWork, ticket_id: int) -> list[tuple[int, str]]:
    """(id, url) of the request's attachments not stored yet."""
    return [
        (a.id, a.url)
        for a in uow.session.scalars(
            select(TicketAttachment).where(
                TicketAttachment.ticket_id == ticket_id, TicketAttachment.stored_path.is_(None)
            )
        )
    ]


def record_stored(uow: UnitOfWork, attachment_id: int, path: str, content_type: str) -> bool:
    """Where a downloaded file lies; False when the attachment was deleted meanwhile."""
    row = uow.session.get(TicketAttachment, attachment_id)
    if row is None:
        return False
    row.stored_path, row.content_type = path, content_type
    return True


def fetch_missing(
    uow: Callable[[], UnitOfWork], fetch: Fetcher | None, media_dir: Path, ticket_id: int
) -> tuple[int, list[str]]:
    """Download the attachments not stored yet; returns (stored, reasons refused)."""
    with uow() as tx:
        pending = missing(tx, ticket_id)
        tx.commit()
    if pending and fetch is None:
        return 0, [staff_text("attachments.no_twilio_credentials")]
    stored, refused = 0, []
    for attachment_id, url in pending:
        assert fetch is not None
        try:
            media = fetch(url, media_dir / str(ticket_id), str(attachment_id))
        except MediaRefused as exc:
            refused.append(str(exc))
            continue
        relative = str(Path(media.relative_path).resolve().relative_to(media_dir.resolve()))
        with uow() as tx:
            if record_stored(tx, attachment_id, relative, media.content_type):
                stored += 1
            tx.commit()
    return stored, refused
