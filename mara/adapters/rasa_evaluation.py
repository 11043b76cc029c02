"""Held-out scores of a model: per-intent precision/recall/F1, PQRS macro-F1 (the figure the
publish gate compares), the confusion matrix and the list of errors.

The PQRS computation is tests/e2e/test_nlu.py's: gold `pqrs_<type>` against the predicted
`pqrs_type` of `mara nlu classify` (`ask_service` counts as `informacion`; None for other
intents).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import yaml

from mara.settings import ROOT

PQRS = ["peticion", "queja", "reclamo", "sugerencia", "felicitacion", "informacion"]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
_ANNOTATION_RE = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def held_out(folder: Path) -> list[tuple[str, str]]:
    """(text, intent) of every example of the Rasa NLU files in `folder` (tests/nlu)."""
    pairs = []
    for path in sorted(folder.glob("**/*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text:
                    pairs.append((_ANNOTATION_RE.sub(r"\1", text), block["intent"]))
    return pairs


def classify(model: Path, texts: list[str], timeout: float = 900) -> list[dict]:
    """`mara nlu classify`'s JSON lines for `texts` with `model` (loaded once, Rasa env)."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [str(RASA_PYTHON), "-m", "nlu.classify", str(model.resolve())],
        cwd=ROOT,
        input="\n".join(t.replace("\n", " ") for t in texts) + "\n",
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "support": tp + fn,
    }


def report(pairs: list[tuple[str, str]], rows: list[dict]) -> dict:
    """Scores of predictions `rows` (classify's output) against the gold `pairs`."""
    if len(rows) != len(pairs):
        raise ValueError("one prediction per held-out example")
    gold_intents = [intent for _, intent in pairs]
    predicted_intents = [r.get("intent") or "None" for r in rows]
    labels = sorted(set(gold_intents) | set(predicted_intents))
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold_intents, predicted_intents, strict=True):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    per_intent = {label: _prf(tp[label], fp[label], fn[label]) for label in labels}

    gold_pqrs = [i.removeprefix("pqrs_") if i.startswith("pqrs_") else None for i in gold_intents]
    predicted_pqrs = [r.get("pqrs_type") for r in rows]
    ptp: Counter[str] = Counter()
    pfp: Counter[str] = Counter()
    pfn: Counter[str] = Counter()
    for gp, pp in zip(gold_pqrs, predicted_pqrs, strict=True):
        if gp == pp and gp is not None:
            ptp[gp] += 1
        else:
            if pp is not None:
                pfp[pp] += 1
            if gp is not None:
                pfn[gp] += 1
    per_pqrs = {t: _prf(ptp[t], pfp[t], pfn[t]) for t in PQRS}
    macro = sum(s["f1"] for s in per_pqrs.values()) / len(PQRS)
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold_intents, predicted_intents, strict=True):
        matrix[index[g]][index[p]] += 1
    errors = [
        {
            "text": text,
            "expected": gold,
            "predicted": row.get("intent"),
            "confidence": row.get("confidence"),
        }
        for (text, gold), row in zip(pairs, rows, strict=True)
        if (row.get("intent") or "None") != gold
    ]
    return {
        "examples": len(pairs),
        "accuracy": round(sum(tp.values()) / len(pairs), 4) if pairs else 0.0,
        "pqrs_macro_f1": round(macro, 4),
        "per_pqrs_type": per_pqrs,
        "non_pqrs_flagged": sum(
            1 for g, p in zip(gold_pqrs, predicted_pqrs, strict=True) if g is None and p
        ),
        "per_intent": per_intent,
        "confusion": {"labels": labels, "matrix": matrix},
        "errors": errors,
    }


def render_confusion(confusion: dict, path: Path, title: str) -> Path:
    """The confusion matrix as a PNG (drawn by matplotlib in the Rasa environment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(RASA_PYTHON), "-m", "nlu.plot", str(path.resolve()), title],
        cwd=ROOT,
        input=json.dumps(confusion),
        text=True,
        capture_output=True,
        timeout=120,
        check=True,
        env={**os.environ, "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(path.parent / ".mpl")},
    )
    return path


def evaluate(model: Path, held_out_dir: Path, png: Path, title: str) -> dict:
    pairs = held_out(held_out_dir)
    result = report(pairs, classify(model, [t for t, _ in pairs]))
    render_confusion(result["confusion"], png, title)
    result["confusion_png"] = str(png)
    result["model"] = str(model)
    return result
