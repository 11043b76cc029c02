"""Held-out scores as tests/e2e/test_nlu.py computes them, and the publish gate's rule."""

import pytest

from mara.adapters.rasa_evaluation import report
from mara.services.nlu_training import gate_passes


def row(intent, pqrs=None, confidence=0.9):
    return {"text": "", "intent": intent, "pqrs_type": pqrs, "confidence": confidence}


def test_per_intent_scores_pqrs_macro_f1_confusion_and_errors():
    pairs = [
        ("a", "pqrs_queja"),
        ("b", "pqrs_queja"),
        ("c", "pqrs_reclamo"),
        ("d", "greet"),
    ]
    rows = [
        row("pqrs_queja", "queja"),
        row("pqrs_reclamo", "reclamo"),
        row("pqrs_reclamo", "reclamo"),
        row("nlu_fallback", None, 0.3),
    ]
    result = report(pairs, rows)
    assert result["per_intent"]["pqrs_queja"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
        "support": 2,
    }
    assert result["per_intent"]["pqrs_reclamo"]["precision"] == 0.5
    assert result["per_pqrs_type"]["reclamo"]["f1"] == 0.6667
    # Six types weigh the same: two seen types at 0.667, four absent at 0.
    assert result["pqrs_macro_f1"] == pytest.approx((0.6667 + 0.6667) / 6, abs=1e-3)
    labels = result["confusion"]["labels"]
    matrix = result["confusion"]["matrix"]
    assert matrix[labels.index("pqrs_queja")][labels.index("pqrs_reclamo")] == 1
    assert matrix[labels.index("greet")][labels.index("nlu_fallback")] == 1
    assert [(e["text"], e["expected"], e["predicted"]) for e in result["errors"]] == [
        ("b", "pqrs_queja", "pqrs_reclamo"),
        ("d", "greet", "nlu_fallback"),
    ]


@pytest.mark.parametrize(
    ("candidate", "live", "expected"),
    [
        (0.81, 0.80, True),
        (0.80, 0.80, True),
        (0.79, 0.80, False),
        (0.5, None, True),
        (None, 0.8, None),
    ],
)
def test_gate_lets_through_only_a_model_not_worse_than_the_live_one(candidate, live, expected):
    assert gate_passes(candidate, live) is expected


def test_classify_counts_a_service_question_as_an_information_request():
    from nlu.classify import row

    def parsed(intent: str) -> dict:
        return {"intent": {"name": intent, "confidence": 0.8}, "intent_ranking": []}

    assert row("requisitos vivienda", parsed("ask_service"))["pqrs_type"] == "informacion"
    assert row("hola", parsed("greet"))["pqrs_type"] is None
    assert row("me cobraron doble", parsed("pqrs_reclamo"))["pqrs_type"] == "reclamo"
