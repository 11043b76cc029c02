"""PQRS-type scores and parse latency of a trained Rasa model on the held-out sets.

Run in the Rasa environment from the repository root:

    .venv-rasa/bin/python benchmarks/nlu_eval.py models/mara-XXXX.tar.gz [--json out.json]

For each held-out set (tests/nlu/pqrs_test.yml, register_shift.yml, register_shift_hard.yml)
it prints per-type precision/recall/F1 and the macro-F1 over the six PQRS types, computed
like tests/e2e/test_nlu.py (gold = the PQRS type of the labelled intent or None,
predicted = the `pqrs_type` that `mara nlu classify` reports, i.e. nlu/classify.py's
`row`), plus:
- "sure only": the same macro-F1 when a type counts only if the model was sure (the old
  classify contract, where a fallback meant no type);
- false PQRS: non-PQRS texts given a PQRS type (tests/e2e/test_nlu.py allows 3 of 25);
- non-PQRS intent right: non-PQRS texts whose top intent is the gold one;
- PQRS texts with fallback: PQRS texts the bot would answer with "no te entendí".
Then the time to parse one message (Agent.parse_message, model loaded and warmed up),
p50/p95 over all held-out texts, as wall time and as the process's CPU time.
Don't read the errors of the held-out sets to write training data (--errors is for
a set of your own).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu.classify import row  # noqa: E402

PQRS = ["peticion", "queja", "reclamo", "sugerencia", "felicitacion", "informacion"]
SETS = [
    "tests/nlu/pqrs_test.yml",
    "tests/nlu/register_shift.yml",
    "tests/nlu/register_shift_hard.yml",
]


def held_out(path: Path) -> list[tuple[str, str]]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = []
    for block in data["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            text = line.strip().removeprefix("- ").strip()
            if text:
                pairs.append((re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text), block["intent"]))
    return pairs


def gold_type(intent: str) -> str | None:
    return intent.removeprefix("pqrs_") if intent.startswith("pqrs_") else None


def scores(gold: list[str | None], predicted: list[str | None]) -> dict:
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, p in zip(gold, predicted, strict=True):
        if g == p and g is not None:
            tp[g] += 1
        else:
            if p is not None:
                fp[p] += 1
            if g is not None:
                fn[g] += 1
    per_type = {}
    for t in PQRS:
        precision = tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else 0.0
        recall = tp[t] / (tp[t] + fn[t]) if tp[t] + fn[t] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_type[t] = {"precision": precision, "recall": recall, "f1": f1, "n": tp[t] + fn[t]}
    macro = sum(v["f1"] for v in per_type.values()) / len(PQRS)
    return {"macro_f1": macro, "per_type": per_type}


def percentiles(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "n": len(values),
        "p50": statistics.median(values),
        "p95": values[int(0.95 * (len(values) - 1))],
        "max": values[-1],
    }


async def evaluate(model: str, sets: list[str]) -> dict:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    for text in ["hola", "quiero poner una queja", "gracias"]:  # warm-up
        await agent.parse_message(text)
    report: dict = {"model": model, "sets": {}}
    latencies: list[float] = []
    cpu: list[float] = []
    for name in sets:
        pairs = held_out(ROOT / name)
        rows = []
        for text, _ in pairs:
            start, start_cpu = time.perf_counter(), time.process_time()
            parsed = await agent.parse_message(text)
            latencies.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            rows.append(row(text, parsed))
        gold = [gold_type(i) for _, i in pairs]
        predicted = [r["pqrs_type"] for r in rows]
        sure_only = [r["pqrs_type"] if r["sure"] else None for r in rows]
        non_pqrs = [(r, i) for r, (_, i) in zip(rows, pairs, strict=True) if gold_type(i) is None]
        unsure_pqrs = sum(1 for r, g in zip(rows, gold, strict=True) if g and not r["sure"])
        report["sets"][name] = {
            "n": len(pairs),
            **scores(gold, predicted),
            "macro_f1_sure_only": scores(gold, sure_only)["macro_f1"],
            "non_pqrs": len(non_pqrs),
            "false_pqrs": sum(1 for r, _ in non_pqrs if r["pqrs_type"] is not None),
            "non_pqrs_intent_ok": sum(1 for r, i in non_pqrs if r["intent"] == i),
            "pqrs_unsure": unsure_pqrs,
            "errors": [
                {"text": t, "gold": i, "intent": r["intent"], "pqrs_type": r["pqrs_type"]}
                for (t, i), r in zip(pairs, rows, strict=True)
                if gold_type(i) != r["pqrs_type"] or (gold_type(i) is None and r["intent"] != i)
            ],
        }
    report["latency_ms"] = percentiles(latencies)
    # CPU time of the process per parse: what the parse costs, whatever else the
    # machine is running at the same time (wall time on a shared 2-core box is noisy).
    report["cpu_ms"] = percentiles(cpu)
    report["load"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return report


def print_report(report: dict, show_errors: bool) -> None:
    for name, s in report["sets"].items():
        print(f"\n{name}  (n={s['n']})")
        print("type          precision recall  f1     n")
        for t, v in s["per_type"].items():
            print(f"{t:13} {v['precision']:9.2f} {v['recall']:6.2f} {v['f1']:5.2f} {v['n']:4}")
        print(f"macro-F1 {s['macro_f1']:.3f}   (sure only: {s['macro_f1_sure_only']:.3f})")
        print(
            f"false PQRS on non-PQRS texts: {s['false_pqrs']}/{s['non_pqrs']}   "
            f"non-PQRS intent right: {s['non_pqrs_intent_ok']}/{s['non_pqrs']}   "
            f"PQRS texts with fallback: {s['pqrs_unsure']}"
        )
        if show_errors:
            for e in s["errors"]:
                got = f"got={e['intent']!s:18} type={e['pqrs_type']!s:12}"
                print(f"  gold={e['gold']:18} {got} {e['text'][:90]}")
    lat, cpu = report["latency_ms"], report["cpu_ms"]
    for label, v in (("\nparse wall ms", lat), ("parse CPU ms ", cpu)):
        print(f"{label} (n={v['n']}): p50 {v['p50']:.1f}  p95 {v['p95']:.1f}  max {v['max']:.1f}")
    print(f"machine load average while measuring: {report['load']}")


def main() -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--sets", nargs="+", default=SETS)
    parser.add_argument("--json", help="also write the figures (and errors) to this file")
    parser.add_argument("--errors", action="store_true", help="print every misclassified text")
    args = parser.parse_args()
    # Rasa's structured logs print every parse to stdout: send them to stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    report = asyncio.run(evaluate(args.model, args.sets))
    with contextlib.redirect_stdout(out):
        print_report(report, args.errors)
    out.flush()
    if args.json:
        Path(args.json).write_text(
            json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
