"""Delivery use case: send a person's stored messages in order, each exactly once (the database
claim pending → sending decides who sends), classifying failures for the caller."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mara.adapters.twilio_sender import (
    PermanentSendError,
    SendResult,
    TransientSendError,
    WhatsAppSender,
)
from mara.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from mara.domain.messages import OutboundView, status_callback_for
from mara.services import claims, outbox

log = logging.getLogger(__name__)

EVERYTHING = 2**31 - 1  # the largest id (PostgreSQL integer)


def send_claimed(
    sender: WhatsAppSender,
    out: OutboundView,
    earlier: claims.EarlierAttempt | None,
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
        out.to_address,
        out.body,
        status_callback_for(status_callback, out.id),
        out.content_sid,
        out.content_variables,
    )


@dataclass(frozen=True)
class Delivery:
    sent: int
    # The last message's outcome: its status, "failed", "rejected", "deferred" (left to
    # the long retry schedule; the person's later messages wait for it), or why nothing.
    result: str
    retry_id: int | None = None  # left pending after a transient failure: retry it later
    notices: tuple[int, ...] = ()  # stored for the person (delivery_failed): queue them


@dataclass(frozen=True)
class Claim:
    """Messages claimed for sending, oldest first; `known_sids`, read only when one of
    them has an unconfirmed attempt: the person's messages already recorded as ours."""

    messages: tuple[OutboundView, ...] = ()
    known_sids: frozenset[str] = frozenset()

    def earlier(self, out: OutboundView, sent_sids: set[str]) -> claims.EarlierAttempt | None:
        """`out`'s unconfirmed attempt, if any; `sent_sids`: what this job sent before it
        (ours, though not recorded yet)."""
        if out.unconfirmed_since is None:
            return None
        return claims.EarlierAttempt(out.unconfirmed_since, self.known_sids | sent_sids)


def claim_next(tx: UnitOfWork, wa_id: str, up_to_id: int = EVERYTHING) -> Claim:
    """Claim the person's oldest unsent messages (the caller commits before sending them)."""
    claimed = claims.claim_next_outbound(tx, wa_id, up_to_id)
    unconfirmed = any(c.unconfirmed_since is not None for c in claimed)
    return Claim(tuple(claimed), claims.known_sids(tx, wa_id) if unconfirmed else frozenset())


def deliver_pending(
    uow: UnitOfWorkFactory,
    sender: WhatsAppSender,
    wa_id: str,
    status_callback: str | None,
    *,
    up_to_id: int = EVERYTHING,
    last_try: bool = True,
    long_retry_offsets: tuple[int, ...] = (),
    claimed_first: Claim | None = None,
) -> Delivery:
    """Send the person's pending messages up to `up_to_id`, oldest first, claimed a few at a
    time (claims.CLAIM_BATCH) and finished together with the next claim. A transient
    failure stops here (the rest keep their order; the batch's unsent ones go back to
    pending, no attempt counted) unless this is the last try: then that message goes to
    the long retry schedule (outbox.retry_later_or_fail): deferred, it stops here; past the
    schedule, it is failed (staff alerted, one notice stored) and the next ones go on. A
    claim after an unconfirmed attempt looks the message up on Twilio first.
    `claimed_first`: the caller's own claim, committed with what it stored (one transaction
    less per turn)."""
    sent = 0
    notices: list[int] = []
    result = "already sent or being sent"
    done: list[tuple[int, str, str | None]] = []  # sent: written with the next claim
    sent_sids: set[str] = set()
    claim = claimed_first
    while True:
        if claim is None:
            with uow(autocommit=True) as tx:
                claims.finish_sent(tx, done)
                done = []
                claim = claim_next(tx, wa_id, up_to_id)
                # Committed before Twilio is called: no transaction waits on the network.
                tx.commit()
        if not claim.messages:
            return Delivery(sent, result, notices=tuple(notices))
        batch, claim = claim, None
        for i, claimed in enumerate(batch.messages):
            unsent = [m.id for m in batch.messages[i + 1 :]]
            try:
                outcome = send_claimed(
                    sender, claimed, batch.earlier(claimed, sent_sids), status_callback
                )
            except TransientSendError as exc:
                with uow() as tx:
                    claims.finish_sent(tx, done)
                    done = []
                    if not last_try:
                        outbox.release_outbound(tx, claimed.id, str(exc))
                        claims.unclaim_outbound(tx, unsent)
                        tx.commit()
                        return Delivery(sent, "will retry", claimed.id, tuple(notices))
                    # A long outage: the recovery sweep tries again later (minutes to hours).
                    result, notice_id = outbox.retry_later_or_fail(
                        tx, claimed.id, str(exc), long_retry_offsets
                    )
                    if result == "deferred":
                        claims.unclaim_outbound(tx, unsent)
                    tx.commit()
                log.warning("outbound #%s %s after quick retries: %s", claimed.id, result, exc)
                if notice_id is not None:
                    notices.append(notice_id)
                if result == "deferred":
                    return Delivery(sent, result, notices=tuple(notices))
                continue
            except PermanentSendError as exc:
                with uow() as tx:
                    claims.finish_sent(tx, done)
                    done = []
                    outbox.reject_outbound(tx, claimed.id, exc.code, str(exc))
                    tx.commit()
                log.error("outbound #%s rejected: %s", claimed.id, exc)
                result = "rejected"
                continue
            done.append((claimed.id, outcome.status, outcome.provider_sid))
            if outcome.provider_sid:
                sent_sids.add(outcome.provider_sid)
            sent += 1
            result = outcome.status
