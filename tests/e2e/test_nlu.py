"""The trained model on the held-out set, through `mara nlu classify` (the contract others use)."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter

import yaml

from mara.settings import ROOT

PQRS = ["peticion", "queja", "reclamo", "sugerencia", "felicitacion", "informacion"]
MIN_MACRO_F1 = 0.80


def held_out() -> list[tuple[str, str]]:
    data = yaml.safe_load((ROOT / "tests/nlu/pqrs_test.yml").read_text(encoding="utf-8"))
    pairs = []
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            text = line.strip().removeprefix("- ").strip()
            if text:
                # Entity annotations [text](entity) read as their plain text.
                pairs.append((re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text), block["intent"]))
    return pairs


def classify(texts: list[str]) -> list[dict]:
    result = subprocess.run(
        [str(ROOT / ".venv/bin/mara"), "nlu", "classify"],
        cwd=ROOT,
        input="\n".join(texts) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_classify_contract_and_held_out_scores(model):
    pairs = held_out()
    rows = classify([t for t, _ in pairs])
    assert len(rows) == len(pairs)
    for row, (text, _) in zip(rows, pairs, strict=True):
        assert {"text", "pqrs_type", "confidence", "intent"} <= set(row)
        assert row["text"] == text
        assert row["pqrs_type"] in PQRS + [None]
        assert 0.0 <= row["confidence"] <= 1.0
    gold = [i.removeprefix("pqrs_") if i.startswith("pqrs_") else None for _, i in pairs]
    predicted = [r["pqrs_type"] for r in rows]
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, p in zip(gold, predicted, strict=True):
        if g == p and g is not None:
            tp[g] += 1
        else:
            if p is not None:
                fp[p] += 1
            if g is not None:
                fn[g] += 1
    f1s = []
    print("\ntype          precision recall  f1    (held-out, n per type)")
    for t in PQRS:
        precision = tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else 0.0
        recall = tp[t] / (tp[t] + fn[t]) if tp[t] + fn[t] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        print(f"{t:13} {precision:9.2f} {recall:6.2f} {f1:5.2f}  n={tp[t] + fn[t]}")
    macro = sum(f1s) / len(f1s)
    print(f"macro F1 {macro:.3f}")
    non_pqrs_flagged = sum(
        1 for g, p in zip(gold, predicted, strict=True) if g is None and p is not None
    )
    assert non_pqrs_flagged <= 3  # of 25 non-PQRS held-out texts
    assert macro >= MIN_MACRO_F1
