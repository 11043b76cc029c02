"""The PQRS form's validator: each slot's valid and invalid answers, retries, answers first,
cancelling asked first, and the pause while a human has the chat."""

from __future__ import annotations

import pytest

from actions.pqrs_asks import ActionAskDetailsOffered
from actions.pqrs_form import ValidatePqrsForm
from mara.domain.messages import PERSONAL_ANSWER
from tests.unit.actions.conftest import rendered, run_action, tracker_from

FORM = ValidatePqrsForm()


def answer(domain, slot, text, intent="inform", confidence=0.99, fixture=None, **slots):
    """The person answers `slot`'s question with `text`; by default every other slot of a
    complete queja is already filled (pqrs_form_summary)."""
    fixture = fixture or "pqrs_form_summary"
    tracker = tracker_from(
        fixture, text, intent, confidence, slots={slot: None, "requested_slot": slot, **slots}
    )
    return run_action(FORM, tracker, domain)


@pytest.mark.parametrize(
    "slot, text, value",
    [
        ("full_name", "maría fernanda lópez", "María Fernanda López"),
        ("full_name", "me llamo Juan David Cardona", "Juan David Cardona"),
        ("document_type", "1", "CC"),
        ("document_type", "cédula de extranjería", "CE"),
        ("document_number", "1.094.887.890", "1094887890"),
        ("phone", "este mismo", "+573001234567"),
        ("phone", "310 123 4567", "+573101234567"),
        ("email", "maria.lopez@GMAIL.com", "maria.lopez@gmail.com"),
        ("email", "no tengo", "ninguno"),
        ("service", "3", "recreacion_deportes"),
        ("service", "lo de la piscina", "recreacion_deportes"),
    ],
)
def test_a_valid_answer_fills_its_slot_and_says_nothing(domain, slot, text, value):
    outcome = answer(domain, slot, text, document_type="CC")
    assert outcome.slots[slot] == value
    assert outcome.messages == [] and not outcome.rejected


@pytest.mark.parametrize(
    "slot, text, response",
    [
        ("full_name", "Juan 2 López", "utter_invalid_full_name"),
        ("full_name", "hola buenas tardes", "utter_invalid_full_name"),
        ("full_name", "si acepto", "utter_consent_already"),
        ("full_name", "ok", "utter_invalid_full_name"),  # an ok is no consent said again
        ("full_name", "1", "utter_invalid_full_name"),
        ("consent", "no, el nombre es de mi mamá, yo soy Jorge Tabares", "utter_invalid_consent"),
        ("document_type", "licencia de pesca", "utter_invalid_document_type"),
        ("document_number", "123", "utter_invalid_document_number"),
        ("phone", "300 123", "utter_invalid_phone"),
        ("email", "juan@gmail", "utter_invalid_email"),
        ("email", "juan@gmial.com", "utter_invalid_email_typo"),
        ("service", "zzzz", "utter_invalid_service"),
        ("confirmation", "quizás", "utter_invalid_choice"),
    ],
)
def test_an_invalid_answer_is_said_counted_and_asked_again(domain, slot, text, response):
    outcome = answer(domain, slot, text, document_type="CC")
    assert outcome.responses == [response]
    assert outcome.slots[slot] is None
    assert outcome.slots["field_failures"] == {slot: 1}
    assert outcome.slots["requested_slot"] == slot


def test_the_third_failure_of_a_slot_offers_a_human(domain):
    second = answer(domain, "phone", "12", field_failures={"phone": 1, "email": 2})
    assert second.responses == ["utter_invalid_phone"]
    third = answer(domain, "phone", "12", field_failures={"phone": 2})
    assert third.responses == ["utter_invalid_phone", "utter_offer_human_after_failures"]
    assert third.slots["field_failures"] == {"phone": 3}


def test_cc_and_number_in_one_answer_fill_both_questions(domain):
    outcome = answer(domain, "document_type", "cc 1094887890", document_number=None, phone=None)
    assert outcome.slots["document_type"] == "CC"
    assert outcome.slots["document_number"] == "1094887890"
    assert outcome.slots["requested_slot"] == "phone"


def test_a_slot_cleared_by_an_action_is_not_validated(domain):
    tracker = tracker_from("pqrs_form_personal", slots={"requested_slot": "email"})
    tracker.events.append({"event": "slot", "name": "email", "value": None})
    outcome = run_action(FORM, tracker, domain)
    assert outcome.messages == [] and outcome.slots["email"] is None


def test_the_form_asks_the_next_missing_slot(domain):
    outcome = answer(domain, "full_name", "Ana María Giraldo", fixture="pqrs_form_personal")
    assert outcome.slots["requested_slot"] == "document_type"


def test_without_consent_a_complaint_ends_the_form_and_a_suggestion_goes_on(domain):
    tracker = tracker_from(
        "pqrs_form_personal",
        slots={"consent": False, "consent_id": None, "requested_slot": "consent"},
    )
    assert FORM.pqrs_slots(tracker)[-1] == "consent"
    tracker = tracker_from(
        "pqrs_form_personal",
        slots={"consent": False, "pqrs_type": "sugerencia", "requested_slot": "consent"},
    )
    assert FORM.pqrs_slots(tracker)[-2:] == ["service", "confirmation"]
    assert "full_name" not in FORM.pqrs_slots(tracker)


def test_consent_is_recorded_in_the_database(domain, db):
    from sqlalchemy import select

    from mara.db.models import Consent
    from mara.db.unit_of_work import UnitOfWork

    outcome = answer(domain, "consent", "sí, acepto", consent=None, consent_id=None)
    assert outcome.slots["consent"] is True and outcome.slots["consent_id"]
    with UnitOfWork(db) as uow:
        [row] = uow.session.scalars(select(Consent)).all()
        assert row.granted and row.wa_id == "573001234567" and row.message_sid.startswith("SM")


@pytest.mark.parametrize(
    ("text", "intent", "response"),
    [
        ("no tengo correo", "no_email", "utter_consent_without_email"),
        ("no me sé el número de la cédula", "inform", "utter_invalid_consent"),
    ],
)
def test_a_missing_datum_at_the_consent_question_is_no_refusal(domain, db, text, intent, response):
    from sqlalchemy import select

    from mara.db.models import Consent
    from mara.db.unit_of_work import UnitOfWork

    outcome = answer(domain, "consent", text, intent, consent=None, consent_id=None)
    assert outcome.responses == [response] and outcome.slots["consent"] is None
    with UnitOfWork(db) as uow:
        assert uow.session.scalars(select(Consent)).all() == []  # neither given nor refused
    # "no hay problema" is a yes, though it begins with "no".
    yes = answer(domain, "consent", "no hay problema", consent=None, consent_id=None)
    assert yes.slots["consent"] is True


def test_consent_refused_for_a_suggestion_says_it_will_be_anonymous(domain, db):
    outcome = answer(domain, "consent", "no", pqrs_type="sugerencia", consent=None, consent_id=None)
    assert outcome.slots["consent"] is False
    assert outcome.responses == ["utter_consent_refused_anonymous"]


@pytest.mark.parametrize(
    "text, slots",
    [
        ("1", {"confirmation": "confirmed"}),
        ("sí, radícala", {"confirmation": "confirmed"}),
        ("cambiar el correo", {"email": None, "use_saved": False, "confirmation": None}),
        ("2", {"confirmation": None, "changing_field": True}),
    ],
)
def test_the_summary_confirms_or_changes_a_field(domain, text, slots):
    outcome = answer(domain, "confirmation", text)
    assert {k: outcome.slots[k] for k in slots} == slots
    assert not outcome.rejected


def summary_description() -> str:
    return tracker_from("pqrs_form_summary", "1", "inform", 0.99).get_slot("description")


def test_more_of_the_story_at_the_summary_goes_into_the_description(domain):
    before = summary_description()
    outcome = answer(domain, "confirmation", "fue el domingo pasado en la tarde", "ask_hours", 0.57)
    assert outcome.slots["description"] == f"{before}\nfue el domingo pasado en la tarde"
    assert outcome.responses == ["utter_added_to_description"]
    assert outcome.slots["confirmation"] is None and not outcome.slots.get("field_failures")
    assert outcome.slots["requested_slot"] == "confirmation"  # the summary again, updated


@pytest.mark.parametrize(
    "text, intent",
    [
        ("ya le confirmo ahorita", "out_of_scope"),  # small talk, however many words
        ("listo muchas gracias señorita", "thank"),
        ("y eso cuando lo responden?", "ask_deadlines"),  # a question
        ("no se", "deny"),
        ("necesito hablar con un asesor por favor", "human_handoff"),  # the rules' turn
        ("mi cel es el mismo de whatsapp", "same_number"),  # an answer to another question
        ("el correo es luz.ospina@hotmail.com", "nlu_fallback"),  # contact data
    ],
)
def test_what_tells_nothing_more_is_not_added_to_the_description(domain, text, intent):
    outcome = answer(domain, "confirmation", text, intent, 0.8)
    assert outcome.slots.get("description", summary_description()) == summary_description()
    assert "utter_added_to_description" not in outcome.responses


def test_type_confirmation_yes_no_or_another_type(domain):
    fixture = "pqrs_form_personal"
    yes = answer(domain, "type_confirmed", "si", fixture=fixture, type_confirmed=None)
    assert yes.slots["type_confirmed"] is True
    no = answer(domain, "type_confirmed", "no", intent="deny", type_confirmed=None)
    assert no.slots["type_confirmed"] is None and no.slots["pqrs_type"] is None
    other = answer(domain, "type_confirmed", "no, es un reclamo", type_confirmed=None)
    assert other.slots["pqrs_type"] == "reclamo" and other.slots["type_confirmed"] is True
    # "no gracias" is no to filing at all, not to the type.
    thanks = answer(domain, "type_confirmed", "no gracias", intent="deny", type_confirmed=None)
    assert thanks.slots["cancel_confirm"] is True and thanks.slots["filing_offered"] == "declined"


def test_a_question_about_the_service_where_information_is_proposed_is_answered(domain):
    asked = "me pueden ayudar con el subsidio de vivienda"
    slots = {"type_confirmed": None, "pqrs_type": "informacion", "description": asked}
    how = answer(domain, "type_confirmed", "como me postulo?", intent="nlu_fallback", **slots)
    assert how.responses == ["utter_service_info"] and how.slots["type_confirmed"] is None
    assert "*Vivienda*" in rendered(how, domain)
    # Proposed as another type, the same question is no answer to "¿Está bien?".
    queja = answer(domain, "type_confirmed", "como me postulo?", intent="nlu_fallback",
                   **{**slots, "pqrs_type": "queja"})  # fmt: skip
    assert queja.responses == ["utter_invalid_yes_no"]
    # "gracias" once answered is no to filing it.
    thanks = answer(domain, "type_confirmed", "gracias", intent="thank", **slots)
    assert thanks.slots["cancel_confirm"] is True and thanks.slots["filing_offered"] == "declined"


def test_the_story_going_on_in_more_messages_is_kept_where_data_was_asked(domain, db):
    told = "El día 2 fui a la droguería de la calle 21"
    more = "Me dijo que no había el medicamento y que volviera otro día"
    consent = answer(domain, "consent", more, intent="pqrs_queja", confidence=0.7,
                     description=told, consent_id=None)  # fmt: skip
    # The "no" inside is no refusal: kept with the story, consent asked again.
    assert consent.responses == ["utter_story_noted"] and consent.slots["consent"] is None
    assert consent.slots["description"] == f"{told}\n{more}"
    name = answer(domain, "full_name", "Y la señora que atiende me trató muy mal",
                  intent="pqrs_queja", confidence=0.7, description=told)  # fmt: skip
    assert name.responses == ["utter_story_noted"] and name.slots["full_name"] is None
    assert name.slots["description"].endswith("\nY la señora que atiende me trató muy mal")
    assert "field_failures" not in name.slots  # not counted as a wrong answer
    # A no first, or words about their data, still answer the question.
    for refusal in ("no acepto, prefiero ir a la sede", "la verdad no quiero dar mis datos"):
        refused = answer(domain, "consent", refusal, intent="deny", confidence=0.4,
                         description=told, consent_id=None)  # fmt: skip
        assert refused.slots["consent"] is False, refusal


def test_a_story_told_at_the_type_list_is_kept_and_grows(domain):
    first = answer(
        domain, "pqrs_type", "es que mi mamá fue a reclamar el subsidio", "nlu_fallback", 0.3,
        pqrs_type=None, type_confirmed=None, description=None,
    )  # fmt: skip
    assert first.responses == ["utter_story_noted"] and first.slots["pqrs_type"] is None
    assert first.slots["description"] == "es que mi mamá fue a reclamar el subsidio"
    second = answer(
        domain, "pqrs_type", "y le dijeron que no estaba afiliada", "pqrs_reclamo", 0.6,
        pqrs_type=None, type_confirmed=None, description=first.slots["description"],
    )  # fmt: skip
    assert second.slots["pqrs_type"] == "reclamo" and not second.slots.get("type_confirmed")
    assert second.slots["description"] == (
        "es que mi mamá fue a reclamar el subsidio\ny le dijeron que no estaba afiliada"
    )


def test_a_name_at_the_type_list_is_no_story(domain):
    outcome = answer(
        domain, "pqrs_type", "Luz Dary Ramírez O.", "nlu_fallback", 0.3,
        pqrs_type=None, type_confirmed=None, description="no había salvavidas en la piscina",
    )  # fmt: skip
    assert outcome.responses == ["utter_invalid_choice"]
    assert "description" not in outcome.slots


def test_more_of_the_story_at_the_type_question_is_added_and_it_is_asked_again(domain):
    outcome = answer(
        domain, "type_confirmed", "pero ella lleva 10 años afiliada por la empresa",
        "pqrs_reclamo", 0.5, type_confirmed=None,
    )  # fmt: skip
    assert outcome.responses == ["utter_story_noted"]
    assert outcome.slots["description"].endswith(
        "\npero ella lleva 10 años afiliada por la empresa"
    )
    assert outcome.slots["requested_slot"] == "type_confirmed"


@pytest.mark.parametrize(
    ("text", "intent", "confirmed", "pqrs_type"),
    [
        # Read as the type proposed (a queja), the story confirms it; even with a "no" inside.
        ("el señor de la taquilla no me quiso recibir el documento", "pqrs_queja", True, "queja"),
        # Read as another type, that one is proposed instead; a wish is no "¿qué…?".
        ("que pongan más sillas en la sala de espera de la sede norte", "pqrs_sugerencia", None,
         "sugerencia"),
        # Not read surely: the type question is asked again, the story kept.
        ("y después me dijeron que volviera otro día", "pqrs_reclamo", None, "queja"),
        # A "no" first is a no: the list is shown, the story kept.
        ("no, lo que pasa es que me cobraron dos veces la entrada", "pqrs_reclamo", None, None),
        ("sí, y además la señora me gritó delante de todos", "pqrs_queja", True, "queja"),
    ],
)  # fmt: skip
def test_the_story_at_the_type_question_is_kept_whatever_the_answer(
    domain, text, intent, confirmed, pqrs_type
):
    confidence = 0.4 if "volviera" in text else 0.8
    outcome = answer(domain, "type_confirmed", text, intent, confidence, type_confirmed=None)
    assert outcome.slots["description"].endswith("\n" + text)
    assert outcome.slots["type_confirmed"] is confirmed
    assert outcome.slots.get("pqrs_type", "queja") == pqrs_type


def test_a_name_where_more_details_were_offered_is_no_detail(domain):
    outcome = answer(domain, "details_offered", "Carlos Andrés Muñoz")
    assert outcome.slots["details_offered"] is True and "description" not in outcome.slots


def test_description_too_short_and_details_added(domain):
    short = answer(domain, "description", "mal", description=None)
    assert short.responses == ["utter_invalid_description"]
    more = answer(domain, "details_offered", "fue el domingo 6 de diciembre como a las 11")
    assert more.slots["description"].endswith("fue el domingo 6 de diciembre como a las 11")


def test_other_data_given_where_the_name_was_asked_is_kept(domain):
    outcome = answer(domain, "full_name", "cc 7.555.444", document_type=None, document_number=None)
    assert outcome.responses == ["utter_story_noted"]  # "Listo, lo anoté"
    assert outcome.slots["document_number"] == "7555444" and outcome.slots["full_name"] is None
    assert "field_failures" not in outcome.slots


def test_a_yes_to_more_details_asks_for_them_once(domain):
    yes = answer(domain, "details_offered", "si", intent="affirm")
    assert yes.slots["details_offered"] is None and yes.slots["details_wanted"] is True
    assert yes.responses == []  # the form's question says it, once
    asked = run_action(
        ActionAskDetailsOffered(),
        tracker_from("pqrs_form_personal", slots={"details_wanted": True}),
        domain,
    )
    assert asked.responses == ["utter_ask_details_wanted"] and asked.slots["details_wanted"] is None
    offered = run_action(ActionAskDetailsOffered(), tracker_from("pqrs_form_personal"), domain)
    assert offered.responses == ["utter_ask_details_offered"]


# --- answers first ---------------------------------------------------------------


@pytest.mark.parametrize("intent", ["cancel", "goodbye", "deny", "human_handoff", "menu"])
def test_a_name_is_an_answer_whatever_the_model_says(domain, intent):
    outcome = answer(domain, "full_name", "María Cancelado Ríos", intent=intent, confidence=1)
    assert outcome.slots["full_name"] == "María Cancelado Ríos"
    assert not outcome.rejected and outcome.messages == []


@pytest.mark.parametrize(
    "text, intent",
    [("/cancel", "cancel"), ("Cancelar", "cancel"), ("menú", "menu"), ("asesor", "human_handoff")],
)
def test_a_keyword_typed_alone_interrupts_any_question(domain, text, intent):
    for slot in ("full_name", "description", "details_offered", "confirmation"):
        outcome = answer(domain, slot, text, intent=intent, confidence=1.0)
        assert outcome.rejected, slot
        assert outcome.messages == [] and "requested_slot" not in outcome.slots


def test_a_confident_interruption_that_is_no_answer_goes_to_the_rules(domain):
    outcome = answer(domain, "full_name", "quiero hablar con alguien ya", "human_handoff", 0.95)
    assert outcome.rejected and outcome.messages == []


def test_an_unsure_interruption_that_is_no_answer_is_a_wrong_answer(domain):
    outcome = answer(domain, "full_name", "no se que poner", intent="cancel", confidence=0.5)
    assert not outcome.rejected
    assert outcome.responses == ["utter_invalid_full_name"]


def test_a_question_is_asked_even_where_free_text_is_expected(domain):
    question = answer(domain, "description", "¿a qué hora abren?", "ask_hours", 0.9)
    assert question.rejected
    types = answer(
        domain,
        "type_confirmed",
        "¿qué diferencia hay entre queja y reclamo?",
        "ask_types",
        0.9,
        type_confirmed=None,
    )
    assert types.rejected
    told = answer(
        domain,
        "description",
        "¿por qué no me han pagado la cuota monetaria de octubre?",
        "pqrs_reclamo",
        0.9,
        description=None,
    )
    assert told.slots["description"].startswith("¿por qué") and not told.rejected


# --- cancelling is asked first -------------------------------------------------------


def test_cancel_requested_puts_the_cancel_question_first(domain):
    tracker = tracker_from("pqrs_form_personal", slots={"cancel_requested": True})
    outcome = run_action(FORM, tracker, domain)
    assert outcome.slots["requested_slot"] == "cancel_confirm"
    assert outcome.messages == []


def test_yes_to_the_cancel_question_ends_the_form(domain):
    outcome = answer(domain, "cancel_confirm", "sí", cancel_requested=True)
    assert outcome.slots["cancel_confirm"] is True
    assert outcome.slots["requested_slot"] is None


def test_no_to_the_cancel_question_keeps_everything_and_asks_again(domain):
    outcome = answer(
        domain, "cancel_confirm", "2", fixture="pqrs_form_personal", cancel_requested=True
    )
    assert outcome.responses == ["utter_cancel_declined"]
    assert outcome.slots["cancel_requested"] is None
    assert outcome.slots["requested_slot"] == "full_name"
    assert not any(
        k in outcome.slots for k in ("pqrs_type", "description", "consent", "consent_id")
    )


def test_cancel_at_the_summary_is_asked_too(domain):
    outcome = answer(domain, "confirmation", "3")
    assert outcome.slots["cancel_requested"] is True
    assert outcome.slots["requested_slot"] == "cancel_confirm"


def test_after_a_pause_a_non_answer_is_asked_again_without_complaint(domain):
    outcome = answer(domain, "email", "hola, ya hablé con el asesor", form_paused=True)
    assert outcome.messages == []
    assert outcome.slots["email"] is None and outcome.slots["form_paused"] is None
    resumed = answer(domain, "email", "ana@gmail.com", form_paused=True)
    assert resumed.slots["email"] == "ana@gmail.com" and resumed.slots["form_paused"] is None


def test_a_rerun_after_a_handoff_keeps_the_form_paused(domain):
    # Rasa runs the form again after action_handoff, with no new text: still paused.
    tracker = tracker_from("pqrs_form_personal", slots={"form_paused": True})
    tracker.events.append({"event": "slot", "name": "full_name", "value": None})
    outcome = run_action(FORM, tracker, domain)
    assert "form_paused" not in outcome.slots and outcome.messages == []


@pytest.mark.parametrize(
    "slot, text",
    [
        ("full_name", "Yurany Cuesta Mosquera"),
        ("full_name", "Juan 2 López"),  # not a valid name, still an answer to the question
        ("document_number", "1.094.887.890"),
        ("phone", "310 123 4567"),
        ("email", "maria.lopez@gmail.com"),
    ],
)
def test_an_answer_to_a_personal_question_is_signalled_for_the_worker(domain, slot, text):
    assert answer(domain, slot, text).signals == [PERSONAL_ANSWER]


def test_other_answers_and_interruptions_are_not_personal(domain):
    assert answer(domain, "service", "lo de la piscina").signals == []
    assert (
        answer(domain, "description", "me cobraron dos veces la cuota del gimnasio").signals == []
    )
    assert answer(domain, "full_name", "menú", intent="menu", confidence=1).signals == []


@pytest.mark.parametrize("text", ["no", "prefiero que sea anónima", "no quiero dar mi nombre"])
def test_a_compliment_can_go_on_without_a_name(domain, text):
    outcome = answer(domain, "full_name", text, pqrs_type="felicitacion", consent=True)
    assert outcome.responses == ["utter_consent_refused_anonymous"]
    assert outcome.slots["consent"] is False and outcome.slots["full_name"] is None
    # A queja needs someone to answer: the name is asked again.
    queja = answer(domain, "full_name", text, pqrs_type="queja", consent=True)
    assert queja.responses == ["utter_invalid_full_name"] and "consent" not in queja.slots


def test_a_misspelt_provider_is_suggested_and_a_yes_takes_the_suggestion(domain):
    typo = answer(domain, "email", "gloria.cardenas@hotmial.com")
    assert typo.responses == ["utter_invalid_email_typo"]
    assert "*gloria.cardenas@hotmail.com*" in rendered(typo, domain)
    tracker = tracker_from(
        "pqrs_form_summary", "sí", "affirm", slots={"email": None, "requested_slot": "email"}
    )
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    tracker.events.insert(users[-1], {"event": "user", "text": "gloria.cardenas@hotmial.com"})
    outcome = run_action(FORM, tracker, domain)
    assert outcome.slots["email"] == "gloria.cardenas@hotmail.com"
    # Without a misspelt address just before, "sí" is no e-mail.
    plain = answer(domain, "email", "sí", "affirm")
    assert plain.responses == ["utter_invalid_email"]
