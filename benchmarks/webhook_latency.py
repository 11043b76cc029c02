"""Turn latency through a running `mara serve`: signed webhook POST → replies sent.

Usage (same environment as the server):  .venv/bin/python benchmarks/webhook_latency.py [n]
Each turn is "hola" from a new number, one at a time (a message alone); prints p50/p95/max.
"""

from __future__ import annotations

import statistics
import sys
import time

from mara.ops.chat import say
from mara.settings import load_settings


def main(n: int) -> None:
    settings = load_settings()
    latencies = []
    for i in range(n):
        started = time.perf_counter()
        replies = say(settings, f"whatsapp:+57399{i:07d}", "hola", timeout=30)
        latencies.append(time.perf_counter() - started)
        assert replies, "no reply"
    latencies.sort()
    print(
        f"turns: {n}  p50: {statistics.median(latencies) * 1000:.0f} ms  "
        f"p95: {latencies[int(n * 0.95) - 1] * 1000:.0f} ms  max: {latencies[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
