"""Conversation use case: answer a person's pending WhatsApp messages in arrival order through
the dialogue engine (handoff check, keyword routing, bounded text), store and send the replies,
and give up kindly when the engine stays down. Collaborators are injected (mara.bootstrap)."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from sqlalchemy import BindParameter, Select, bindparam

from mara import clock
from mara.adapters.rasa import RasaUnavailable
from mara.adapters.twilio_sender import TransientSendError, WhatsAppSender
from mara.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from mara.domain.messages import (
    CONFIRMATION_SLOT,
    FILING_FORM,
    PERSONAL_ANSWER,
    SUBMIT_EXPECTED,
    PendingInbound,
    TakenTurn,
)
from mara.policy.messages import message
from mara.services import (
    answering,
    contact,
    filing,
    inbox,
    loops,
    nlu_review,
    outbox,
    surveys,
)
from mara.services.delivery import EVERYTHING, Claim, claim_next, deliver_pending
from mara.text.keywords import keyword_intent

log = logging.getLogger(__name__)

MEDIA_TRIGGER = "/media_shared"
SUBMIT_ACTION = "action_submit_pqrs"


class Dialogue(Protocol):
    """The dialogue engine (MARA's Rasa channel behind mara.adapters.rasa.RasaClient)."""

    def check_action_server(self) -> None: ...

    def converse(self, sender: str, text: str, metadata: dict) -> list[str]: ...

    def converse_with_nlu(
        self, sender: str, text: str, metadata: dict
    ) -> tuple[list[str], dict | None, frozenset[str]]: ...

    def run_action(self, sender: str, name: str) -> list[str]: ...

    def record_outcome(
        self, sender: str, text: str, slot: str, form: str | None = None
    ) -> None: ...


class Jobs(Protocol):
    def inbound(self, message_id: int, suffix: str = "") -> None: ...

    def outbound(self, outbound_id: int, suffix: str = "") -> None: ...


class LockHold(Protocol):
    noted: bool  # after the block: a job left a note while the lock was held

    def __bool__(self) -> bool: ...


class Locks(Protocol):
    def hold(self, wa_id: str) -> AbstractContextManager[LockHold]: ...

    def mark_waiting(self, wa_id: str) -> None: ...

    def is_free(self, wa_id: str) -> bool: ...


def dialogue_texts(msg: PendingInbound, max_chars: int) -> list[str]:
    """What the dialogue engine is told for one message: an attachment is a turn of its own,
    a keyword typed alone is its intent, and text is cut to `max_chars` (the full message
    stays stored for staff; NLU on 65,536 characters would stall everyone)."""
    texts = [MEDIA_TRIGGER] if msg.media else []
    text = keyword_intent(msg.body) or msg.button_payload or msg.body[:max_chars]
    if text.strip():
        texts.append(text)
    return texts


@cache
def _turn_query() -> Select[Any]:
    """The pending message with what decides how its turn goes (built once)."""
    wa_id: BindParameter[str] = bindparam("wa_id")
    now: BindParameter[datetime] = bindparam("now")
    return inbox.pending_query(
        {
            "awaiting": answering.awaiting_any(wa_id),
            "handoff": contact.handoff_open(wa_id, now),
            "survey": surveys.survey_open(wa_id),
        }
    )


@dataclass(frozen=True)
class Conversation:
    uow: UnitOfWorkFactory
    dialogue: Dialogue
    sender: WhatsAppSender
    locks: Locks
    jobs: Jobs
    status_callback: str | None = None
    max_chars: int = 1000
    now: Callable[[], datetime] = field(default=clock.now)
    # After the quick retries, a send is tried again at these offsets (seconds) from its
    # creation by the recovery sweep, then failed with a staff alert (outbox).
    long_retry_offsets: tuple[int, ...] = ()
    # (wa_id, message_sid) → what Rasa's tracker store holds of that message's turn (its
    # replies; a confirmed request not filed), or None: a retried turn is not taken twice,
    # and a confirming turn is verified (mara.db.rasa_tracker).
    turn_taken: Callable[[str, str], TakenTurn | None] | None = None
    # A job's retries (MARA_RETRY_INTERVALS). A message whose tries failed this often gets
    # its last try from whichever job runs it next (a sweep's new job has retries left).
    retries: int = 3

    # --- entry points (one per job) ---

    def answer(self, message_id: int, last_try: bool = True) -> str:
        """Answer every pending message of this message's sender up to it, oldest first."""
        with self.uow(autocommit=True) as tx:
            wa_id = inbox.sender_of(tx, message_id)
            tx.commit()
        if wa_id is None:
            return "unknown message"
        return self._exclusive(wa_id, lambda: self._answer_up_to(wa_id, message_id, last_try))

    def send(self, outbound_id: int, last_try: bool = True) -> str:
        """Send this stored message once, after the same person's earlier ones."""
        with self.uow(autocommit=True) as tx:
            wa_id = outbox.recipient_of(tx, outbound_id)
            tx.commit()
        if wa_id is None:
            return "unknown message"

        def work() -> str:
            delivery = deliver_pending(
                self.uow,
                self.sender,
                wa_id,
                self.status_callback,
                up_to_id=outbound_id,
                last_try=last_try,
                long_retry_offsets=self.long_retry_offsets,
            )
            self._queue_notices(delivery.notices)
            if delivery.retry_id is not None:
                raise TransientSendError(f"outbound #{delivery.retry_id} will be retried")
            return delivery.result

        return self._exclusive(wa_id, work)

    def notify(self, wa_id: str, body: str, kind: str, key: str) -> str:
        """A message MARA starts (reminder, survey, notice): never to a number that opted out."""
        with self.uow() as tx:
            outbound_id, to_send = outbox.queue_proactive(tx, wa_id, body, kind, key)
            tx.commit()
        if not to_send:
            return "suppressed (opted out)" if outbound_id else "skipped"
        self.jobs.outbound(outbound_id)
        return "queued"

    def requeue_stale(self, older_than_seconds: float) -> int:
        """Queue a job for each person whose messages a dead job left pending (its worker was
        killed): their lock has expired, nobody else will pick them up. Returns how many."""
        older_than = timedelta(seconds=older_than_seconds)
        with self.uow() as tx:
            inbound_ids = inbox.stale_pending(tx, older_than)
            outbound_ids = outbox.stale_pending_outbound(tx, older_than)
            tx.commit()
        suffix = f"-recover-{secrets.token_hex(4)}"
        requeued = 0
        for message_id, wa_id in inbound_ids:
            if self.locks.is_free(wa_id):
                self.jobs.inbound(message_id, suffix)
                requeued += 1
        busy = {wa_id for _, wa_id in inbound_ids}
        for outbound_id, wa_id in outbound_ids:
            if wa_id not in busy and self.locks.is_free(wa_id):
                self.jobs.outbound(outbound_id, suffix)
                requeued += 1
        return requeued

    # --- one person at a time, never waiting for them ---

    def _exclusive(self, wa_id: str, work: Callable[[], str]) -> str:
        """Run `work` holding the person's lock. If another job holds it, leave a note and
        return at once (a waiting job must not hold a worker idle); the holder, after
        releasing, queues a job for whatever the person still has pending."""
        for attempt in range(2):
            hold = None
            try:
                with self.locks.hold(wa_id) as hold:
                    if hold:
                        return work()
            finally:
                # The note is read with the release, never before: a job that left its note
                # after we looked would otherwise find the lock still taken and nobody to
                # continue for it.
                if hold and hold.noted:
                    self._continue_waiting(wa_id)
            if attempt == 0:
                # Then try once more: the holder may have released (taking no note) before
                # ours was left.
                self.locks.mark_waiting(wa_id)
        return "deferred (the person's lock is held; its holder continues)"

    def _continue_waiting(self, wa_id: str) -> None:
        with self.uow(autocommit=True) as tx:
            inbound_ids = inbox.oldest_pending_ids(tx, wa_id, limit=2)
            outbound_id = outbox.next_pending_outbound(tx, wa_id, EVERYTHING)
            tx.commit()
        # One message per job, at the back of the queue: everyone else's waiting messages
        # go first. With more left, the note stays for the next holder to continue.
        suffix = f"-next-{secrets.token_hex(4)}"
        if inbound_ids:
            if len(inbound_ids) > 1:
                self.locks.mark_waiting(wa_id)
            self.jobs.inbound(inbound_ids[0], suffix)
        elif outbound_id is not None:
            self.jobs.outbound(outbound_id, suffix)

    # --- the turn ---

    def _answer_up_to(self, wa_id: str, message_id: int, last_try: bool) -> str:
        handled = 0
        while True:
            started = time.perf_counter()
            # Held answers, a handoff and a survey are read with the message: most turns
            # have none of them, and pay no statement for each. Read and marked as given to
            # the dialogue without a transaction (the person's lock is held; each statement
            # stands on its own); what the checks call for is written in one.
            with self.uow(autocommit=True) as tx:
                found = inbox.next_pending(tx, wa_id, message_id, _turn_query(), self.now())
                tx.commit()
            if found is None:
                return f"handled {handled}"
            msg, present = found
            released: list[int] = []
            silent = "handoff" in present
            survey_replies = None
            if present:
                with self.uow() as tx:
                    # The person wrote: answers held for them (outside the 24-hour window,
                    # after the template) can go now.
                    if "awaiting" in present:
                        released = answering.release_awaiting(tx, wa_id)
                    # An adviser has this conversation: stored for them, the bot keeps quiet.
                    if silent:
                        inbox.complete_silently(tx, msg.id, "handoff")
                    elif "survey" in present:
                        survey_replies = self._survey_reply(tx, msg)
                    tx.commit()
            for outbound_id in released:
                self.jobs.outbound(outbound_id)
            if silent:
                handled += 1
                continue
            loaded = time.perf_counter()
            try:
                replies, parse, signals = survey_replies, None, frozenset[str]()
                if replies is None:
                    replies, parse, signals = self._turns(msg, last_try)
            except RasaUnavailable as exc:
                with self.uow() as tx:
                    inbox.note_attempt(tx, msg.id, str(exc))
                    tx.commit()
                if not last_try:
                    raise
                self._give_up(wa_id, message_id, str(exc))
                return "failed; left for mara replay"
            answered = time.perf_counter()
            with self.uow() as tx:
                # The same question a third time in a row: the menu and a human instead.
                replies = loops.without_loops(tx, wa_id, replies)
                # What the NLU understood, for trainers (mara.services.nlu_review).
                nlu_review.record_nlu(
                    tx, msg.id, parse, wa_id, personal_answer=PERSONAL_ANSWER in signals
                )
                inbox.complete_inbound(tx, msg.id, wa_id, f"whatsapp:+{wa_id}", replies)
                claimed = claim_next(tx, wa_id)
                tx.commit()
            stored = time.perf_counter()
            sent = self._deliver(wa_id, claimed)
            handled += 1
            done = msg.id == message_id  # oldest first: nothing earlier is left
            # Where a turn's time goes (README, benchmarks/pipeline_vs_rasa.py): no content.
            log.info(
                "turn #%s: load %.1f ms, dialogue %.1f ms, store %.1f ms, send %.1f ms (%d)",
                msg.id,
                (loaded - started) * 1000,
                (answered - loaded) * 1000,
                (stored - answered) * 1000,
                (time.perf_counter() - stored) * 1000,
                sent,
            )
            if done:
                return f"handled {handled}"

    def _survey_reply(self, tx: UnitOfWork, msg: PendingInbound) -> list[str] | None:
        """An answer to an open satisfaction survey is taken before the dialogue engine
        (None: the engine's turn). Keywords, buttons and attachments-only go to the engine."""
        if keyword_intent(msg.body) or msg.button_payload or not msg.body.strip():
            return None
        return surveys.handle_survey_reply(tx, msg.wa_id, msg.body, self.now())

    def _taken(self, msg: PendingInbound) -> TakenTurn | None:
        return None if self.turn_taken is None else self.turn_taken(msg.wa_id, msg.message_sid)

    def _turns(
        self, msg: PendingInbound, last_try: bool
    ) -> tuple[list[str], dict | None, frozenset[str]]:
        """The replies to one message, and what the NLU understood of its text (None when
        it had no text, or the turn was read back). A request confirmed in the turn is filed
        (verified) before the turn counts as answered."""
        # A retry after Rasa took the turn (the worker died before storing the replies, or
        # the submit was not verified): the replies are in Rasa's tracker; the text is not
        # sent again.
        # Only a message an earlier job gave to Rasa can have been taken.
        taken = self._taken(msg) if msg.dialogue_tried else None
        signals: frozenset[str] = frozenset()
        if taken is not None:
            replies, parse = list(taken.replies), None
        else:
            replies, parse, signals = self._converse(msg)
            # A turn where the person confirmed a request: was it filed?
            taken = self._taken(msg) if SUBMIT_EXPECTED in signals else None
        if taken is not None and taken.submit_pending:
            replies += self._file_confirmed(msg, last_try)
        if len(msg.body) > self.max_chars and not keyword_intent(msg.body):
            limit = f"{self.max_chars:,}".replace(",", ".")
            replies.insert(0, message("long_message").format(limit=limit))
        return replies, parse, signals

    def _converse(self, msg: PendingInbound) -> tuple[list[str], dict | None, frozenset[str]]:
        # No check of the action server first: through MARA's channel a turn that cannot
        # reach it is abandoned by Rasa and answered 503 (nlu/strict_actions.py); this job's
        # retries take it again, as when Rasa itself is down.
        metadata = {
            "message_sid": msg.message_sid,
            "inbound_id": msg.id,
            "media": [{"url": m.url, "content_type": m.content_type} for m in msg.media],
            "text_length": len(msg.body),
        }
        replies: list[str] = []
        parse = None
        signals: frozenset[str] = frozenset()
        for text in dialogue_texts(msg, self.max_chars):
            if text == MEDIA_TRIGGER:
                replies += self.dialogue.converse(msg.wa_id, text, metadata)
            else:
                texts, parse, signals = self.dialogue.converse_with_nlu(msg.wa_id, text, metadata)
                replies += texts
        return replies, parse, signals

    def _file_confirmed(self, msg: PendingInbound, last_try: bool) -> list[str]:
        """The person confirmed a request in this turn and its submit left no result (a
        database error while filing, the action server gone mid-submit, Rasa losing the
        action's events). The submit runs again (the message's source_key files one ticket
        at most); if it still leaves no result the job is retried, and after the last try
        the person hears an apology and the form waits at the summary: "1" files it."""
        # Counted on the message too: a sweep's new job must not start the retries over.
        last_try = last_try or msg.attempts >= self.retries
        try:
            self.dialogue.check_action_server()
            replies = self.dialogue.run_action(msg.wa_id, SUBMIT_ACTION)
        except RasaUnavailable:
            if not last_try:
                raise
            replies = []
        taken = self._taken(msg)
        if taken is None or not taken.submit_pending:
            return replies
        if not last_try:
            raise RasaUnavailable("the confirmed request is not filed yet")
        with self.uow() as tx:
            radicado = filing.radicado_for(tx, filing.whatsapp_source_key(msg.message_sid))
            tx.commit()
        log.warning("inbound #%s: the confirmed request could not be filed", msg.id)
        if radicado is not None:
            # Filed, but its answer was lost: the radicado, and the summary is done.
            text = message("submit_filed_late").format(radicado=radicado)
            self.dialogue.record_outcome(msg.wa_id, text, CONFIRMATION_SLOT)
        else:
            text = message("submit_failed")
            self.dialogue.record_outcome(msg.wa_id, text, CONFIRMATION_SLOT, form=FILING_FORM)
        return [*replies, text]

    def _deliver(self, wa_id: str, claimed_first: Claim | None = None) -> int:
        """Send what the person has pending now, in order; a transient failure leaves the
        rest to a send job with its own retries (the next turn does not wait for Twilio)."""
        delivery = deliver_pending(
            self.uow,
            self.sender,
            wa_id,
            self.status_callback,
            last_try=False,
            claimed_first=claimed_first,
        )
        self._queue_notices(delivery.notices)
        if delivery.retry_id is not None:
            self.jobs.outbound(delivery.retry_id, f"-retry-{secrets.token_hex(4)}")
        return delivery.sent

    def _queue_notices(self, notices: tuple[int, ...]) -> None:
        for notice_id in notices:
            self.jobs.outbound(notice_id)

    def _give_up(self, wa_id: str, message_id: int, error: str) -> None:
        log.warning("inbound #%s: giving up after retries (%s)", message_id, error)
        with self.uow() as tx:
            due = outbox.trouble_notice_due(tx, wa_id)
            inbox.fail_pending(tx, wa_id, message_id, error)
            if due:
                outbox.store_notice(
                    tx,
                    key=f"trouble:{message_id}",
                    wa_id=wa_id,
                    to_address=f"whatsapp:+{wa_id}",
                    body=message("trouble"),
                    kind="trouble",
                )
            tx.commit()
        self._deliver(wa_id)
