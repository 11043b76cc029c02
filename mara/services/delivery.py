"""Delivery use case: send a person's stored messages in order, each exactly once (the database
claim pending → sending decides who sends), classifying failures for the caller."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from mara.adapters.twilio_sender import PermanentSendError, TransientSendError, WhatsAppSender
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import OutboundView
from mara.services import outbox

log = logging.getLogger(__name__)

EVERYTHING = 2**31 - 1  # the largest id (PostgreSQL integer)


@dataclass(frozen=True)
class Delivery:
    sent: int
    result: str  # the last message's outcome: its status, "failed", "rejected", or why nothing
    retry_id: int | None = None  # left pending after a transient failure: retry it later


def _claim_next(uow: UnitOfWork, wa_id: str, up_to_id: int) -> OutboundView | None | bool:
    """The next message of this person claimed for sending; False when none is pending."""
    next_id = outbox.next_pending_outbound(uow, wa_id, up_to_id)
    if next_id is None:
        return False
    return outbox.claim_outbound(uow, next_id)


def deliver_pending(
    uow: Callable[[], UnitOfWork],
    sender: WhatsAppSender,
    wa_id: str,
    status_callback: str | None,
    *,
    up_to_id: int = EVERYTHING,
    last_try: bool = True,
) -> Delivery:
    """Send the person's pending messages up to `up_to_id`, oldest first. A transient failure
    stops here (the rest keep their order) unless this is the last try: then that message is
    marked failed and the next ones go on."""
    sent = 0
    result = "already sent or being sent"
    while True:
        with uow() as tx:
            claimed = _claim_next(tx, wa_id, up_to_id)
            tx.commit()
        if claimed is False:
            return Delivery(sent, result)
        if claimed is None:
            continue  # another job claimed it first
        assert isinstance(claimed, OutboundView)
        try:
            outcome = sender.send(claimed.to_address, claimed.body, status_callback)
        except TransientSendError as exc:
            with uow() as tx:
                if not last_try:
                    outbox.release_outbound(tx, claimed.id, str(exc))
                    tx.commit()
                    return Delivery(sent, "will retry", retry_id=claimed.id)
                outbox.finish_outbound(tx, claimed.id, "failed", error=str(exc))
                tx.commit()
            log.error("outbound #%s failed after retries: %s", claimed.id, exc)
            result = "failed"
            continue
        except PermanentSendError as exc:
            with uow() as tx:
                outbox.finish_outbound(
                    tx, claimed.id, "failed", error_code=exc.code, error=str(exc)
                )
                tx.commit()
            log.error("outbound #%s rejected: %s", claimed.id, exc)
            result = "rejected"
            continue
        with uow() as tx:
            outbox.finish_outbound(
                tx, claimed.id, outcome.status, provider_sid=outcome.provider_sid
            )
            tx.commit()
        sent += 1
        result = outcome.status
