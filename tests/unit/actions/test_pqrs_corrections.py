"""Corrections and data given the way people give them: a new value written with the
change asked for, a cédula written after the name."""

from __future__ import annotations

import pytest

from actions.pqrs_form import ValidatePqrsForm
from tests.unit.actions.conftest import run_action, tracker_from

FORM = ValidatePqrsForm()


def answer(domain, slot, text, intent="change_field", confidence=0.9, **slots):
    tracker = tracker_from(
        "pqrs_form_summary", text, intent, confidence,
        slots={slot: None, "requested_slot": slot, **slots},
    )  # fmt: skip
    return run_action(FORM, tracker, domain)


@pytest.mark.parametrize(
    ("text", "slot", "value"),
    [
        ("el correo si lo tengo es sandra.osorio@gmail.com", "email", "sandra.osorio@gmail.com"),
        (
            "el nombre esta mal es Mario Alberto Gil Restrepo",
            "full_name",
            "Mario Alberto Gil Restrepo",
        ),
        ("cambiar el celular, es el 315 888 9900", "phone", "+573158889900"),
    ],
)
def test_a_change_written_with_its_new_value_is_made_at_once(domain, text, slot, value):
    outcome = answer(domain, "confirmation", text)
    assert outcome.responses == ["utter_field_changed"]
    assert outcome.slots[slot] == value and outcome.slots["confirmation"] is None


def test_a_change_without_its_value_asks_for_it(domain):
    outcome = answer(domain, "confirmation", "cambiar el correo")
    assert outcome.responses == ["utter_changing_field"] and outcome.slots["email"] is None


def test_a_cedula_written_after_the_name_needs_no_type_question(domain):
    outcome = answer(
        domain, "full_name", "Mario Alberto Gil Restrepo 71.666.777", intent="inform",
        document_type=None, document_number=None,
    )  # fmt: skip
    assert outcome.slots["full_name"] == "Mario Alberto Gil Restrepo"
    assert outcome.slots["document_type"] == "CC" and outcome.slots["document_number"] == "71666777"


def test_a_greeting_in_the_middle_is_greeted_back_not_called_wrong(domain):
    outcome = answer(domain, "confirmation", "hola", intent="greet")
    assert outcome.responses == ["utter_hello_again"] and "field_failures" not in outcome.slots
    assert outcome.slots["confirmation"] is None
    # Unsure it is a greeting, the usual answer.
    unsure = answer(domain, "confirmation", "hola", intent="greet", confidence=0.3)
    assert unsure.responses == ["utter_invalid_choice"]


def test_cancelling_in_words_at_the_summary_is_asked_first(domain):
    text = "quiero cancelar el reclamo que puse"
    outcome = answer(domain, "confirmation", text, intent="pqrs_reclamo", confidence=0.6)
    assert outcome.slots["cancel_requested"] is True
    assert "description" not in outcome.slots  # not added to the story


@pytest.mark.parametrize(
    ("text", "offered", "wanted"),
    [
        ("si", None, True),  # asked for at once
        ("eso es todo", True, None),
        ("bueno", True, None),  # an "ok": on with the form
        ("nada mas", True, None),
    ],
)
def test_the_answer_to_adding_more_details(domain, text, offered, wanted):
    outcome = answer(domain, "details_offered", text, intent="affirm")
    assert outcome.slots["details_offered"] is offered
    assert outcome.slots.get("details_wanted") is wanted
    assert "description" not in outcome.slots
