"""Train NLU pipeline variants on data/ and score each on the held-out sets.

Run in the Rasa environment from the repository root (each variant trains a model, so
pick the ones you need on a 2-core machine):

    .venv-rasa/bin/python benchmarks/nlu_variants.py linear diet60 --out /tmp/nlu-variants

For every variant it writes the config to OUT/<name>.yml, trains `rasa train nlu` with
the training cache off (so each time is a cold training; wall and CPU seconds are
recorded, CPU being the fairer figure on a shared machine), then runs
benchmarks/nlu_eval.py on the model, and finally prints one table: training seconds,
macro-F1 per held-out set, false PQRS on the non-PQRS texts and parse p50/p95 in ms.
The results are recorded in docs/nlu-variants.md.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa/bin/rasa"
PYTHON = ROOT / ".venv-rasa/bin/python"

HEAD = [
    {"name": "nlu.tokenizer.SpanishWhatsAppTokenizer"},
    {"name": "RegexFeaturizer", "case_sensitive": False, "use_word_boundaries": True},
]
SPARSE = [
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer", "lowercase": True},
    {
        "name": "CountVectorsFeaturizer",
        "analyzer": "char_wb",
        "min_ngram": 2,
        "max_ngram": 4,
        "lowercase": True,
    },
]
DIET = {"name": "DIETClassifier", "epochs": 60, "constrain_similarities": True, "random_seed": 42}
CRF = {"name": "CRFEntityExtractor", "L1_c": 0.01, "L2_c": 0.01, "max_iterations": 100}
LINEAR = {"name": "nlu.linear_intent.LinearIntentClassifier"}
TAIL = [
    {
        "name": "RegexEntityExtractor",
        "use_regexes": True,
        "use_lookup_tables": False,
        "use_word_boundaries": True,
    },
    {"name": "EntitySynonymMapper"},
    {"name": "FallbackClassifier", "threshold": 0.45, "ambiguity_threshold": 0.05},
]


def with_(component: dict, **changes) -> dict:
    return {**copy.deepcopy(component), **changes}


def fallback(threshold: float, ambiguity: float = 0.05) -> list[dict]:
    return TAIL[:2] + [
        {"name": "FallbackClassifier", "threshold": threshold, "ambiguity_threshold": ambiguity}
    ]


VARIANTS: dict[str, list[dict]] = {
    # The config before this work: DIET (60 epochs) on word + char 2-4 counts.
    "diet60": HEAD + SPARSE + [DIET] + TAIL,
    # DIET with half the epochs.
    "diet30": HEAD + SPARSE + [with_(DIET, epochs=30)] + TAIL,
    # Char 1-5 grams and no transformer layers: a cheaper, wider DIET.
    "diet_wide": HEAD
    + SPARSE[:2]
    + [
        {
            "name": "CountVectorsFeaturizer",
            "analyzer": "char_wb",
            "min_ngram": 1,
            "max_ngram": 5,
            "lowercase": True,
        }
    ]
    + [with_(DIET, epochs=40, number_of_transformer_layers=0)]
    + TAIL,
    # Linear TF-IDF classifier for intents, CRF for the annotated entities (regularised
    # less than Rasa's default 0.1, which missed field words); no TensorFlow.
    "linear": HEAD + [CRF, LINEAR] + fallback(0.30),
    "linear_c3": HEAD + [CRF, with_(LINEAR, C=3.0)] + fallback(0.30),
    "linear_c30": HEAD + [CRF, with_(LINEAR, C=30.0)] + fallback(0.30),
    "linear_char36": HEAD + [CRF, with_(LINEAR, char_ngrams=[3, 6])] + fallback(0.30),
    "linear_nobalance": HEAD + [CRF, with_(LINEAR, class_weight=None)] + fallback(0.30),
    # The one in config.yml.
    "linear_c30_char36": HEAD + [CRF, with_(LINEAR, C=30.0, char_ngrams=[3, 6])] + fallback(0.30),
    # DIET (30 epochs, full ranking) blended half and half with the linear classifier.
    "blend": HEAD
    + SPARSE
    + [with_(DIET, epochs=30, ranking_length=0), with_(LINEAR, blend_previous=0.5)]
    + fallback(0.35),
}


def train(name: str, pipeline: list[dict], out: Path) -> tuple[float, float]:
    """Trains one variant; returns (wall seconds, CPU seconds of the training process)."""
    config = {
        "recipe": "default.v1",
        "language": "es",
        "assistant_id": "mara-nlu-variant",
        "pipeline": pipeline,
        "policies": [],
    }
    path = out / f"{name}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_MAX_CACHE_SIZE": "0"}
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [
            str(RASA),
            "train",
            "nlu",
            "--config",
            str(path),
            "--nlu",
            "data",
            "--fixed-model-name",
            name,
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - start, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "variants", nargs="*", default=list(VARIANTS), help=f"any of {', '.join(VARIANTS)}"
    )
    parser.add_argument("--out", default="/tmp/nlu-variants")
    parser.add_argument("--skip-train", action="store_true", help="score models already in --out")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.variants:
        seconds, cpu = (
            (float("nan"), float("nan")) if args.skip_train else train(name, VARIANTS[name], out)
        )
        report_path = out / f"{name}.json"
        subprocess.run(
            [
                str(PYTHON),
                str(ROOT / "benchmarks/nlu_eval.py"),
                str(out / f"{name}.tar.gz"),
                "--json",
                str(report_path),
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        report = json.loads(report_path.read_text(encoding="utf-8"))
        rows.append((name, seconds, cpu, report))
        print(
            f"{name}: trained in {seconds:.0f} s wall, {cpu:.0f} s CPU", file=sys.stderr, flush=True
        )
    sets = list(rows[0][3]["sets"]) if rows else []
    short = [Path(s).stem for s in sets]
    print(
        "variant          train_s  cpu_s  "
        + "  ".join(f"{s[:18]:>18}" for s in short)
        + "   false_pqrs  wall_p50/p95  cpu_p50/p95  load"
    )
    for name, seconds, cpu_s, report in rows:
        f1s = "  ".join(f"{report['sets'][s]['macro_f1']:18.3f}" for s in sets)
        false = "+".join(str(report["sets"][s]["false_pqrs"]) for s in sets)
        lat, cpu = report["latency_ms"], report["cpu_ms"]
        times = f"{lat['p50']:5.1f}/{lat['p95']:5.1f}  {cpu['p50']:5.1f}/{cpu['p95']:5.1f}"
        print(
            f"{name:16} {seconds:7.0f} {cpu_s:6.0f}  {f1s}   {false:>10}  {times}  {report['load']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
