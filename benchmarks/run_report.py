"""Figures benchmarks/pipeline_vs_rasa.py prints: percentiles, where a pipeline turn's time
goes (from the workers' log lines), and what the local Twilio API's status callbacks did."""

from __future__ import annotations

import re
import statistics
import time
from collections import defaultdict

from sqlalchemy import func, select
from twilio_process import CALLBACKS, TwilioProcess

from mara.db.models import OutboundMessage
from mara.db.unit_of_work import UnitOfWork


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


TURN_LINE = re.compile(
    r"turn #\d+: load ([\d.]+) ms, dialogue ([\d.]+) ms, store ([\d.]+) ms, send ([\d.]+) ms"
)
JOB_LINE = re.compile(r"handle_inbound\(\d+\) job in (\d+):(\d+):([\d.]+)s")


def breakdown(log_text: str) -> str:
    phases: dict[str, list[float]] = defaultdict(list)
    for m in TURN_LINE.finditer(log_text):
        for name, value in zip(("load", "dialogue", "store", "send"), m.groups(), strict=True):
            phases[name].append(float(value))
    jobs = [
        (int(h) * 3600 + int(mi) * 60 + float(s)) * 1000 for h, mi, s in JOB_LINE.findall(log_text)
    ]
    if not jobs:
        return "  (no per-turn log lines found)"
    parts = [f"{k} {statistics.median(v):.1f}" for k, v in phases.items()]
    turn_sum = sum(statistics.median(v) for v in phases.values())
    return (
        f"  per turn (medians, ms): {', '.join(parts)}; whole handle_inbound job "
        f"{statistics.median(jobs):.1f} (RQ overhead ≈ {statistics.median(jobs) - turn_sum:.1f})"
        f"; {len(jobs)} jobs"
    )


def callbacks_made(api, since: int) -> str:
    """The status callbacks made since the `since`-th: how many, answers, latency."""
    made = api.callbacks[since:] if isinstance(api, TwilioProcess) and api.calls_back else []
    if not made:
        return ""
    seconds = [c.seconds for c in made]
    refused = sum(1 for c in made if c.status != 204)
    return (
        f"status callbacks {len(made)} (not 204: {refused}), answered p50 "
        f"{pct(seconds, 50) * 1000:.0f} ms, p99 {pct(seconds, 99) * 1000:.0f} ms"
    )


def final_statuses(settings, api: TwilioProcess) -> str:
    """Once Twilio's callbacks are all made (or a minute has passed): every reply's status."""
    expected = len(CALLBACKS) * sum(1 for m in api.messages() if m.form.get("StatusCallback"))
    deadline = time.monotonic() + 60
    while len(api.callbacks) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    with UnitOfWork(settings.database_url) as uow:
        rows = uow.session.execute(
            select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)
        ).all()
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(rows))
    return (
        f"status callbacks: {len(api.callbacks)} of {expected} made, "
        f"{sum(1 for c in api.callbacks if c.status != 204)} not answered 204; "
        f"replies by status: {statuses}"
    )
