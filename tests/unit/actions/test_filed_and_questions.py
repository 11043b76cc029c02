"""A file for a request already filed, and a question announced before it is asked."""

from __future__ import annotations

import pytest

from actions.menu import ActionGreet, ActionNotUnderstood
from actions.offers import ActionStartPqrs
from mara.text.asks import adds_to_filed, wants_to_ask
from tests.unit.actions.conftest import rendered, run_action, tracker_from

PHOTO = "Hola buenas, yo ya radiqué una queja pero quiero agregarle una foto"


@pytest.mark.parametrize(
    ("action", "intent", "responses"),
    [
        (ActionGreet(), "greet", ["utter_greet", "utter_add_to_filed"]),
        (ActionNotUnderstood(), "nlu_fallback", ["utter_add_to_filed"]),
        (ActionStartPqrs(), "pqrs_queja", ["utter_add_to_filed"]),
    ],
)
def test_a_file_for_a_request_already_filed_is_sent_by_e_mail(
    domain, db, action, intent, responses
):
    outcome = run_action(action, tracker_from("idle", PHOTO, intent), domain)
    assert outcome.responses == responses
    assert "atencionalusuario@comfenalcoquindio.co" in rendered(outcome, domain)
    assert "pqrs_form" not in [e.get("name") for e in outcome.events]


@pytest.mark.parametrize(
    ("action", "intent"),
    [(ActionNotUnderstood(), "nlu_fallback"), (ActionStartPqrs(), "pqrs_informacion")],
)
def test_a_question_announced_is_asked_for(domain, db, action, intent):
    tracker = tracker_from("idle", "es que necesito una información", intent)
    outcome = run_action(action, tracker, domain)
    assert outcome.responses == ["utter_ask_your_question"]
    assert "pqrs_form" not in [e.get("name") for e in outcome.events]


@pytest.mark.parametrize(
    ("text", "asks", "adds"),
    [
        ("quería hacer una pregunta", True, False),
        ("necesito informacion sobre el subsidio de vivienda", False, False),  # asked already
        ("quiero poner una solicitud de información", False, False),
        (PHOTO, False, True),
        ("le mando la factura del reclamo que puse", False, True),
        ("quiero agregar una foto", False, False),  # to the request being filed: attached
    ],
)
def test_the_cues_told_apart(text, asks, adds):
    assert wants_to_ask(text) is asks and adds_to_filed(text) is adds
