"""A request's attachments kept in MARA's own storage (MARA_MEDIA_DIR) for staff to open."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from mara.adapters.media_store import MediaRefused, download
from mara.db.models import TicketAttachment
from mara.db.unit_of_work import UnitOfWork
from mara.policy.staff_texts import staff_text
from mara.settings import Settings


def fetch_missing(settings: Settings, ticket_id: int) -> tuple[int, list[str]]:
    """Download the attachments not stored yet; returns (stored, reasons refused)."""
    with UnitOfWork(settings.database_url) as uow:
        pending = [
            (a.id, a.url)
            for a in uow.session.scalars(
                select(TicketAttachment).where(
                    TicketAttachment.ticket_id == ticket_id,
                    TicketAttachment.stored_path.is_(None),
                )
            )
        ]
        uow.commit()
    if pending and not settings.twilio_account_sid:
        return 0, [staff_text("attachments.no_twilio_credentials")]
    base = Path(settings.media_dir)
    stored, refused = 0, []
    for attachment_id, url in pending:
        try:
            media = download(
                url,
                base / str(ticket_id),
                str(attachment_id),
                settings.twilio_account_sid or "",
                settings.twilio_auth_token,
                settings.twilio_api_base_url,
            )
        except MediaRefused as exc:
            refused.append(str(exc))
            continue
        with UnitOfWork(settings.database_url) as uow:
            row = uow.session.get(TicketAttachment, attachment_id)
            if row is None:  # deleted meanwhile
                continue
            row.stored_path = str(Path(media.relative_path).resolve().relative_to(base.resolve()))
            row.content_type = media.content_type
            uow.commit()
        stored += 1
    return stored, refused
