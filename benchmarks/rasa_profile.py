"""Where a Rasa server's event loop spends its wall time, sampled with py-spy (`--idle`).

    .venv/bin/python benchmarks/rasa_profile.py --py-spy PATH --pid PID --seconds 10

Used by `pipeline_vs_rasa.py --py-spy PATH` around each closed loop. Each sample of the
loop's thread is put in one bucket by its innermost frames: waiting for work (the selector),
waiting for PostgreSQL inside a synchronous tracker-store call, waiting for Redis inside a
synchronous lock-store call, or running Python (split by the part of Rasa on the stack).
py-spy is not a dependency of MARA: install it anywhere (`pip install py-spy`).
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
FRAME = re.compile(r"(?P<func>[^;(]+) \((?P<file>[^:)]+)")

# (bucket, test on the innermost frame's file and function); first match wins.
WAITS = (
    ("idle: waiting for work", lambda f, fn: f.endswith("selectors.py") and "select" in fn),
    # Under uvloop (Sanic's) the loop waits in C below Sanic's `serve`.
    ("idle: waiting for work", lambda f, fn: f.endswith("sanic/server/runners.py")),
    (
        "waiting for PostgreSQL (sync, in the loop)",
        lambda f, fn: "sqlalchemy/engine" in f and fn.split(".")[-1].startswith("do_"),
    ),
    ("waiting for PostgreSQL (sync, in the loop)", lambda f, fn: "psycopg" in f),
    (
        "waiting for Redis (sync, in the loop)",
        lambda f, fn: ("redis/" in f and ("read" in fn or "recv" in fn)) or f.endswith("socket.py"),
    ),
)
# Running Python: the first of these found anywhere on the stack names the part.
PARTS = (
    ("tracker store", "rasa/core/tracker_store.py"),
    ("action response validation (jsonschema)", "jsonschema/"),
    ("lock store", "rasa/core/lock_store.py"),
    ("NLU", "rasa/nlu/"),
    ("policies", "rasa/core/policies/"),
    ("action server call", "rasa/core/actions/action.py"),
    ("aiohttp / sanic", "aiohttp/"),
    ("aiohttp / sanic", "sanic/"),
    ("rasa processor", "rasa/core/processor.py"),
)


def bucket(stack: str) -> str:
    frames = [(m["file"], m["func"].strip()) for m in FRAME.finditer(stack)]
    if not frames:
        return "other"
    file, func = frames[-1]
    for name, test in WAITS:
        if test(file, func):
            return name
    for name, marker in PARTS:
        if any(marker in f for f, _ in frames):
            return f"running: {name}"
    return "running: other"


def summarise(raw: str) -> Counter:
    """Samples per bucket. Rasa runs its loop (uvloop) in the main thread; other threads
    (TensorFlow's, the tracker store's if any) are left out, as are stacks py-spy cut short."""
    counts: Counter = Counter()
    for line in raw.splitlines():
        m = LINE.match(line.strip())
        if m and m["stack"].startswith("<module>"):
            counts[bucket(m["stack"])] += int(m["count"])
    return counts


def schedstat(pid: int) -> tuple[float, float]:
    """Seconds the process's main thread has run on a CPU, and waited runnable for one."""
    run_ns, wait_ns, _ = Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()
    return int(run_ns) / 1e9, int(wait_ns) / 1e9


def report(counts: Counter) -> str:
    total = sum(counts.values()) or 1
    rows = [f"{n} {c / total * 100:.0f}%" for n, c in counts.most_common() if c / total >= 0.005]
    return f"Rasa's event loop ({total} samples): " + "; ".join(rows)


class Sampler:
    """py-spy recording one process between start() and stop()."""

    def __init__(self, py_spy: str, pid: int, rate: int = 250):
        self.py_spy, self.pid, self.rate = py_spy, pid, rate
        self.out = Path(tempfile.mkstemp(suffix=".raw", prefix="rasa-py-spy-")[1])

    def start(self) -> None:
        self.sched = (time.monotonic(), *schedstat(self.pid))
        self.process = subprocess.Popen(
            [self.py_spy, "record", "--pid", str(self.pid), "--idle", "--format", "raw"]
            + ["--rate", str(self.rate), "--nonblocking", "-o", str(self.out)],
            stdout=subprocess.DEVNULL,
            stderr=self.out.with_suffix(".log").open("w"),
        )
        time.sleep(0.5)

    def stop(self) -> str:
        now, ran, waited = time.monotonic(), *schedstat(self.pid)
        self.process.send_signal(signal.SIGINT)
        self.process.wait(30)
        wall = now - self.sched[0]
        on_cpu, runnable = (ran - self.sched[1]) / wall, (waited - self.sched[2]) / wall
        return (
            f"Rasa's main thread: on a CPU {on_cpu * 100:.0f}%, runnable but waiting for a CPU "
            f"{runnable * 100:.0f}%, sleeping {(1 - on_cpu - runnable) * 100:.0f}%\n            "
            + report(summarise(self.out.read_text(errors="replace")))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--py-spy", default="py-spy")
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    sampler = Sampler(args.py_spy, args.pid)
    sampler.start()
    time.sleep(args.seconds)
    print(sampler.stop())


if __name__ == "__main__":
    main()
