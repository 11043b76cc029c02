"""A shorter filing: data already given is taken (only after consent), the service is read
from the description, one-line type confirmation, a short consent notice, and no "¿algo
más?" after a detailed description."""

from __future__ import annotations

from actions.pqrs_asks import ActionAskConsent, ActionAskTypeConfirmed
from actions.pqrs_form import ValidatePqrsForm
from tests.unit.actions.conftest import rendered, run_action, tracker_from

FORM = ValidatePqrsForm()
ALL_DATA = "me llamo Ana María López Giraldo cc 1094 123 456 cel 310 123 4567 correo ana@gmail.com"
PERSONAL = {
    "full_name": None,
    "document_type": None,
    "document_number": None,
    "phone": None,
    "email": None,
}


def answer(domain, slot, text, fixture="pqrs_form_personal", **slots):
    tracker = tracker_from(fixture, text, slots={slot: None, "requested_slot": slot, **slots})
    return run_action(FORM, tracker, domain)


def test_all_data_in_the_name_answer_fills_every_personal_slot(domain):
    outcome = answer(domain, "full_name", ALL_DATA, service="recreacion_deportes")
    assert outcome.messages == [] and not outcome.rejected
    assert {k: outcome.slots[k] for k in PERSONAL} == {
        "full_name": "Ana María López Giraldo",
        "document_type": "CC",
        "document_number": "1094123456",
        "phone": "+573101234567",
        "email": "ana@gmail.com",
    }
    assert outcome.slots["requested_slot"] == "confirmation"


def test_data_in_another_answer_skips_the_questions_it_answers(domain):
    outcome = answer(
        domain,
        "phone",
        "310 123 4567 y el correo es ana@gmail.com",
        full_name="Ana López",
        document_type="CC",
        document_number="1094123456",
    )
    assert outcome.slots["phone"] == "+573101234567"
    assert outcome.slots["email"] == "ana@gmail.com"
    assert outcome.slots["requested_slot"] == "service"


def test_the_document_type_is_read_from_its_abbreviation(domain):
    outcome = answer(domain, "document_type", "TI 1094123456", full_name="Ana López")
    assert outcome.slots["document_type"] == "TI"
    assert outcome.slots["document_number"] == "1094123456"


def test_data_in_the_description_is_not_kept_before_consent(domain):
    outcome = answer(
        domain,
        "description",
        "soy Ana López cc 1094123456, en la piscina me trataron muy mal el domingo",
        consent=None,
        consent_id=None,
        **PERSONAL,
    )
    assert outcome.slots["description"].startswith("soy Ana López")
    assert not set(PERSONAL) & set(outcome.slots)


def test_after_consent_data_given_earlier_is_taken(domain, db):
    description = "soy Ana López cc 1094123456, en la piscina me trataron muy mal el domingo"
    tracker = tracker_from(
        "pqrs_form_personal",
        "sí, acepto",
        slots={
            "consent": None,
            "consent_id": None,
            "requested_slot": "consent",
            "description": description,
            **PERSONAL,
        },
    )
    outcome = run_action(FORM, tracker, domain)
    assert outcome.slots["consent"] is True
    assert outcome.slots["full_name"] == "Ana López"
    assert outcome.slots["document_type"] == "CC"
    assert outcome.slots["document_number"] == "1094123456"
    assert outcome.slots["service"] == "recreacion_deportes"
    # The phone is the WhatsApp number they write from (changed at the summary if not).
    assert outcome.slots["phone"] == "+573001234567"
    assert outcome.slots["requested_slot"] == "email"


def test_a_bare_number_in_the_story_is_no_document(domain, db):
    tracker = tracker_from(
        "pqrs_form_personal",
        "sí",
        slots={
            "consent": None,
            "consent_id": None,
            "requested_slot": "consent",
            "description": "me cobraron 1500000 dos veces en el crédito de libre inversión",
            **PERSONAL,
        },
    )
    outcome = run_action(FORM, tracker, domain)
    assert "document_number" not in outcome.slots
    assert outcome.slots["service"] == "credito"
    assert outcome.slots["requested_slot"] == "full_name"


def test_the_service_is_read_from_a_clear_description_only(domain):
    clear = answer(domain, "description", "la piscina estaba sucia y nadie limpió", service=None)
    assert clear.slots["service"] == "recreacion_deportes"
    unclear = answer(domain, "description", "me atendieron muy mal ayer en la sede", service=None)
    assert "service" not in unclear.slots


def test_no_more_details_asked_after_a_detailed_description(domain):
    short = tracker_from(
        "pqrs_form_personal",
        slots={"details_offered": None, "description": "me trataron mal en la piscina"},
    )
    assert "details_offered" in FORM.pqrs_slots(short)
    detailed = tracker_from(
        "pqrs_form_personal",
        slots={
            "details_offered": None,
            "description": "el domingo en la taquilla de la piscina de la sede me trataron "
            "muy mal y no me dejaron entrar con mi hijo",
        },
    )
    assert "details_offered" not in FORM.pqrs_slots(detailed)


def test_type_confirmation_is_one_plain_line_and_consent_is_short(domain):
    tracker = tracker_from("pqrs_form_personal")
    confirm = rendered(run_action(ActionAskTypeConfirmed(), tracker, domain), domain)
    assert confirm.startswith("Lo radico como *queja* (inconformidad con la atención")
    assert "expresión o manifestación" not in confirm
    consent = rendered(run_action(ActionAskConsent(), tracker, domain), domain)
    assert len(consent) <= 300 and "comfenalcoquindio.com" in consent


def test_the_name_question_invites_all_data_and_its_example_is_understood(domain):
    asked = domain["responses"]["utter_ask_full_name"][0]["text"]
    example = asked.split("Ej.: ")[1]
    outcome = answer(domain, "full_name", example, service="recreacion_deportes")
    assert outcome.slots["full_name"] == "Ana López"
    assert outcome.slots["document_number"] == "1094123456"
    assert outcome.slots["requested_slot"] == "confirmation"


def test_with_consent_on_file_data_in_the_story_is_taken_at_once(domain):
    story = "me llamo Ana López, cc 1094123456, la piscina estaba sucia el domingo"
    tracker = tracker_from(
        "pqrs_form_personal",
        slots={"description": story, "consent": True, "consent_id": 7, **PERSONAL},
    )
    # The form's activation validates the slots filled before it (the consent on file).
    tracker.events.append({"event": "slot", "name": "consent", "value": True})
    outcome = run_action(FORM, tracker, domain)
    assert outcome.slots["full_name"] == "Ana López"
    assert outcome.slots["document_number"] == "1094123456"
    # The phone is the WhatsApp number they write from (changed at the summary if not).
    assert outcome.slots["phone"] == "+573001234567"
    assert outcome.slots["requested_slot"] == "email"


def test_a_phone_in_the_story_wins_over_the_whatsapp_number(domain):
    story = "me llamo Ana López, mi cel es 315 222 3344, la piscina estaba sucia el domingo"
    tracker = tracker_from(
        "pqrs_form_personal",
        slots={"description": story, "consent": True, "consent_id": 7, **PERSONAL},
    )
    tracker.events.append({"event": "slot", "name": "consent", "value": True})
    assert run_action(FORM, tracker, domain).slots["phone"] == "+573152223344"


def test_a_bare_number_at_the_document_type_question_is_taken_as_a_cedula(domain):
    outcome = answer(domain, "document_type", "1.094.887.890")
    assert (outcome.slots["document_type"], outcome.slots["document_number"]) == (
        "CC",
        "1094887890",
    )
    assert outcome.messages == []
    # A menu number stays a menu choice; a short number is still asked again.
    assert answer(domain, "document_type", "2").slots["document_type"] == "CE"
    assert "utter_invalid_document_type" in answer(domain, "document_type", "12345").responses
