"""Delivery use case: send a person's stored messages in order, each exactly once (the database
claim pending → sending decides who sends), classifying failures for the caller."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from mara.adapters.twilio_sender import (
    PermanentSendError,
    SendResult,
    TransientSendError,
    WhatsAppSender,
)
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import OutboundView
from mara.services import outbox

log = logging.getLogger(__name__)

EVERYTHING = 2**31 - 1  # the largest id (PostgreSQL integer)


def send_claimed(
    sender: WhatsAppSender,
    out: OutboundView,
    earlier: outbox.EarlierAttempt | None,
    status_callback: str | None,
) -> SendResult:
    """Send a claimed message, once. After an unconfirmed attempt Twilio is asked first
    for a message to that number with this body, created since the row and not already
    ours; found, it is that send's result and nothing is sent again."""
    if earlier is not None:
        found = sender.find_sent(
            out.to_address, out.body, earlier.created_at, set(earlier.known_sids)
        )
        if found is not None:
            log.info("outbound #%s: an earlier attempt reached Twilio; not sent again", out.id)
            return found
    return sender.send(
        out.to_address, out.body, status_callback, out.content_sid, out.content_variables
    )


@dataclass(frozen=True)
class Delivery:
    sent: int
    # The last message's outcome: its status, "failed", "rejected", "deferred" (left to
    # the long retry schedule; the person's later messages wait for it), or why nothing.
    result: str
    retry_id: int | None = None  # left pending after a transient failure: retry it later
    notices: tuple[int, ...] = ()  # stored for the person (delivery_failed): queue them


Claim = tuple[OutboundView | None, outbox.EarlierAttempt | None]


def claim_next(tx: UnitOfWork, wa_id: str, up_to_id: int = EVERYTHING) -> Claim:
    """Claim the person's oldest unsent message (the caller commits before sending it)."""
    claimed = outbox.claim_next_outbound(tx, wa_id, up_to_id)
    return claimed, outbox.earlier_attempt(tx, claimed, wa_id) if claimed else None


def deliver_pending(
    uow: Callable[[], UnitOfWork],
    sender: WhatsAppSender,
    wa_id: str,
    status_callback: str | None,
    *,
    up_to_id: int = EVERYTHING,
    last_try: bool = True,
    long_retry_offsets: tuple[int, ...] = (),
    claimed_first: Claim | None = None,
) -> Delivery:
    """Send the person's pending messages up to `up_to_id`, oldest first. A transient failure
    stops here (the rest keep their order) unless this is the last try: then that message is
    goes to the long retry schedule (outbox.retry_later_or_fail): deferred, it stops here;
    past the schedule, it is failed (staff alerted, one notice stored) and the next ones go
    on. A claim after an unconfirmed attempt looks the message up on Twilio first.
    `claimed_first`: the caller's own claim, committed with what it stored (one transaction
    less per turn)."""
    sent = 0
    notices: list[int] = []
    result = "already sent or being sent"
    finished: tuple[int, str, str | None] | None = None  # written with the next claim
    while True:
        if claimed_first is not None:
            (claimed, earlier), claimed_first = claimed_first, None
        else:
            with uow() as tx:
                if finished is not None:
                    outbox.finish_outbound(tx, finished[0], finished[1], provider_sid=finished[2])
                    finished = None
                claimed, earlier = claim_next(tx, wa_id, up_to_id)
                # Committed before Twilio is called: no transaction waits on the network.
                tx.commit()
        if claimed is None:
            return Delivery(sent, result, notices=tuple(notices))
        try:
            outcome = send_claimed(sender, claimed, earlier, status_callback)
        except TransientSendError as exc:
            with uow() as tx:
                if not last_try:
                    outbox.release_outbound(tx, claimed.id, str(exc))
                    tx.commit()
                    return Delivery(sent, "will retry", claimed.id, tuple(notices))
                # A long outage: the recovery sweep tries again later (minutes to hours).
                result, notice_id = outbox.retry_later_or_fail(
                    tx, claimed.id, str(exc), long_retry_offsets
                )
                tx.commit()
            log.warning("outbound #%s %s after quick retries: %s", claimed.id, result, exc)
            if notice_id is not None:
                notices.append(notice_id)
            if result == "deferred":
                return Delivery(sent, result, notices=tuple(notices))
            continue
        except PermanentSendError as exc:
            with uow() as tx:
                outbox.reject_outbound(tx, claimed.id, exc.code, str(exc))
                tx.commit()
            log.error("outbound #%s rejected: %s", claimed.id, exc)
            result = "rejected"
            continue
        finished = (claimed.id, outcome.status, outcome.provider_sid)
        sent += 1
        result = outcome.status
