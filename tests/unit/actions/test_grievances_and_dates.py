"""A service named in a grievance is a case to file, not a question for its requirements;
a question whether a call for applications opened is a question for a date."""

from __future__ import annotations

import pytest

from actions.offers import ActionAnswerService, ActionStartPqrs
from mara.text.asks import asks_when, service_asked, tells_a_grievance
from tests.unit.actions.conftest import rendered, run_action, tracker_from

REJECTED = "Por que me rechazaron la postulación al subsidio de desempleo si cumplo los requisitos"


def test_a_grievance_naming_a_service_is_offered_as_a_case(domain, db):
    outcome = run_action(
        ActionAnswerService(), tracker_from("idle", REJECTED, "ask_service"), domain
    )
    assert outcome.responses == ["utter_offer_to_file"]
    assert outcome.slots["description"] == REJECTED
    assert [e["name"] for e in outcome.events if e["event"] == "followup"] == ["pqrs_form"]
    # The question itself still gets the requirements.
    asked = "que requisitos piden para el subsidio de desempleo"
    answered = run_action(ActionAnswerService(), tracker_from("idle", asked, "ask_service"), domain)
    assert answered.responses == ["utter_service_info"]


@pytest.mark.parametrize(
    ("text", "grievance"),
    [
        (REJECTED, True),
        ("me negaron el subsidio de vivienda sin explicacion", True),
        ("no me aprobaron el credito y no me dicen por que", True),
        ("que requisitos piden para el credito", False),
        ("como me postulo al subsidio de vivienda", False),
    ],
)
def test_what_was_done_to_the_person_is_told_apart(text, grievance):
    assert tells_a_grievance(text) is grievance
    assert (service_asked(text) is None) is grievance


def test_whether_a_call_for_applications_opened_is_a_question_for_a_date(domain, db):
    text = "Buen dia me podrian informar si ya salio la convocatoria para el subsidio de vivienda"
    assert asks_when(text)
    outcome = run_action(ActionStartPqrs(), tracker_from("idle", text, "pqrs_informacion"), domain)
    assert outcome.responses[0] == "utter_service_dates"
    assert "*Vivienda*" in rendered(outcome, domain)
