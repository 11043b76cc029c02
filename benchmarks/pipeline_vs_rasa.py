"""MARA's pipeline against the same Rasa server's REST channel, in one run, on PostgreSQL + Redis.

    .venv/bin/python benchmarks/pipeline_vs_rasa.py [--people 20] [--workers N] [--rounds 1]
        [--rasa-servers 1] [--burst 600] [--rate 200] [--py-spy PATH] [--twilio-api process]

Starts `mara serve` (PostgreSQL database created for the run, the machine's Redis, database
MARA_BENCH_REDIS_DB or 7) with the Twilio SDK pointed at a local Twilio API (its own process,
twilio_process.py; `--twilio-api flask`: the tests' Flask mock in this process), then:
1. closed loop: `people` conversations at once, `turns` simple questions each (greeting, hours,
   types, deadlines, thanks), straight to the Rasa server's REST channel (`rest`), and the same
   through the signed webhook until the last reply reaches the Twilio API (`pipeline`);
2. open loop: `burst` webhooks at `rate`/s from burst/5 people (5 messages each, sent round
   robin): ack latency, time until all are answered, answered twice, first messages first;
3. where a pipeline turn's time goes (the workers' per-turn log lines) and the CPU load seen;
   with --py-spy, where the first Rasa server's event loop spends its time (rasa_profile.py).
With --status-callbacks the local Twilio API also calls back as Twilio does (sent, delivered,
read: three signed POSTs to /twilio/status per reply, twilio_process.CALLBACKS), so the stack
carries a real day's webhook load; at the end every reply must be `read`.
Needs a trained model in models/ (`mara train`, or a copy of one).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from redis import Redis  # noqa: E402
from sqlalchemy import select  # noqa: E402

from mara.db.models import InboundMessage, OutboundMessage  # noqa: E402
from mara.db.unit_of_work import UnitOfWork  # noqa: E402
from mara.domain.messages import split_body  # noqa: E402
from mara.ops.chat import inbound_form  # noqa: E402
from mara.ops.embedded_redis import free_port  # noqa: E402
from mara.settings import load_settings  # noqa: E402
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, _drop_pg_database, make_database  # noqa: E402
from tests.support.twilio_api import TwilioApi  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
import burst_sender  # noqa: E402
from rasa_profile import Sampler  # noqa: E402
from run_report import breakdown, callbacks_made, final_statuses, pct  # noqa: E402
from stack_cpu import ComponentCpu, CpuMeter  # noqa: E402
from twilio_process import Arrivals, TwilioProcess  # noqa: E402

CONVERSATION = [
    "hola",
    "¿cuál es el horario de atención?",
    "¿qué tipos de pqrs hay?",
    "¿cuánto se demoran en responder?",
    "muchas gracias",
    "buenos días",
    "¿a qué hora abren?",
    "tipos de pqrs",
    "¿cuál es el plazo de respuesta?",
    "gracias",
]
BURST_TEXTS = ["hola", "gracias", "¿a qué hora abren?", "tipos de pqrs", "muchas gracias"]


class CountingApi(TwilioApi):
    """The local Twilio API, noting when each message to each number arrives."""

    def __init__(self, *args):
        super().__init__(*args)
        self.arrivals = Arrivals()
        arrivals = self.arrivals

        class Requests(list):
            def append(self, record):
                super().append(record)
                arrivals.add([(record.form.get("To", ""), time.perf_counter())])

        self.requests = Requests()
        # Keep-alive like the real API (werkzeug answers HTTP/1.0 and closes by default).
        handler = self._server.RequestHandlerClass
        self._server.RequestHandlerClass = type(
            "KeepAliveHandler", (handler,), {"protocol_version": "HTTP/1.1"}
        )

    def wait_count(self, to: str, count: int, timeout: float) -> float | None:
        return self.arrivals.wait_count(to, count, timeout)


# --- the stack ---


def start_stack(args, tmp: Path, api: CountingApi | TwilioProcess):
    url, pg_name = make_database("postgresql", tmp)
    redis_url = f"redis://127.0.0.1:6379/{os.environ.get('MARA_BENCH_REDIS_DB', '7')}"
    Redis.from_url(redis_url).flushdb()
    port = free_port()
    rasa_urls = ",".join(f"http://127.0.0.1:{free_port()}" for _ in range(args.rasa_servers))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "MARA_PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "RASA_URL": rasa_urls,
        "ACTION_SERVER_PORT": str(free_port()),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886",
        "TWILIO_API_BASE_URL": api.base_url,
        "MARA_VAR_DIR": str(tmp / "var"),
        "MARA_WEB_WORKERS": str(args.web_workers),
    }
    if args.workers:
        env["MARA_WORKERS"] = str(args.workers)
    log_path = tmp / "serve.log"
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/mara"), "serve"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"mara serve exited:\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(1)
    else:
        raise SystemExit("mara serve did not become ready in 10 minutes")
    return process, load_settings(env), pg_name, log_path


def stop_stack(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()


# --- closed loop ---


def _connection(url: str) -> http.client.HTTPConnection:
    """One kept-alive connection per conversation, for either arm alike. http.client rather
    than requests: the clock runs from the request's first byte to its answer read, and the
    client's own CPU (it shares the 2 cores) stays small on both sides."""
    target = urlsplit(url)
    return http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=120)


def _post(connection: http.client.HTTPConnection, path: str, body: bytes, headers) -> bytes:
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        # The server closed the kept-alive connection while it was idle (gunicorn keeps one
        # 2 s) before reading this request: send it again on a new one.
        connection.close()
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"POST {path} answered {response.status}")
    return data


def rest_conversation(rasa_url: str, sender: str, counts: list[int] | None) -> list[float]:
    connection = _connection(rasa_url)
    headers = {"Content-Type": "application/json"}
    bodies = [json.dumps({"sender": sender, "message": text}).encode() for text in CONVERSATION]
    latencies = []
    try:
        for body in bodies:
            started = time.perf_counter()
            data = _post(connection, "/webhooks/rest/webhook", body, headers)
            latencies.append(time.perf_counter() - started)
            if counts is not None:
                texts = [m["text"] for m in json.loads(data) if m.get("text")]
                counts.append(sum(len(split_body(t)) for t in texts))
    finally:
        connection.close()
    return latencies


def pipeline_conversation(
    settings, api: CountingApi | TwilioProcess, wa: str, expected: list[int]
) -> list:
    to = f"whatsapp:+{wa}"
    # Signed beforehand, as the burst's: Twilio signs on its side of the wire.
    turns = [burst_sender.signed_request(settings, inbound_form(to, t)) for t in CONVERSATION]
    connection = _connection(f"http://127.0.0.1:{settings.port}")
    latencies: list[float] = []
    received = 0
    try:
        for (body, headers), replies in zip(turns, expected, strict=True):
            started = time.perf_counter()
            _post(connection, burst_sender.PATH, body, headers)
            received += replies
            arrived = api.wait_count(to, received, timeout=120)
            if arrived is None:
                raise RuntimeError(f"turn {received} of {to} was not answered in 120 s")
            latencies.append(arrived - started)
    finally:
        connection.close()
    return latencies


def closed_loop(name: str, people: int, run, sampler=None) -> tuple[float, list[float]]:
    if sampler:
        sampler.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=people) as pool:
        results = list(pool.map(run, range(people)))
    elapsed = time.perf_counter() - started
    profile = sampler.stop() if sampler else None
    latencies = [x for r in results for x in r[: len(CONVERSATION)]]
    rate = len(latencies) / elapsed
    print(
        f"  {name:9s} {len(latencies)} turns in {elapsed:6.1f} s: {rate:5.1f} turns/s  "
        f"p50 {pct(latencies, 50) * 1000:6.0f} ms  p95 {pct(latencies, 95) * 1000:6.0f} ms"
    )
    if profile:
        print(f"            {profile}")
    return rate, latencies


# --- open-loop burst ---


def burst(settings, api: CountingApi | TwilioProcess, total: int, rate: float) -> dict:
    people = max(1, total // len(BURST_TEXTS))
    plan = [
        (j * people + i, f"5731{i:08d}", BURST_TEXTS[j % len(BURST_TEXTS)])
        for j in range(total // people)
        for i in range(people)
    ]
    # Started (and its imports done) before t0, so the first post is on time.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as sender:
        sender.submit(burst_sender.ready).result()
        t0 = time.perf_counter() + 0.5
        acks, statuses, last_sent = sender.submit(
            burst_sender.send, settings, plan, rate, t0
        ).result()
    wa_ids = {wa for _, wa, _ in plan}
    # Wait until every burst message is answered and its replies sent (or 5 minutes).
    while time.perf_counter() - last_sent < 300:
        with UnitOfWork(settings.database_url) as uow:
            waiting = uow.session.scalar(
                select(InboundMessage.id)
                .where(InboundMessage.wa_id.in_(wa_ids), InboundMessage.status == "pending")
                .limit(1)
            ) or uow.session.scalar(
                select(OutboundMessage.id)
                .where(
                    OutboundMessage.wa_id.in_(wa_ids),
                    OutboundMessage.status.in_(("pending", "sending")),
                )
                .limit(1)
            )
        if not waiting:
            break
        time.sleep(0.5)
    done = time.perf_counter()
    return analyse_burst(settings, api, wa_ids, acks, statuses, t0, last_sent, done)


def analyse_burst(settings, api, wa_ids, acks, statuses, t0, last_sent, done) -> dict:
    sid_at = {r.sid: r.at for r in api.messages() if r.sid}
    # Both local APIs stamp records with time.monotonic(); perf_counter here: rebase.
    offset = time.perf_counter() - time.monotonic()
    with UnitOfWork(settings.database_url) as uow:
        inbound = uow.session.execute(
            select(InboundMessage.id, InboundMessage.wa_id, InboundMessage.status)
            .where(InboundMessage.wa_id.in_(wa_ids))
            .order_by(InboundMessage.id)
        ).all()
        outbound = uow.session.execute(
            select(OutboundMessage.in_reply_to_id, OutboundMessage.provider_sid).where(
                OutboundMessage.wa_id.in_(wa_ids)
            )
        ).all()
    answered_at: dict[int, float] = {}
    for reply_to, sid in outbound:
        if reply_to is not None and sid in sid_at:
            answered_at[reply_to] = max(answered_at.get(reply_to, 0.0), sid_at[sid] + offset)
    per_person: dict[str, list[int]] = defaultdict(list)
    for row in inbound:
        per_person[row.wa_id].append(row.id)
    firsts = [answered_at.get(ids[0], float("inf")) for ids in per_person.values()]
    lasts = [answered_at.get(ids[-1], float("inf")) for ids in per_person.values()]
    sent_to_burst = sum(
        1 for r in api.messages() if r.form.get("To", "").removeprefix("whatsapp:+") in wa_ids
    )
    late_firsts = sum(1 for f in firsts if f > min(lasts))
    return {
        "webhooks": len(acks),
        "non_200": sum(1 for s in statuses if s != 200),
        "ack_p50_ms": pct(acks, 50) * 1000,
        "ack_p99_ms": pct(acks, 99) * 1000,
        "sent_over_s": last_sent - t0,
        "answered": sum(1 for r in inbound if r.status == "processed"),
        "all_answered_after_s": done - t0,
        "within_60s": sum(1 for t in answered_at.values() if t - t0 <= 60),
        "outbound_rows": len(outbound),
        "twilio_requests": sent_to_burst,
        "late_firsts": late_firsts,
        "people": len(per_person),
    }


# --- where the time goes ---


def report_closed_loop(rest_rates, pipe_rates, rest_lat, pipe_lat, log_path: Path) -> None:
    rest_rate, pipe_rate = statistics.mean(rest_rates), statistics.mean(pipe_rates)
    print(
        f"closed loop: pipeline {pipe_rate:.1f} turns/s vs Rasa REST {rest_rate:.1f} turns/s "
        f"= {pipe_rate / rest_rate:.2f}×; p95 {pct(pipe_lat, 95) * 1000:.0f} ms vs "
        f"{pct(rest_lat, 95) * 1000:.0f} ms = {pct(pipe_lat, 95) / pct(rest_lat, 95):.2f}×; "
        f"p50 {pct(pipe_lat, 50) * 1000:.0f} ms vs {pct(rest_lat, 50) * 1000:.0f} ms"
    )
    print(breakdown(log_path.read_text(errors="replace")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None, help="default: MARA_WORKERS")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--rasa-servers", type=int, default=1)
    parser.add_argument("--burst", type=int, default=600)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--rounds", type=int, default=1, help="0: the burst alone")
    parser.add_argument("--py-spy", default=None, help="py-spy's path: sample Rasa's loop")
    parser.add_argument(
        "--status-callbacks",
        action="store_true",
        help="the local Twilio API calls back sent, delivered and read for every reply",
    )
    parser.add_argument(
        "--twilio-api",
        choices=("process", "flask"),
        default="process",
        help="the local Twilio API: its own process, or the tests' Flask mock in this one",
    )
    args = parser.parse_args()

    api: CountingApi | TwilioProcess
    if args.twilio_api == "process":
        api = TwilioProcess(ACCOUNT_SID, AUTH_TOKEN, callbacks=args.status_callbacks).start()
    elif args.status_callbacks:
        parser.error("--status-callbacks needs --twilio-api process")
    else:
        api = CountingApi(ACCOUNT_SID, AUTH_TOKEN)
        api.start()
    tmp = Path(tempfile.mkdtemp(prefix="mara-bench-"))
    print(
        f"starting mara serve (PostgreSQL, Redis, {os.cpu_count()} cores, Twilio API: "
        f"{args.twilio_api}{', status callbacks' if args.status_callbacks else ''}; "
        f"logs in {tmp})"
    )
    process, settings, pg_name, log_path = start_stack(args, tmp, api)
    try:
        rasa_url = settings.rasa_urls[0]
        counts: list[int] = []
        rest_conversation(rasa_url, "bench-warmup", counts)
        expected = counts
        # Warm the pipeline too (first SQL compiles, connections, Rasa's first turns).
        pipeline_conversation(settings, api, "573990000000", expected)
        cpu = CpuMeter()
        parts = ComponentCpu(process.pid, settings.database_url.rsplit("/", 1)[1])
        sampler = Sampler(args.py_spy, parts.rasa_pid()) if args.py_spy else None
        rest_rates, pipe_rates, rest_lat, pipe_lat = [], [], [], []
        for r in range(args.rounds):
            print(f"round {r + 1}: {args.people} conversations × {len(CONVERSATION)} turns")
            cpu.start()
            parts.start()
            rate, lat = closed_loop(
                "rasa REST",
                args.people,
                lambda i, r=r: rest_conversation(rasa_url, f"rest-{r}-{i}", None),
                sampler,
            )
            print(f"            {cpu.stop()}")
            print(f"            {parts.report(len(lat))}")
            rest_rates.append(rate)
            rest_lat += lat
            cpu.start()
            parts.start()
            made = len(getattr(api, "callbacks", []))
            rate, lat = closed_loop(
                "pipeline",
                args.people,
                lambda i, r=r: pipeline_conversation(
                    settings, api, f"5739{r:02d}{i:06d}", expected
                ),
                sampler,
            )
            print(f"            {cpu.stop()}")
            print(f"            {parts.report(len(lat))}")
            if callbacks := callbacks_made(api, made):
                print(f"            {callbacks}")
            pipe_rates.append(rate)
            pipe_lat += lat
        if args.rounds:
            report_closed_loop(rest_rates, pipe_rates, rest_lat, pipe_lat, log_path)
        if args.burst:
            cpu.start()
            made = len(getattr(api, "callbacks", []))
            b = burst(settings, api, args.burst, args.rate)
            print(
                f"burst: {b['webhooks']} webhooks from {b['people']} people in "
                f"{b['sent_over_s']:.1f} s; ack p50 {b['ack_p50_ms']:.0f} ms, "
                f"p99 {b['ack_p99_ms']:.0f} ms, non-200 {b['non_200']}"
            )
            print(
                f"       answered {b['answered']}/{b['webhooks']}, all done "
                f"{b['all_answered_after_s']:.1f} s after the first webhook; replies within "
                f"60 s for {b['within_60s']} messages; outbound rows {b['outbound_rows']}, "
                f"Twilio requests {b['twilio_requests']} (equal: none sent twice); people whose "
                f"first message was answered after someone's last: {b['late_firsts']}"
            )
            print(f"       {cpu.stop()}")
            if callbacks := callbacks_made(api, made):
                print(f"       {callbacks}")
        if args.status_callbacks and isinstance(api, TwilioProcess):
            print(final_statuses(settings, api))
    finally:
        stop_stack(process)
        api.stop()
        _drop_pg_database(pg_name)


if __name__ == "__main__":
    main()
