"""Status lookups, handoff in and out of the advisers' hours, opt-out, hours, policies,
the main menu and turns not understood."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from actions.handoff import ActionHandoff
from actions.info import ActionAnswerHours, ActionPolicyAnswer
from actions.menu import ActionExplainTypes, ActionMenuChoice, ActionNotUnderstood
from actions.preferences import ActionOptIn, ActionOptOut
from actions.status import ActionMyTickets, ValidateStatusForm
from mara.db.models import ContactPreference, Handoff
from mara.db.unit_of_work import UnitOfWork
from mara.services import filing
from tests.unit.actions.conftest import FRIDAY_10, SATURDAY_10, rendered, run_action, tracker_from

FILER = "573001234567"


def file_one(db) -> str:
    with UnitOfWork(db) as uow:
        consent_id = filing.record_consent(uow, FILER, True, "SM1", "2026-11")
        filed = filing.file_ticket(
            uow,
            now=datetime.fromisoformat("2026-12-04T10:00:00-05:00"),
            pqrs_type="reclamo",
            description="no me han pagado la cuota monetaria",
            wa_id=FILER,
            requester=filing.RequesterData(
                full_name="María Fernanda López",
                document_type="CC",
                document_number="1094887890",
                phone="+573001234567",
                email=None,
            ),
            consent_id=consent_id,
        )
        uow.commit()
    return filed.radicado


def lookup(domain, slot, text, sender=None, **slots):
    tracker = tracker_from("status_form", text, slots={"requested_slot": slot, **slots})
    if sender:
        tracker.sender_id = sender
    return run_action(ValidateStatusForm(), tracker, domain)


def test_status_from_the_filing_number_is_told_at_once(domain, db):
    radicado = file_one(db)
    outcome = lookup(domain, "status_radicado", f"como va el {radicado}", sender=FILER)
    assert outcome.responses == ["utter_status"]
    message = outcome.messages[0]
    assert f"*{radicado}*" in message["text"] and "Estado: recibida" in message["text"]
    assert "✅ a tiempo" in message["text"]
    assert outcome.slots["status_document"] == "-"


def test_status_from_another_number_needs_the_document(domain, db):
    radicado = file_one(db)
    ask = lookup(domain, "status_radicado", radicado)
    assert ask.messages == [] and ask.slots["status_radicado"] == radicado
    told = lookup(domain, "status_document", "1.094.887.890", status_radicado=radicado)
    assert told.responses == ["utter_status"]
    wrong = lookup(domain, "status_document", "12345678", status_radicado=radicado)
    assert wrong.responses == ["utter_status_not_found"]


@pytest.mark.parametrize(
    ("document", "responses"),
    [("1094887890", ["utter_status"]), ("1094000000", ["utter_status_not_found"])],
)
def test_a_document_given_before_the_radicado_is_not_asked_again(domain, db, document, responses):
    radicado = file_one(db)

    def after(before: str):
        tracker = tracker_from("status_form", radicado, slots={"requested_slot": "status_radicado"})
        users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
        tracker.events.insert(users[-1], {"event": "user", "text": before})
        return run_action(ValidateStatusForm(), tracker, domain)

    outcome = after(f"quiero saber el estado de mi solicitud, mi cedula es {document}")
    assert outcome.responses == responses and outcome.slots["status_document"] == "-"
    # A bare number before (an amount, a date) is no document: it is asked.
    asked = after(f"como va lo mio, son {document} pesos")
    assert asked.messages == [] and "status_document" not in asked.slots


def test_three_misses_pause_the_lookups(domain, db):
    radicado = file_one(db)
    for _ in range(2):
        lookup(domain, "status_document", "5555", status_radicado=radicado)
    third = lookup(domain, "status_document", "5555", status_radicado=radicado)
    assert third.responses == ["utter_status_not_found", "utter_status_paused"]
    paused = lookup(domain, "status_radicado", radicado)
    assert paused.responses == ["utter_status_paused"]


def test_an_unreadable_radicado_is_asked_again(domain, db):
    outcome = lookup(domain, "status_radicado", "el de la semana pasada")
    assert outcome.responses == ["utter_invalid_radicado"]
    assert outcome.slots["status_radicado"] is None


@pytest.mark.parametrize(
    "text", ["no me acuerdo", "no me acuerdo del número", "lo perdí", "no me llegó ningún número"]
)
def test_a_radicado_they_do_not_have_is_not_asked_again(domain, db, text):
    outcome = lookup(domain, "status_radicado", text)
    assert outcome.responses == ["utter_radicado_forgotten"]
    assert outcome.slots["status_document"] == "-"  # the form ends


def test_my_tickets(domain, db):
    idle = tracker_from("idle", "mis radicados", "my_tickets")
    assert run_action(ActionMyTickets(), idle, domain).responses == ["utter_no_open_tickets"]
    radicado = file_one(db)
    idle.sender_id = FILER
    listed = run_action(ActionMyTickets(), idle, domain)
    assert listed.responses == ["utter_open_tickets"] and radicado in listed.messages[0]["tickets"]


def handoffs(db):
    with UnitOfWork(db) as uow:
        return uow.session.scalars(select(Handoff)).all()


def test_handoff_in_advisers_hours_waits_for_one(domain, db):
    outcome = run_action(
        ActionHandoff(), tracker_from("idle", "quiero un asesor", "human_handoff"), domain
    )
    assert outcome.responses == ["utter_handoff_waiting"] and outcome.events == []
    assert [h.wa_id for h in handoffs(db)] == ["573009876543"]


def test_handoff_out_of_hours_says_when_advisers_are_back(domain, db, monkeypatch):
    monkeypatch.setenv("MARA_CLOCK", SATURDAY_10)
    outcome = run_action(
        ActionHandoff(), tracker_from("idle", "quiero un asesor", "human_handoff"), domain
    )
    assert outcome.responses == ["utter_handoff_closed"] and handoffs(db) == []
    message = outcome.messages[0]
    assert (message["date"], message["time"]) == ("lunes 7 de diciembre de 2026", "7:30 a. m.")
    assert message["advisers_hours"].startswith("lunes a jueves: 7:30 a. m.")


def test_handoff_mid_form_pauses_it_in_hours_and_goes_on_out_of_hours(domain, db, monkeypatch):
    form = tracker_from("pqrs_form_personal", "quiero un asesor", "human_handoff")
    paused = run_action(ActionHandoff(), form, domain)
    assert paused.responses == ["utter_handoff_waiting"]
    # When, so that a new session keeps the filing while the handoff lasts (24 h).
    assert datetime.fromisoformat(paused.slots["form_paused"]) == datetime.fromisoformat(FRIDAY_10)
    monkeypatch.setenv("MARA_CLOCK", SATURDAY_10)
    closed = run_action(ActionHandoff(), form, domain)
    assert closed.responses == ["utter_handoff_closed_in_form"] and closed.events == []


def test_opt_out_and_back_in(domain, db):
    tracker = tracker_from("idle", "/opt_out", "opt_out")
    assert run_action(ActionOptOut(), tracker, domain).responses == ["utter_opted_out"]
    with UnitOfWork(db) as uow:
        assert uow.session.get(ContactPreference, "573009876543").opted_out is True
    assert run_action(ActionOptIn(), tracker, domain).responses == ["utter_opted_in"]
    with UnitOfWork(db) as uow:
        assert uow.session.get(ContactPreference, "573009876543").opted_out is False


def test_hours_now_or_on_the_day_asked(domain, db):
    now = run_action(ActionAnswerHours(), tracker_from("idle", "¿están abiertos?"), domain)
    assert now.responses == ["utter_policy"]
    assert "Calle 16 #15-22" in now.messages[0]["text_block"]
    assert len(now.messages[0]["text_block"]) <= 600
    holiday = run_action(
        ActionAnswerHours(), tracker_from("idle", "¿atienden el 8 de diciembre?"), domain
    )
    assert holiday.responses == ["utter_policy"]
    assert "martes 8 de diciembre" in holiday.messages[0]["text_block"]
    assert "abre el miércoles 9 de diciembre" in holiday.messages[0]["text_block"]


@pytest.mark.parametrize(
    "intent, fragment",
    [("ask_deadlines", "*7 días hábiles*"), ("ask_resarcimiento", "7 días hábiles")],
)
def test_policy_answers_come_from_config(domain, intent, fragment):
    outcome = run_action(ActionPolicyAnswer(), tracker_from("idle", "?", intent), domain)
    assert fragment in outcome.messages[0]["text_block"]
    assert "{" not in outcome.messages[0]["text_block"]


@pytest.mark.parametrize(
    ("text", "late"),
    [
        ("y si no me responden a tiempo?", True),
        ("que pasa si se vence el plazo", True),
        ("cuanto se demoran en responder una queja?", False),
    ],
)
def test_a_deadline_missed_is_asked_apart_from_the_deadline(domain, text, late):
    outcome = run_action(ActionPolicyAnswer(), tracker_from("idle", text, "ask_deadlines"), domain)
    said = outcome.messages[0]["text_block"]
    assert ("*consultar radicado*" in said) is late and ("7 días hábiles" in said) is not late
    assert "{" not in said


def test_preferential_is_recorded_and_said_so_only_while_filing(domain):
    text = "soy adulto mayor, tengo atención preferencial?"
    idle = run_action(ActionPolicyAnswer(), tracker_from("idle", text, "ask_preferential"), domain)
    assert idle.responses == ["utter_policy", "utter_preferential_noted"]
    assert idle.slots == {"preferential": True}
    form = tracker_from("pqrs_form_personal", text, "ask_preferential", candidate=False)
    filing_now = run_action(ActionPolicyAnswer(), form, domain)
    assert filing_now.responses == ["utter_policy", "utter_preferential_recorded"]


@pytest.mark.parametrize(
    "text, responses, followup",
    [
        ("1", [], "pqrs_form"),
        ("2", [], "status_form"),
        ("3", ["utter_policy"], None),
        ("9", ["utter_menu"], None),
    ],
)
def test_menu_numbers(domain, db, text, responses, followup):
    outcome = run_action(ActionMenuChoice(), tracker_from("idle", text, "choose_option"), domain)
    assert outcome.responses == responses
    followups = [e["name"] for e in outcome.events if e["event"] == "followup"]
    assert followups == ([followup] if followup else [])


def test_menu_four_is_a_human(domain, db):
    outcome = run_action(ActionMenuChoice(), tracker_from("idle", "4", "choose_option"), domain)
    assert outcome.responses == ["utter_handoff_waiting"]


def test_types_are_explained_from_the_catalog(domain):
    outcome = run_action(ActionExplainTypes(), tracker_from("idle", "tipos", "ask_types"), domain)
    assert outcome.messages[0]["definitions"].count("• *") == 6


@pytest.mark.parametrize(
    ("question", "labels"),
    [
        ("¿cuál es la diferencia entre una queja y un reclamo?", ["Queja", "Reclamo"]),
        ("que diferencia hay entre sugerencias y felicitaciones", ["Sugerencia", "Felicitación"]),
        (
            "en que se diferencia una peticion de una queja?",
            ["Derecho de petición (solicitud)", "Queja"],
        ),
    ],
)
def test_two_types_named_are_told_apart_with_just_their_definitions(domain, question, labels):
    outcome = run_action(ActionExplainTypes(), tracker_from("idle", question, "ask_types"), domain)
    said = rendered(outcome, domain)
    assert outcome.responses == ["utter_pqrs_types_compared"]
    assert [line.split("*")[1] for line in said.splitlines() if line.startswith("• *")] == labels
    assert len(said) <= 600


def test_a_type_chosen_right_after_the_explanation_starts_the_filing(domain, db):
    tracker = tracker_from("idle", "ok entonces es un reclamo", "ask_types")
    latest = tracker.events.pop()
    tracker.events += [{"event": "action", "name": "action_explain_types"}, latest]
    outcome = run_action(ActionExplainTypes(), tracker, domain)
    assert outcome.responses == ["utter_type_proposed"] and outcome.slots["pqrs_type"] == "reclamo"
    assert [e["name"] for e in outcome.events if e["event"] == "followup"] == ["pqrs_form"]
    # Without the explanation just before, the same words ask what a reclamo is.
    alone = run_action(
        ActionExplainTypes(), tracker_from("idle", "es un reclamo", "ask_types"), domain
    )
    assert alone.responses == ["utter_policy"] and "pqrs_type" not in alone.slots


@pytest.mark.parametrize("intent", ["change_field", "nlu_fallback"])
def test_an_introduction_alone_is_greeted_without_the_name_said_back(domain, db, intent):
    tracker = tracker_from("idle", "mi nombre es Diana Ríos", intent, 0.4)
    outcome = run_action(ActionNotUnderstood(), tracker, domain)
    assert outcome.responses == ["utter_nice_to_meet_you", "utter_menu"]
    assert "Diana" not in rendered(outcome, domain)


def test_not_understood_twice_offers_menu_and_human(domain, db):
    first = tracker_from("idle", "quien gano el partido", "out_of_scope", 0.8)
    assert run_action(ActionNotUnderstood(), first, domain).responses == ["utter_out_of_scope"]
    second = tracker_from("idle", "asdkjh", "nlu_fallback", 0.3)
    second.events.insert(0, {"event": "user", "text": "x", "parse_data": first.latest_message})
    outcome = run_action(ActionNotUnderstood(), second, domain)
    assert outcome.responses == ["utter_still_not_understood", "utter_menu"]


def test_out_of_scope_names_the_types_from_the_catalog(domain, db):
    outcome = run_action(
        ActionNotUnderstood(), tracker_from("idle", "quien gano", "out_of_scope"), domain
    )
    assert "queja, reclamo" in rendered(outcome, domain)
