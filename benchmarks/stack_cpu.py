"""CPU meters for the benchmarks: the whole machine's, and each part of a `mara serve` stack's."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import psutil


class CpuMeter:
    """Machine-wide CPU use between start() and stop(), from /proc/stat."""

    @staticmethod
    def _read() -> tuple[int, int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle, steal = fields[3] + fields[4], fields[7] if len(fields) > 7 else 0
        return sum(fields[:8]), idle, steal

    def start(self) -> None:
        self._start = self._read()

    def stop(self) -> str:
        total, idle, steal = (a - b for a, b in zip(self._read(), self._start, strict=True))
        busy = 1 - idle / max(1, total)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        return (
            f"CPU busy {busy * 100:.0f}% of {os.cpu_count()} cores (stolen by the host "
            f"{steal / max(1, total) * 100:.0f}%), load average {load}"
        )


class ComponentCpu:
    """CPU seconds spent by each part of the stack (rasa, actions, web, worker, this run's
    PostgreSQL backends, Redis, this benchmark with the local Twilio API) between two points."""

    def __init__(self, serve_pid: int, database: str):
        self.serve = psutil.Process(serve_pid)
        self.database = database

    def _component(self, p: psutil.Process) -> str | None:
        try:
            line = " ".join(p.cmdline())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None
        if "rasa_sdk" in line or "mara.ops.action_server" in line:
            return "actions"
        if "rasa" in line and " run" in line:
            return "rasa"
        if "gunicorn" in line:
            return "web"
        if "mara.jobs.worker" in line:
            return "worker"
        if line.startswith("postgres:") and f" {self.database} " in line:
            return "postgres"
        if "redis-server" in line:
            return "redis (shared)"
        return None

    def snapshot(self) -> dict[int, tuple[str, float]]:
        found: dict[int, tuple[str, float]] = {}
        # Only this run's processes: other people's Rasa, gunicorn… may share the machine.
        ours = {p.pid for p in self.serve.children(recursive=True)}
        for p in psutil.process_iter():
            name = self._component(p)
            if name is None or (p.pid not in ours and name not in ("postgres", "redis (shared)")):
                continue
            try:
                t = p.cpu_times()
            except psutil.NoSuchProcess:
                continue
            found[p.pid] = (name, t.user + t.system)
        me = psutil.Process()
        # The benchmark with its own processes (the local Twilio API, the burst's sender).
        theirs = ours | {self.serve.pid}
        for p in (me, *(c for c in me.children(recursive=True) if c.pid not in theirs)):
            try:
                t = p.cpu_times()
            except psutil.NoSuchProcess:
                continue
            found[p.pid] = ("benchmark + Twilio API", t.user + t.system)
        return found

    def start(self) -> None:
        self._before = self.snapshot()

    def rasa_pid(self) -> int:
        """The first Rasa server (the one the REST loop talks to: the lowest pid)."""
        ours = self.serve.children(recursive=True)
        return min(p.pid for p in ours if self._component(p) == "rasa")

    def report(self, turns: int) -> str:
        after = self.snapshot()
        spent: dict[str, float] = defaultdict(float)
        for pid, (name, seconds) in after.items():
            spent[name] += seconds - self._before.get(pid, (name, 0.0))[1]
        parts = [f"{k} {v / turns * 1000:.1f}" for k, v in sorted(spent.items()) if v > 0]
        return (
            f"CPU ms per turn: {', '.join(parts)} (total {sum(spent.values()) / turns * 1000:.0f})"
        )
