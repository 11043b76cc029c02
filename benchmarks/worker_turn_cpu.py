"""The worker's own CPU per turn: `handle_inbound` on PostgreSQL with a dialogue engine that
answers at once (two replies), replies sent with the twilio SDK to a local Twilio API.

    .venv/bin/python benchmarks/worker_turn_cpu.py [--turns 400] [--profile] [--twilio-api process]

Prints CPU milliseconds per turn in this process (the worker's share of a pipeline turn,
Rasa's own and RQ's bookkeeping excluded) and, with --profile, the functions that cost most.
Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (database MARA_BENCH_REDIS_DB or 7).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select  # noqa: E402

from mara import bootstrap  # noqa: E402
from mara.adapters.twilio_form import parse_inbound  # noqa: E402
from mara.db.engine import get_engine  # noqa: E402
from mara.db.models import InboundMessage, OutboundMessage  # noqa: E402
from mara.db.unit_of_work import UnitOfWork  # noqa: E402
from mara.jobs import messages as jobs  # noqa: E402
from mara.ops.chat import inbound_form  # noqa: E402
from mara.services import inbox  # noqa: E402
from mara.settings import load_settings  # noqa: E402
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, _drop_pg_database, make_database  # noqa: E402
from tests.support.dialogue import with_dialogue  # noqa: E402
from tests.support.twilio_api import TwilioApi  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from twilio_process import TwilioProcess  # noqa: E402


class InstantDialogue:
    """Rasa's part of a turn taken away: two replies, no network (not the tests'
    ScriptedDialogue: its locks and bookkeeping would be counted as the worker's CPU)."""

    def check_action_server(self) -> None:
        pass

    def converse(self, sender: str, text: str, metadata: dict) -> list[str]:
        # The text in the reply: no turn repeats the last two (no loop breaker).
        return [f"Recibí «{text}». Nuestro horario es de lunes a viernes.", "¿Algo más?"]

    def converse_with_nlu(self, sender: str, text: str, metadata: dict):
        nlu = {"text": text, "intent": {"name": "ask_hours", "confidence": 0.93}, "entities": []}
        return self.converse(sender, text, metadata), nlu, frozenset()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--twilio-api",
        choices=("process", "flask"),
        default="process",
        help="process: the API in its own process (the worker's CPU alone); flask: the tests' "
        "mock in this process's threads, its CPU counted with the worker's (before 2026-12-04)",
    )
    args = parser.parse_args()

    api_class = TwilioProcess if args.twilio_api == "process" else TwilioApi
    api = api_class(ACCOUNT_SID, AUTH_TOKEN).start()
    tmp = Path(tempfile.mkdtemp(prefix="mara-worker-cpu-"))
    url, pg_name = make_database("postgresql", tmp)
    db = os.environ.get("MARA_BENCH_REDIS_DB", "7")
    os.environ.update(
        {
            "DATABASE_URL": url,
            "REDIS_URL": f"redis://127.0.0.1:6379/{db}",
            "MARA_VAR_DIR": str(tmp / "var"),
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886",
            "TWILIO_API_BASE_URL": api.base_url,
            "PUBLIC_URL": "https://mara.example.co",
        }
    )
    try:
        runtime = bootstrap.build(load_settings())
        runtime = with_dialogue(runtime, InstantDialogue())
        people = [f"5730000{i:05d}" for i in range(args.people)]

        def receive(n: int) -> int:
            form = inbound_form(f"whatsapp:+{people[n % len(people)]}", f"hola {n}")
            with UnitOfWork(url) as uow:
                message_id, _ = inbox.record_inbound(uow, parse_inbound(form))
                uow.commit()
            return message_id

        for n in range(20):  # warm: pools, compiled statements, the SDK's client
            jobs.handle_inbound(receive(n), runtime)
        ids = [receive(n) for n in range(args.turns)]
        # Statements and transactions (a BEGIN and a COMMIT each) the turns send to
        # PostgreSQL; a unit of work in autocommit sends its statements alone.
        counts = {"statements": 0, "transactions": 0}

        def count(key: str):
            return lambda *_: counts.__setitem__(key, counts[key] + 1)

        engine = get_engine(url)
        event.listen(engine, "before_cursor_execute", count("statements"))

        def transaction(conn) -> None:
            if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                counts["transactions"] += 1

        event.listen(engine, "commit", transaction)
        # This thread's CPU time: waiting on PostgreSQL or the local API (its threads) is not shown.
        profile = cProfile.Profile(time.thread_time) if args.profile else None
        # With the API in this process (flask), its threads' CPU is counted; with the API in
        # its own process, this thread's alone (not the thread that reads the API's reports).
        clock = time.process_time if args.twilio_api == "flask" else time.thread_time
        cpu, wall = clock(), time.perf_counter()
        if profile:
            profile.enable()
        for message_id in ids:
            jobs.handle_inbound(message_id, runtime)
        if profile:
            profile.disable()
        cpu, wall = clock() - cpu, time.perf_counter() - wall
        # The work was done: every message answered, every reply sent once and recorded.
        with UnitOfWork(url) as uow:
            inbound = Counter(uow.session.scalars(select(InboundMessage.status)))
            outbound = uow.session.execute(
                select(OutboundMessage.status, OutboundMessage.provider_sid)
            ).all()
        turns = args.turns + 20
        deadline = time.monotonic() + 30
        while len(api.messages()) < 2 * turns and time.monotonic() < deadline:
            time.sleep(0.05)  # the API process reports what it accepted in batches
        sids = {m.sid for m in api.messages()}
        assert inbound == {"processed": turns}, inbound
        assert len(sids) == len(outbound) == 2 * turns, (len(sids), len(outbound))
        assert {sid for _, sid in outbound} == sids and {s for s, _ in outbound} == {"queued"}
        where = "included" if args.twilio_api == "flask" else "in its own process, not counted"
        print(
            f"{args.turns} turns (2 replies each): worker CPU {cpu / args.turns * 1000:.1f} ms "
            f"per turn (local Twilio API {where}), wall {wall / args.turns * 1000:.1f} ms; "
            f"{counts['statements'] / args.turns:.1f} statements and "
            f"{counts['transactions'] / args.turns:.1f} transactions per turn"
        )
        if profile:
            pstats.Stats(profile).sort_stats(os.environ.get("PSORT", "cumulative")).print_stats(40)
    finally:
        api.stop()
        if pg_name:
            _drop_pg_database(pg_name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
