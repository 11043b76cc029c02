"""The publish gate on real models: a tiny NLU model trained on the real PQRS data goes live;
one trained on the same data with shuffled labels is refused, unless an admin forces it with
a reason; a rollback serves the previous model again. Small and fast: a few intents, a
logistic-regression pipeline, no dialogue."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from mara.adapters import rasa_training as training
from mara.db.models import ModelPublication
from mara.db.unit_of_work import UnitOfWork
from mara.jobs.training import train_and_evaluate
from mara.services import model_publishing, nlu_training
from mara.settings import ROOT
from tests.conftest import make_database

TINY_CONFIG = """\
recipe: default.v1
language: es
assistant_id: mara-gate-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: LogisticRegressionClassifier
    max_iter: 200
    random_state: 42
policies: []
"""
PQRS_INTENTS = [f"pqrs_{t}" for t in ("queja", "reclamo", "sugerencia", "felicitacion")]


def examples_by_intent() -> dict[str, list[str]]:
    data = yaml.safe_load((ROOT / "data/nlu/pqrs.yml").read_text(encoding="utf-8"))
    found = {}
    for block in data["nlu"]:
        if block.get("intent") in PQRS_INTENTS:
            lines = [
                line.strip().removeprefix("- ").strip()
                for line in block["examples"].splitlines()
                if line.strip()
            ]
            found[block["intent"]] = lines[:40]
    return found


def write_nlu(path: Path, by_intent: dict[str, list[str]]) -> None:
    blocks = [
        {"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)}
        for intent, texts in by_intent.items()
    ]
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True))


def held_out_subset(path: Path) -> None:
    """The real held-out set, restricted to the intents this tiny model knows."""
    data = yaml.safe_load((ROOT / "tests/nlu/pqrs_test.yml").read_text(encoding="utf-8"))
    blocks = [b for b in data["nlu"] if b.get("intent") in PQRS_INTENTS]
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True))


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "root"
    (root / "tests" / "nlu").mkdir(parents=True)
    (root / "good").mkdir()
    (root / "damaged").mkdir()
    (root / "config.yml").write_text(TINY_CONFIG)
    (root / "domain.yml").write_text(yaml.safe_dump({"version": "3.1", "intents": PQRS_INTENTS}))
    good = examples_by_intent()
    write_nlu(root / "good" / "nlu.yml", good)
    # The same texts, each under a wrong intent (a seeded shuffle of the labels).
    texts = [(t, i) for i, ts in good.items() for t in ts]
    labels = [i for _, i in texts]
    random.Random(7).shuffle(labels)
    damaged: dict[str, list[str]] = {i: [] for i in PQRS_INTENTS}
    for (text, _), label in zip(texts, labels, strict=True):
        damaged[label].append(text)
    write_nlu(root / "damaged" / "nlu.yml", damaged)
    held_out_subset(root / "tests" / "nlu" / "held_out.yml")
    url, _ = make_database("sqlite", tmp_path)
    yield root, url
    shutil.rmtree(root / "models", ignore_errors=True)


def run(url: str, root: Path, data: str) -> nlu_training.RunView:
    with UnitOfWork(url) as uow:
        run_id = nlu_training.create_run(uow, "lina")
        uow.commit()
    cfg = training.PipelineConfig(root=root, data=data, nlu_only=True)
    assert train_and_evaluate(run_id, cfg, database_url=url) in ("succeeded", "failed")
    with UnitOfWork(url) as uow:
        view = nlu_training.get_run(uow, run_id)
    assert view is not None
    assert view.status == "succeeded", view.error
    return view


def test_gate_refuses_a_model_trained_on_damaged_data(workspace):
    root, url = workspace
    good = run(url, root, "good")
    report = good.report["candidate"]
    assert good.percent == 100 and "train" in good.log_tail
    assert Path(report["confusion_png"]).read_bytes().startswith(b"\x89PNG")
    assert set(report["per_intent"]) >= set(PQRS_INTENTS)
    assert good.live_model is None  # nothing was live yet: any candidate passes
    first = model_publishing.publish(
        url, "http://unused", "lina", run_id=good.id, root=root, push=False
    )
    assert training.live_model(root) == first.model

    damaged = run(url, root, "damaged")
    assert damaged.live_model == str(first.model.resolve())
    candidate_f1 = damaged.report["candidate"]["pqrs_macro_f1"]
    live_f1 = damaged.report["live"]["pqrs_macro_f1"]
    print(f"\nPQRS macro-F1: good model {live_f1:.3f}, shuffled labels {candidate_f1:.3f}")
    assert candidate_f1 < live_f1
    assert damaged.gate_passed is False
    with pytest.raises(nlu_training.GateRefused, match="macro-F1"):
        model_publishing.publish(
            url, "http://unused", "lina", run_id=damaged.id, root=root, push=False
        )
    with pytest.raises(nlu_training.GateRefused, match="reason"):
        model_publishing.publish(
            url, "http://unused", "ana", run_id=damaged.id, force=True, root=root, push=False
        )
    assert training.live_model(root) == first.model

    # An admin may override, and must say why; then a rollback restores the good model.
    forced = model_publishing.publish(
        url,
        "http://unused",
        "admin",
        run_id=damaged.id,
        force=True,
        reason="prueba del bloqueo",
        root=root,
        push=False,
    )
    assert training.live_model(root) == forced.model
    back = model_publishing.rollback(url, "http://unused", "admin", root=root, push=False)
    assert back.model == first.model and training.live_model(root) == first.model
    with UnitOfWork(url) as uow:
        rows = list(uow.session.scalars(select(ModelPublication).order_by(ModelPublication.id)))
    assert [(r.action, r.forced, r.reason, r.published_by) for r in rows] == [
        ("publish", False, None, "lina"),
        ("publish", True, "prueba del bloqueo", "admin"),
        ("rollback", False, None, "admin"),
    ]
    assert rows[1].candidate_macro_f1 == candidate_f1 and rows[1].live_macro_f1 == live_f1
