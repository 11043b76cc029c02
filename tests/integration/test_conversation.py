"""The conversation use case on a real database, Redis and Twilio API, with a scripted
dialogue engine in place of Rasa: order, exactly-once, locks that never make a job wait."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from mara import bootstrap, clock
from mara.adapters.rasa import RasaUnavailable
from mara.adapters.redis_queue import PersonLocks
from mara.adapters.twilio_form import parse_inbound
from mara.clock import utcnow
from mara.db.models import InboundMessage
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import FILING_FORM, SUBMIT_EXPECTED, TakenTurn
from mara.jobs import messages as jobs
from mara.jobs.worker import LeanWorker
from mara.ops.chat import inbound_form
from mara.policy.messages import message
from mara.services import contact, filing, inbox
from tests.support.dialogue import ScriptedDialogue, with_dialogue
from tests.support.filing import file_with_consent

WA = "573001112233"
TO = f"whatsapp:+{WA}"


@pytest.fixture
def runtime(settings):
    return bootstrap.build(replace(settings, lock_ttl=2))


def receive(settings, body: str, wa: str = WA) -> int:
    with UnitOfWork(settings.database_url) as uow:
        message_id, _ = inbox.record_inbound(
            uow, parse_inbound(inbound_form(f"whatsapp:+{wa}", body))
        )
        uow.commit()
    return message_id


def statuses(settings) -> list[str]:
    with UnitOfWork(settings.database_url) as uow:
        return list(uow.session.scalars(select(InboundMessage.status).order_by(InboundMessage.id)))


def sent_bodies(twilio_api, to: str = TO) -> list[str]:
    return [r.form["Body"] for r in twilio_api.messages(to)]


def run_queued_jobs(runtime) -> None:
    """What a worker would do with the queue (continuations included), in this process."""
    bootstrap.install(runtime)
    try:
        queue = Queue(
            runtime.settings.queue_name, connection=Redis.from_url(runtime.settings.redis_url)
        )
        LeanWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        bootstrap.install(None)


def test_a_job_answers_and_sends_without_touching_the_environment(settings, runtime, twilio_api):
    rt = with_dialogue(runtime, ScriptedDialogue())
    message_id = receive(settings, "hola")
    assert jobs.handle_inbound(message_id, rt) == "handled 1"
    assert sent_bodies(twilio_api) == ["eco: hola"]
    # A redelivered or retried job answers nothing twice.
    assert jobs.handle_inbound(message_id, rt) == "handled 0"
    assert sent_bodies(twilio_api) == ["eco: hola"]
    assert statuses(settings) == ["processed"]


def test_an_open_handoff_keeps_the_bot_quiet_until_released(settings, runtime, twilio_api):
    """The handoff is read with the message: while an adviser has the chat the message is
    stored for them and nothing goes to the dialogue engine; released, the bot answers."""
    dialogue = ScriptedDialogue()
    rt = with_dialogue(runtime, dialogue)
    now = clock.now()
    with UnitOfWork(settings.database_url) as uow:
        contact.request_handoff(uow, WA, now)
        uow.commit()
    assert jobs.handle_inbound(receive(settings, "¿me atienden?"), rt) == "handled 1"
    assert (statuses(settings), dialogue.seen, sent_bodies(twilio_api)) == (["handoff"], [], [])
    with UnitOfWork(settings.database_url) as uow:
        assert contact.release_handoff(uow, WA, now, "adviser")
        uow.commit()
    assert jobs.handle_inbound(receive(settings, "gracias"), rt) == "handled 1"
    assert statuses(settings) == ["handoff", "processed"]
    assert sent_bodies(twilio_api) == ["eco: gracias"]


def test_what_the_nlu_understood_is_stored_with_the_message(settings, runtime, twilio_api):
    from mara.db.models import InboundNlu

    message_id = receive(settings, "quiero poner una queja")
    assert jobs.handle_inbound(message_id, with_dialogue(runtime, ScriptedDialogue())) == (
        "handled 1"
    )
    with UnitOfWork(settings.database_url) as uow:
        row = uow.session.get(InboundNlu, message_id)
        assert row is not None and (row.intent, row.wa_id) == ("eco", WA)


def test_only_a_message_an_earlier_job_gave_to_rasa_is_looked_up_in_its_tracker(
    settings, runtime, twilio_api
):
    asked: list[str] = []

    def taken(wa_id: str, sid: str) -> TakenTurn | None:
        asked.append(sid)
        return TakenTurn(("respuesta que Rasa ya dio",))

    dialogue = ScriptedDialogue()
    rt = with_dialogue(runtime, dialogue)
    rt = replace(rt, conversation=replace(rt.conversation, turn_taken=taken))
    first = receive(settings, "hola")
    assert jobs.handle_inbound(first, rt) == "handled 1"
    # A first try goes straight to the dialogue engine: no tracker lookup.
    assert asked == [] and dialogue.seen == ["hola"]

    # A job died after giving the next message to Rasa: the retry reads the tracker and
    # sends what Rasa answered then, without sending the text to Rasa again.
    second = receive(settings, "1")
    with UnitOfWork(settings.database_url) as uow:
        uow.session.get(InboundMessage, second).dialogue_at = utcnow()
        uow.commit()
    assert jobs.handle_inbound(second, rt) == "handled 1"
    assert len(asked) == 1 and dialogue.seen == ["hola"]
    assert sent_bodies(twilio_api) == ["eco: hola", "respuesta que Rasa ya dio"]


def test_dialogue_sees_a_bounded_prefix_and_the_full_text_stays_stored(
    settings, runtime, twilio_api
):
    dialogue = ScriptedDialogue()
    body = "queja " * 11_000  # 66,000 characters
    message_id = receive(settings, body)
    jobs.handle_inbound(message_id, with_dialogue(runtime, dialogue))
    assert [len(t) for t in dialogue.seen] == [1000]
    long_notice, answer = sent_bodies(twilio_api)
    assert "primeros 1.000 caracteres" in long_notice and answer == "eco: queja queja queja qu"
    with UnitOfWork(settings.database_url) as uow:
        assert uow.session.get(InboundMessage, message_id).body == body


def test_concurrent_messages_of_one_person_are_answered_once_in_order(
    settings, runtime, twilio_api
):
    dialogue = ScriptedDialogue(delay=0.05)
    rt = with_dialogue(runtime, dialogue)
    ids = [receive(settings, f"mensaje {i}") for i in range(6)]
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda m=m: results.append(jobs.handle_inbound(m, rt))) for m in ids
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Jobs that found the person busy returned at once; the holder queued the rest.
    run_queued_jobs(rt)
    assert dialogue.most_at_once == 1
    assert dialogue.seen == [f"mensaje {i}" for i in range(6)]
    assert sent_bodies(twilio_api) == [f"eco: mensaje {i}" for i in range(6)]
    assert statuses(settings) == ["processed"] * 6


def test_a_job_never_waits_for_a_busy_person(settings, runtime, twilio_api):
    rt = with_dialogue(runtime, ScriptedDialogue())
    message_id = receive(settings, "hola")
    with rt.locks.hold(WA) as held:
        assert held
        started = time.monotonic()
        assert jobs.handle_inbound(message_id, rt).startswith("deferred")
        assert time.monotonic() - started < 1
    assert statuses(settings) == ["pending"]
    assert held.noted  # the deferred job's note, taken with the release


def test_a_killed_jobs_lock_frees_the_person_within_its_ttl(settings, runtime, twilio_api):
    """A work-horse killed while holding a person's lock blocks them for at most the TTL."""
    code = (
        "import sys, time\n"
        "from redis import Redis\n"
        "from mara.adapters.redis_queue import PersonLocks\n"
        "locks = PersonLocks(Redis.from_url(sys.argv[1]), ttl=2)\n"
        f"with locks.hold({WA!r}) as held:\n"
        "    print(bool(held), flush=True)\n"
        "    time.sleep(600)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, runtime.settings.redis_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "True"
        time.sleep(3)  # renewed while the holder lives: still taken after its TTL
        locks = PersonLocks(runtime.redis, ttl=2)
        assert not locks.is_free(WA)
    finally:
        holder.kill()
        holder.wait()
    killed_at = time.monotonic()
    while not locks.is_free(WA):
        assert time.monotonic() - killed_at < 5, "the dead job's lock still blocks the person"
        time.sleep(0.1)
    message_id = receive(settings, "hola")
    assert jobs.handle_inbound(message_id, with_dialogue(runtime, ScriptedDialogue())) == (
        "handled 1"
    )


def test_a_release_takes_the_note_and_leaves_a_lock_no_longer_ours(redis_url):
    """One script releases and takes the note: a lock that expired under us and was taken
    by another job stays theirs, and the note left meanwhile is reported once."""
    redis = Redis.from_url(redis_url)
    locks = PersonLocks(redis, ttl=5)
    wa = "573001110003"
    with locks.hold(wa) as mine:
        assert mine and not mine.noted
        redis.delete(f"mara:person:{wa}")  # ours expired while we were paused...
        theirs = redis.lock(f"mara:person:{wa}", timeout=5)
        assert theirs.acquire(blocking=False)  # ...and another job took it
        locks.mark_waiting(wa)
    try:
        assert mine.noted
        assert theirs.owned() and not locks.is_free(wa)
        assert not redis.exists(f"mara:person:{wa}:waiting")  # taken with the release
    finally:
        theirs.release()
    with locks.hold(wa) as again:
        assert again
    assert not again.noted and locks.is_free(wa)


def test_one_thread_renews_every_lock_a_process_holds_then_ends(redis_url):
    """Two people's locks held at once past their TTL stay held; once released, the
    renewing thread ends, and the next hold starts another."""
    locks = PersonLocks(Redis.from_url(redis_url), ttl=1)
    other = PersonLocks(Redis.from_url(redis_url), ttl=1)
    before = set(threading.enumerate())  # other tests' renewers may still be finishing
    with locks.hold("573001110001") as first, locks.hold("573001110002") as second:
        assert first and second
        time.sleep(2.5)
        assert not other.is_free("573001110001") and not other.is_free("573001110002")
        renewers = [t for t in set(threading.enumerate()) - before if t.name == "person-locks"]
        assert len(renewers) == 1
    assert other.is_free("573001110001") and other.is_free("573001110002")
    renewers[0].join(2)
    assert not renewers[0].is_alive()
    with locks.hold("573001110001") as held:
        assert held
        time.sleep(1.5)
        assert not other.is_free("573001110001")


def test_rasa_down_retries_then_one_kind_notice(settings, runtime, twilio_api, monkeypatch):
    rt = with_dialogue(runtime, ScriptedDialogue(down=True))
    message_id = receive(settings, "hola")
    monkeypatch.setattr(jobs, "_is_last_try", lambda: False)
    with pytest.raises(RasaUnavailable):
        jobs.handle_inbound(message_id, rt)
    assert statuses(settings) == ["pending"]
    monkeypatch.setattr(jobs, "_is_last_try", lambda: True)
    assert jobs.handle_inbound(message_id, rt) == "failed; left for mara replay"
    assert statuses(settings) == ["failed"]
    [notice] = sent_bodies(twilio_api)
    assert "problemas" in notice


def test_twilio_down_does_not_hold_the_turn_and_replies_go_out_in_order_later(
    settings, runtime, twilio_api
):
    rt = with_dialogue(runtime, ScriptedDialogue())
    twilio_api.fail_next(500)
    first = receive(settings, "uno")
    assert jobs.handle_inbound(first, rt) == "handled 1"
    assert statuses(settings) == ["processed"]
    assert sent_bodies(twilio_api) == []
    second = receive(settings, "dos")
    assert jobs.handle_inbound(second, rt) == "handled 1"
    run_queued_jobs(rt)  # the send job queued after the failure finds nothing left
    assert sent_bodies(twilio_api) == ["eco: uno", "eco: dos"]


def test_messages_a_dead_job_left_pending_are_queued_again(settings, runtime, twilio_api):
    rt = with_dialogue(runtime, ScriptedDialogue())
    receive(settings, "hola")
    other = receive(settings, "buenas", wa="573009998877")
    with rt.locks.hold("573009998877"):
        # A live job holds the other person: theirs is not taken from it.
        assert rt.conversation.requeue_stale(0) == 1
    run_queued_jobs(rt)
    assert sent_bodies(twilio_api) == ["eco: hola"]
    assert statuses(settings) == ["processed", "pending"]
    assert jobs.handle_inbound(other, rt) == "handled 1"


class LostSubmitDialogue(ScriptedDialogue):
    """A confirming turn whose submit leaves no result (its events lost) until `files_on`
    runs of the submit; the tracker read back says so (`taken`)."""

    def __init__(self, files_on: int | None = None):
        super().__init__()
        self.files_on = files_on
        self.submits = 0
        self.outcomes: list[tuple[str, str | None]] = []

    def converse_with_nlu(self, sender: str, text: str, metadata: dict):
        self.seen.append(text)
        return [], None, frozenset({SUBMIT_EXPECTED})

    def run_action(self, sender: str, name: str) -> list[str]:
        assert name == "action_submit_pqrs"
        self.submits += 1
        return ["✅ radicado"] if self.submits == self.files_on else []

    def record_outcome(self, sender: str, text: str, slot: str, form: str | None = None):
        self.outcomes.append((text, form))

    def taken(self, wa_id: str, message_sid: str) -> TakenTurn | None:
        if not self.seen:
            return None
        return TakenTurn((), submit_pending=self.submits != self.files_on)


def with_lost_submit(runtime, dialogue: LostSubmitDialogue):
    conversation = replace(runtime.conversation, dialogue=dialogue, turn_taken=dialogue.taken)
    return replace(runtime, conversation=conversation)


def sid_of(settings, message_id: int) -> str:
    with UnitOfWork(settings.database_url) as uow:
        return uow.session.get(InboundMessage, message_id).message_sid


def test_a_confirmed_request_not_filed_is_submitted_again_once(settings, runtime, twilio_api):
    dialogue = LostSubmitDialogue(files_on=1)
    message_id = receive(settings, "1")
    assert jobs.handle_inbound(message_id, with_lost_submit(runtime, dialogue)) == "handled 1"
    assert (dialogue.seen, dialogue.submits) == (["1"], 1)
    assert sent_bodies(twilio_api) == ["✅ radicado"]


def test_a_submit_that_keeps_failing_is_retried_then_apologized_with_the_form_kept(
    settings, runtime, twilio_api
):
    dialogue = LostSubmitDialogue()
    rt = with_lost_submit(runtime, dialogue)
    rt = replace(rt, conversation=replace(rt.conversation, retries=2))
    message_id = receive(settings, "1")
    for _ in range(2):
        with pytest.raises(RasaUnavailable):
            rt.conversation.answer(message_id, last_try=False)
        assert statuses(settings) == ["pending"] and sent_bodies(twilio_api) == []
    # A job with retries left (a sweep's) after two failed tries: the last try. The turn is
    # read back each time (the text is not sent again); the submit ran once per try.
    assert rt.conversation.answer(message_id, last_try=False) == "handled 1"
    assert (dialogue.seen, dialogue.submits) == (["1"], 3)
    assert dialogue.outcomes == [(message("submit_failed"), FILING_FORM)]
    assert sent_bodies(twilio_api) == [message("submit_failed")]
    assert statuses(settings) == ["processed"]


def test_a_request_filed_whose_answer_was_lost_gets_its_radicado_not_an_apology(
    settings, runtime, twilio_api
):
    dialogue = LostSubmitDialogue()
    message_id = receive(settings, "si")
    with UnitOfWork(settings.database_url) as uow:
        filed = file_with_consent(
            uow, WA, source_key=filing.whatsapp_source_key(sid_of(settings, message_id))
        )
        uow.commit()
    assert jobs.handle_inbound(message_id, with_lost_submit(runtime, dialogue)) == "handled 1"
    late = message("submit_filed_late").format(radicado=filed.radicado)
    assert dialogue.outcomes == [(late, None)]
    assert sent_bodies(twilio_api) == [late]


def test_a_finished_job_leaves_nothing_in_redis(settings, runtime, twilio_api):
    """The outcome is in the database: RQ keeps no result, job hash or registry entry."""
    rt = with_dialogue(runtime, ScriptedDialogue())
    rt.jobs.inbound(receive(settings, "hola"))
    run_queued_jobs(rt)
    assert sent_bodies(twilio_api) == ["eco: hola"]
    redis = Redis.from_url(settings.redis_url)
    queue = Queue(settings.queue_name, connection=redis)
    assert queue.count == 0
    assert queue.finished_job_registry.count == 0
    assert not list(redis.scan_iter("rq:job:*")) and not list(redis.scan_iter("rq:results:*"))


def test_an_enqueued_job_is_stored_pushed_and_its_queue_registered_at_once(settings, runtime):
    """JobQueue sends RQ's writes in one transaction: all of them land, or none."""
    redis = Redis.from_url(settings.redis_url)
    queue = Queue(settings.queue_name, connection=redis)
    runtime.jobs.inbound(41, suffix="-probe")
    job = queue.fetch_job("inbound-41-probe")
    assert queue.job_ids == ["inbound-41-probe"]
    assert job.result_ttl == 0 and job.retries_left == len(settings.retry_intervals)
    assert job.args == (41,) and job.func_name == "mara.jobs.messages.handle_inbound"
    assert settings.queue_name in [q.name for q in Queue.all(connection=redis)]
    queue.empty()
