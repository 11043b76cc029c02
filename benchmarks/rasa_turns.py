"""Turns per second of the trained Rasa model in one process (NLU + rules/memoization).

Run with the Rasa environment:  .venv-rasa/bin/python benchmarks/rasa_turns.py [turns]
Only turns answered by responses are used, so no action server is needed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the model names nlu.tokenizer, a module of this repo
TEXTS = ["hola", "muchas gracias", "menú", "eres un robot?", "buenas tardes", "gracias"]


async def main(turns: int, out) -> None:
    from rasa.core.agent import Agent

    models = sorted((ROOT / "models").glob("mara-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    agent = Agent.load(str(models[-1]))
    for i in range(10):  # warm-up: graph compilation, first TensorFlow calls
        await agent.handle_text(TEXTS[i % len(TEXTS)], sender_id="warmup")
    latencies = []
    started = time.perf_counter()
    for i in range(turns):
        t0 = time.perf_counter()
        await agent.handle_text(TEXTS[i % len(TEXTS)], sender_id=f"bench-{i % 50}")
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    latencies.sort()
    print(f"model: {models[-1].name}")
    print(f"turns: {turns}  elapsed: {elapsed:.2f} s  throughput: {turns / elapsed:.1f} turns/s")
    print(
        f"latency p50: {latencies[len(latencies) // 2] * 1000:.1f} ms  "
        f"p95: {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.WARNING)
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # Rasa's structured logs go to stderr; the figures to stdout
    sys.stdout = sys.stderr
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300, out))
