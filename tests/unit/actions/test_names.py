"""1,000+ common Colombian full names as answers to "¿Cuál es tu nombre completo?": each
fills the slot, whatever intent the model read in it (it cannot be trusted on names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.pqrs_form import ValidatePqrsForm
from tests.unit.actions.conftest import run_action, tracker_from

NAMES = (
    (Path(__file__).parents[2] / "data" / "colombian_names.txt")
    .read_text(encoding="utf-8")
    .splitlines()
)
# Intents a name was misread as in real conversations, and every other kind of intent.
MISREADS = ["cancel", "goodbye", "deny"]
OTHERS = [
    "human_handoff",
    "menu",
    "affirm",
    "greet",
    "thank",
    "pqrs_queja",
    "pqrs_reclamo",
    "check_status",
    "ask_hours",
    "ask_types",
    "opt_out",
    "out_of_scope",
    "nlu_fallback",
    "inform",
]
FORM = ValidatePqrsForm()


@pytest.mark.parametrize("intent", MISREADS)
def test_every_name_fills_the_slot_even_read_as_cancel_goodbye_or_deny(domain, intent):
    derailed = []
    for name in NAMES:
        outcome = answer_name(domain, name, intent)
        if not filled(outcome, name):
            derailed.append((name, outcome.events))
    assert derailed == []


def test_every_name_fills_the_slot_whatever_other_intent_is_read(domain):
    derailed = []
    for index, name in enumerate(NAMES):
        intent = OTHERS[index % len(OTHERS)]
        outcome = answer_name(domain, name.lower(), intent)
        if not filled(outcome, name):
            derailed.append((name, intent))
    assert derailed == []


def answer_name(domain, text: str, intent: str):
    tracker = tracker_from(
        "pqrs_form_personal", text, intent, 0.99, slots={"requested_slot": "full_name"}
    )
    return run_action(FORM, tracker, domain)


def filled(outcome, name: str) -> bool:
    kinds = {e["event"] for e in outcome.events}
    return (
        outcome.slots.get("full_name") == name
        and outcome.slots.get("requested_slot") == "document_type"
        and not kinds & {"action_execution_rejected", "active_loop", "followup"}
        and "cancel_requested" not in outcome.slots
        and outcome.messages == []
    )
