"""The form's questions, the summary, submit, cancel and attachments."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.offers import ActionStartPqrs
from actions.pqrs_asks import (
    ActionAskCancelConfirm,
    ActionAskConfirmation,
    ActionAskConsent,
    ActionAskDocumentNumber,
    ActionAskFullName,
    ActionAskPqrsType,
    ActionAskTypeConfirmed,
)
from actions.pqrs_submit import (
    ActionAcknowledge,
    ActionCancelPqrs,
    ActionStoreAttachment,
    ActionSubmitPqrs,
)
from actions.status import ActionCancelStatus
from mara.db.models import Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.services import filing
from tests.unit.actions.conftest import rendered, run_action, tracker_from


def tickets(url):
    with UnitOfWork(url) as uow:
        rows = uow.session.scalars(select(Ticket)).all()
        for row in rows:
            _ = row.requester, row.attachments
        return rows


def test_each_question_is_its_response_with_lists_from_config(domain):
    tracker = tracker_from("pqrs_form_personal")
    types = run_action(ActionAskPqrsType(), tracker, domain)
    assert types.responses == ["utter_ask_pqrs_type"]
    assert types.messages[0]["types"].splitlines()[1] == "2. Queja"
    confirm = run_action(ActionAskTypeConfirmed(), tracker, domain)
    assert confirm.messages[0]["type_short"] == "una *queja*"
    assert run_action(ActionAskFullName(), tracker, domain).responses == ["utter_ask_full_name"]
    number = run_action(
        ActionAskDocumentNumber(), tracker_from("pqrs_form_summary"), domain
    ).messages[0]
    assert number["document_name"] == "cédula de ciudadanía"
    consent = rendered(run_action(ActionAskConsent(), tracker, domain), domain)
    assert "comfenalcoquindio.com" in consent and "{web}" not in consent
    cancel = run_action(ActionAskCancelConfirm(), tracker, domain)
    assert cancel.responses == ["utter_ask_cancel_confirm"]


def test_a_paused_form_asks_nothing(domain):
    tracker = tracker_from("pqrs_form_personal", slots={"form_paused": True})
    for ask in (ActionAskFullName(), ActionAskConsent(), ActionAskConfirmation()):
        assert run_action(ask, tracker, domain).messages == []


def test_the_summary_shows_the_phone_as_people_write_it(domain):
    summary = run_action(ActionAskConfirmation(), tracker_from("pqrs_form_summary"), domain)
    assert summary.responses == ["utter_ask_confirmation"]
    message = summary.messages[0]
    # Rendered here as data (utter_as_data): the finished text is checked.
    assert "300 123 4567" in message["text"] and "+57" not in message["text"]
    assert "CC 1094887890" in message["text"]
    assert "• Tipo: Queja" in message["text"] and "• Adjuntos: ninguno" in message["text"]


def test_start_proposes_the_type_from_the_first_message(domain, db):
    text = "en la taquilla de la piscina me trataron muy mal"
    outcome = run_action(ActionStartPqrs(), tracker_from("idle", text, "pqrs_queja", 0.91), domain)
    assert outcome.slots["pqrs_type"] == "queja" and outcome.slots["proposed_confidence"] == 0.91
    assert outcome.slots["description"] == text and outcome.slots["full_name"] is None
    # Sure of the type: said in one line, not asked ("¿Está bien?"); changed at the summary.
    assert outcome.slots["type_confirmed"] is True
    assert outcome.responses == ["utter_type_proposed"]
    assert "Lo radico como *queja* (inconformidad" in rendered(outcome, domain)


def test_a_type_the_model_is_unsure_of_is_asked(domain, db):
    text = "en la taquilla de la piscina me trataron muy mal"
    outcome = run_action(ActionStartPqrs(), tracker_from("idle", text, "pqrs_queja", 0.6), domain)
    assert outcome.slots["pqrs_type"] == "queja" and outcome.messages == []
    assert outcome.slots["type_confirmed"] is None  # the form asks "¿Está bien?"


def test_submit_files_the_ticket_with_its_radicado_and_answer_date(domain, db):
    with UnitOfWork(db) as uow:
        consent_id = filing.record_consent(uow, "573001234567", True, "SM1", "2026-11")
        uow.commit()
    tracker = tracker_from(
        "pqrs_form_summary", slots={"confirmation": "confirmed", "consent_id": consent_id}
    )
    outcome = run_action(ActionSubmitPqrs(), tracker, domain)
    [ticket] = tickets(db)
    assert outcome.responses == ["utter_pqrs_filed"]
    message = outcome.messages[0]
    assert f"*{ticket.radicado}*" in message["text"]
    assert "miércoles 16 de diciembre de 2026" in message["text"]
    assert "maria.lopez@gmail.com" in message["text"]
    assert ticket.requester.phone == "+573001234567" and ticket.pqrs_type == "queja"
    assert outcome.slots["pqrs_type"] is None and outcome.slots["full_name"] is None


@pytest.mark.parametrize(
    "extra",
    [{}, {"email": "ninguno"}, {"preferential": True}, {"email": "ana.o'neil@gmail.com"}],
)
def test_the_radicado_message_has_no_stray_line(domain, db, extra):
    with UnitOfWork(db) as uow:
        consent_id = filing.record_consent(uow, "573001234567", True, "SM1", "2026-11")
        uow.commit()
    slots = {"confirmation": "confirmed", "consent_id": consent_id, **extra}
    outcome = run_action(ActionSubmitPqrs(), tracker_from("pqrs_form_summary", slots=slots), domain)
    [message] = outcome.messages
    # Rasa's channel sends each "\n\n"-separated part as its own WhatsApp message.
    parts = message["text"].strip().split("\n\n")
    assert len(parts) == 1 and parts[0].endswith("llama al (606) 7314001.")
    assert all(line.strip() not in ("", ".") for line in parts[0].splitlines())


def test_a_confirmed_cancel_files_nothing(domain, db):
    tracker = tracker_from("pqrs_form_summary", slots={"cancel_confirm": True})
    outcome = run_action(ActionSubmitPqrs(), tracker, domain)
    assert outcome.responses == ["utter_pqrs_cancelled"] and tickets(db) == []
    assert outcome.slots["description"] is None


def test_a_complaint_without_consent_points_to_the_other_channels(domain, db):
    tracker = tracker_from("pqrs_form_personal", slots={"consent": False})
    outcome = run_action(ActionSubmitPqrs(), tracker, domain)
    assert outcome.responses == ["utter_consent_refused_channels"] and tickets(db) == []
    text = rendered(outcome, domain)
    assert "(606) 7314001" in text and "Calle 16 #15-22" in text and "{" not in text


def test_cancel_while_filing_only_asks_first(domain):
    outcome = run_action(ActionCancelPqrs(), tracker_from("pqrs_form_personal", "cancelar"), domain)
    assert outcome.messages == []
    assert outcome.slots == {"cancel_requested": True, "cancel_confirm": None}
    assert all(e["event"] != "active_loop" for e in outcome.events)


def test_cancel_of_a_status_lookup_ends_it(domain):
    outcome = run_action(ActionCancelStatus(), tracker_from("status_form", "cancelar"), domain)
    assert outcome.responses == ["utter_status_cancelled"]
    assert {"event": "active_loop", "name": None} in [
        {k: e[k] for k in ("event", "name")} for e in outcome.events if e["event"] == "active_loop"
    ]


def test_an_attachment_goes_with_the_request_being_filed(domain):
    media = {"media": [{"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg"}]}
    in_form = run_action(
        ActionStoreAttachment(),
        tracker_from("pqrs_form_personal", "/media_shared", "media_shared", metadata=media),
        domain,
    )
    assert in_form.responses == ["utter_attachment_saved"]
    assert in_form.slots["attachments"] == media["media"]
    idle = run_action(
        ActionStoreAttachment(),
        tracker_from("idle", "/media_shared", "media_shared", metadata=media),
        domain,
    )
    assert idle.responses == ["utter_media_received"] and idle.events == []


def after_a_refused_consent(text: str, pqrs_type: str = "queja"):
    """A filing that just ended on a refused consent, then `text` from the person."""
    tracker = tracker_from("idle", text, "affirm")
    latest = tracker.events.pop()
    told = "el vigilante de la sede me trató de manera grosera"
    tracker.events += [
        {"event": "slot", "name": "pqrs_type", "value": pqrs_type},
        {"event": "slot", "name": "description", "value": told},
        {"event": "slot", "name": "service", "value": "afiliacion_aportes"},
        {"event": "slot", "name": "consent", "value": False},
        {"event": "action", "name": "pqrs_form"},
        {"event": "action", "name": "action_submit_pqrs"},
        *({"event": "slot", "name": s, "value": None} for s in ("pqrs_type", "description")),
        {"event": "action", "name": "action_listen"},
        latest,
    ]
    return tracker


def test_a_yes_right_after_a_refused_consent_takes_the_request_up_again(domain, db):
    outcome = run_action(ActionAcknowledge(), after_a_refused_consent("sí, acepto"), domain)
    assert outcome.responses == ["utter_request_resumed"]
    assert outcome.slots["pqrs_type"] == "queja" and outcome.slots["type_confirmed"] is True
    assert outcome.slots["description"] == "el vigilante de la sede me trató de manera grosera"
    assert outcome.slots["consent"] == "sí, acepto"  # the form's validator records it
    assert [e["name"] for e in outcome.events if e["event"] == "followup"] == ["pqrs_form"]
    # Anything else, or a yes with no refusal just before, is only acknowledged.
    for tracker in (after_a_refused_consent("ok gracias"), tracker_from("idle", "sí", "affirm")):
        outcome = run_action(ActionAcknowledge(), tracker, domain)
        assert outcome.responses == ["utter_ok"] and not outcome.slots
    # A sugerencia goes on anonymously when consent is refused: nothing to take up.
    anonymous = after_a_refused_consent("sí", pqrs_type="sugerencia")
    assert run_action(ActionAcknowledge(), anonymous, domain).responses == ["utter_ok"]
