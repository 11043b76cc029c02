"""Delivery use case: send a person's stored messages in order, each exactly once (the database
claim pending → sending decides who sends), classifying failures for the caller."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from mara.adapters.twilio_sender import PermanentSendError, TransientSendError, WhatsAppSender
from mara.db.unit_of_work import UnitOfWork
from mara.services import outbox

log = logging.getLogger(__name__)

EVERYTHING = 2**31 - 1  # the largest id (PostgreSQL integer)


@dataclass(frozen=True)
class Delivery:
    sent: int
    result: str  # the last message's outcome: its status, "failed", "rejected", or why nothing
    retry_id: int | None = None  # left pending after a transient failure: retry it later


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
    finished: tuple[int, str, str | None] | None = None  # written with the next claim
    while True:
        with uow() as tx:
            if finished is not None:
                outbox.finish_outbound(tx, finished[0], finished[1], provider_sid=finished[2])
                finished = None
            claimed = outbox.claim_next_outbound(tx, wa_id, up_to_id)
            tx.commit()
        if claimed is None:
            return Delivery(sent, result)
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
        finished = (claimed.id, outcome.status, outcome.provider_sid)
        sent += 1
        result = outcome.status
