"""Status without a number from the filer's phone (also where a filing was misread or is
being corrected), a long story not understood offered as a request, service questions."""

from __future__ import annotations

from datetime import datetime

import pytest

from actions.info import ActionAnswerHours
from actions.menu import ActionGreet, ActionNotUnderstood
from actions.offers import ActionAnswerService, ActionStartPqrs
from actions.pqrs_asks import ActionAskTypeConfirmed
from actions.pqrs_form import ValidatePqrsForm
from actions.pqrs_submit import ActionSubmitPqrs
from actions.status import ActionStartStatus
from mara.db.unit_of_work import UnitOfWork
from mara.services import filing
from mara.text.asks import asks_when
from tests.unit.actions.conftest import rendered, run_action, tracker_from

FILER = "573001234567"  # the sender of the pqrs_form fixtures
STORY = (
    "el sábado fui con mis hijos al parque acuático y el salvavidas no estaba pendiente, "
    "un niño casi se ahoga y nadie hizo nada"
)


def file(db, pqrs_type: str, service: str, description: str) -> str:
    with UnitOfWork(db) as uow:
        consent_id = filing.record_consent(uow, FILER, True, "SM1", "2026-11")
        filed = filing.file_ticket(
            uow,
            now=datetime.fromisoformat("2026-12-04T10:00:00-05:00"),
            pqrs_type=pqrs_type,
            description=description,
            wa_id=FILER,
            service=service,
            requester=filing.RequesterData(
                full_name="María López",
                document_type="CC",
                document_number="1094887890",
                phone="+573001234567",
                email=None,
            ),
            consent_id=consent_id,
        )
        uow.commit()
    return filed.radicado


def idle(text, intent="check_status", **kwargs):
    tracker = tracker_from("idle", text, intent, **kwargs)
    tracker.sender_id = FILER
    return tracker


def test_status_without_a_number_answers_the_only_request(domain, db):
    radicado = file(db, "queja", "salud_droguerias", "la droguería no tenía el medicamento")
    outcome = run_action(ActionStartStatus(), idle("y cómo va lo que puse?"), domain)
    assert outcome.slots["status_radicado"] == radicado


def test_status_without_a_number_picks_the_request_its_words_name(domain, db):
    file(db, "queja", "recreacion_deportes", "la piscina estaba sucia")
    drugstore = file(db, "reclamo", "salud_droguerias", "me cobraron dos veces")
    text = "y cómo va lo que puse de la droguería?"
    assert run_action(ActionStartStatus(), idle(text), domain).slots["status_radicado"] == (
        drugstore
    )
    listed = run_action(ActionStartStatus(), idle("cómo va lo mío?"), domain)
    assert listed.responses == ["utter_open_tickets"] and listed.slots["status_radicado"] is None


def test_a_status_question_read_as_a_new_request_answers_the_status(domain, db):
    radicado = file(db, "queja", "salud_droguerias", "la droguería no tenía el medicamento")
    tracker = idle("y cómo va lo que puse de la droguería?", intent="pqrs_queja")
    outcome = run_action(ActionStartPqrs(), tracker, domain)
    assert outcome.responses == ["utter_status"]
    assert f"*{radicado}*" in outcome.messages[0]["text"]
    assert outcome.slots["cancel_confirm"] is True and outcome.slots["filing_offered"] == "left"


def test_a_correction_mid_form_leaves_the_form_for_the_status(domain, db):
    file(db, "queja", "salud_droguerias", "la droguería no tenía el medicamento")
    file(db, "reclamo", "subsidio_cuota", "no me pagaron la cuota")
    tracker = tracker_from(
        "pqrs_form_personal",
        "no, quiero saber cómo va la queja que ya puse",
        slots={"type_confirmed": None, "requested_slot": "type_confirmed"},
    )
    outcome = run_action(ValidatePqrsForm(), tracker, domain)
    assert outcome.responses == ["utter_status"]
    assert "(Queja)" in outcome.messages[0]["text"]
    assert outcome.slots["requested_slot"] is None  # the form ends
    at_consent = tracker_from(
        "pqrs_form_personal",
        "no, quiero saber cómo va la queja que ya puse",
        slots={"consent": None, "consent_id": None, "requested_slot": "consent"},
    )
    left = run_action(ValidatePqrsForm(), at_consent, domain)
    assert left.responses == ["utter_status"] and left.slots["consent"] is None
    submit = tracker_from("pqrs_form_personal", slots={"cancel_confirm": True, **outcome.slots})
    done = run_action(ActionSubmitPqrs(), submit, domain)
    assert done.messages == []  # nothing more said, nothing filed


def test_a_long_story_not_understood_is_offered_as_a_request(domain, db):
    outcome = run_action(ActionNotUnderstood(), idle(STORY, intent="nlu_fallback"), domain)
    assert outcome.responses == ["utter_offer_to_file"]
    assert outcome.slots["description"] == STORY
    assert outcome.slots["filing_offered"] == "offered"
    assert outcome.slots["pqrs_type"] is None
    assert outcome.events[-1]["name"] == "pqrs_form"
    short = run_action(ActionNotUnderstood(), idle("asdf qwer", intent="nlu_fallback"), domain)
    assert short.responses == ["utter_default"]


def after(tracker, outcome):
    """The tracker as Rasa keeps it after the validator's turn: the text it took as the
    slot's candidate stays unless the validator cleared it."""
    return tracker_from("pqrs_form_personal", slots={**tracker.slots, **outcome.slots})


@pytest.mark.parametrize("no", ["no", "no gracias", "ahora no", "mejor no"])
def test_no_to_the_offer_ends_it_politely_and_a_number_picks_the_type(domain, no):
    slots = {
        "pqrs_type": None,
        "requested_slot": "pqrs_type",
        "filing_offered": "offered",
        "description": STORY,
    }
    asked = tracker_from("pqrs_form_personal", no, slots=slots)
    declined = run_action(ValidatePqrsForm(), asked, domain)
    assert declined.slots["cancel_confirm"] is True and declined.slots["requested_slot"] is None
    assert declined.slots["pqrs_type"] is None  # "no" is not left behind as a type
    submitted = run_action(ActionSubmitPqrs(), after(asked, declined), domain)
    assert submitted.responses == ["utter_offer_declined"]
    assert "no radiqué nada" in rendered(submitted, domain)
    two = run_action(
        ValidatePqrsForm(), tracker_from("pqrs_form_personal", "2", slots=slots), domain
    )
    assert two.slots["pqrs_type"] == "queja"


@pytest.mark.parametrize(
    ("answer", "declined"),
    [
        ("2", True),
        ("no gracias", True),
        ("ok gracias", True),
        ("listo, muy amable", True),
        ("1", False),
        ("sí gracias", False),
    ],
)
def test_the_offer_to_file_a_service_question_is_a_yes_or_no(domain, answer, declined):
    slots = {
        "pqrs_type": "informacion",
        "type_confirmed": None,
        "requested_slot": "type_confirmed",
        "filing_offered": "offered",
        "description": "que requisitos piden para el credito social?",
    }
    asked = tracker_from("pqrs_form_personal", slots=slots)
    question = run_action(ActionAskTypeConfirmed(), asked, domain)
    assert question.responses == ["utter_ask_type_offered"]
    assert "*solicitud de información*" in rendered(question, domain)
    answered = tracker_from("pqrs_form_personal", answer, slots=slots)
    outcome = run_action(ValidatePqrsForm(), answered, domain)
    if declined:
        assert outcome.slots["cancel_confirm"] is True and outcome.slots["type_confirmed"] is None
        submitted = run_action(ActionSubmitPqrs(), after(answered, outcome), domain)
        assert submitted.responses == ["utter_offer_declined"]
    else:
        assert outcome.slots["type_confirmed"] is True and "cancel_confirm" not in outcome.slots


def test_a_service_question_config_cannot_answer_offers_an_information_request(domain, db):
    text = "cuales son los requisitos?"
    outcome = run_action(ActionAnswerService(), idle(text, intent="ask_service"), domain)
    assert outcome.responses == ["utter_service_unknown_general"]
    assert "comfenalcoquindio.com" in rendered(outcome, domain)
    assert outcome.slots["pqrs_type"] == "informacion"
    assert outcome.slots["filing_offered"] == "offered"
    assert outcome.slots["description"] == text
    assert outcome.events[-1]["name"] == "pqrs_form"


def test_a_service_question_is_answered_however_the_model_read_it(domain, db):
    text = "que requisitos piden para postularse al subsidio de vivienda?"
    for action, intent in (
        (ActionNotUnderstood(), "nlu_fallback"),
        (ActionAnswerService(), "ask_service"),
        (ActionStartPqrs(), "pqrs_informacion"),
    ):
        outcome = run_action(action, idle(text, intent=intent), domain)
        assert outcome.responses == ["utter_service_info"], intent
        said = rendered(outcome, domain)
        assert "*Vivienda*" in said and "4 salarios mínimos" in said and len(said) <= 600
        assert "pqrs_form" not in [e.get("name") for e in outcome.events]
    # Read as an information request, the form the rules start next ends without a word.
    assert outcome.slots["cancel_confirm"] is True and outcome.slots["filing_offered"] == "left"
    assert outcome.slots["description"] is None


def test_a_question_on_a_service_config_knows_is_answered_from_it(domain, db):
    text = "que requisitos hay para el subsidio de desempleo?"
    outcome = run_action(ActionAnswerService(), idle(text, intent="ask_service"), domain)
    assert outcome.responses == ["utter_service_info"]
    said = rendered(outcome, domain)
    assert "Ley 1636 de 2013" in said and "comfenalcoquindio.com" in said
    assert outcome.events == []  # answered: nothing filed


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (
            "buenas tardes señorita una pregunta el subsidio de este mes cuando lo pagan",
            "*Subsidio / cuota monetaria*",
        ),
        ("¿qué día consignan la cuota monetaria?", "*Subsidio / cuota monetaria*"),
        ("en que fecha abren inscripciones de natacion", "*Recreación y deportes*"),
    ],
)
def test_a_question_for_a_date_is_not_answered_with_requirements(domain, db, text, label):
    outcome = run_action(ActionAnswerService(), idle(text, intent="ask_service"), domain)
    assert outcome.responses == ["utter_service_dates"]
    said = rendered(outcome, domain)
    assert label in said and "comfenalcoquindio.com" in said
    assert "salarios mínimos" not in said and "categoría" not in said
    # A written answer is offered, as for any question config/ cannot answer.
    assert outcome.slots["pqrs_type"] == "informacion"
    assert outcome.slots["filing_offered"] == "offered"
    assert outcome.events[-1]["name"] == "pqrs_form"


def test_a_date_asked_without_a_service_read_as_a_request_is_answered_too(domain, db):
    text = "buenos dias, mi mamá es afiliada y quiero saber cuando le llega el subsidio"
    outcome = run_action(ActionStartPqrs(), idle(text, intent="pqrs_informacion"), domain)
    assert outcome.responses[0] in {"utter_service_dates", "utter_service_dates_general"}
    assert "comfenalcoquindio.com" in rendered(outcome, domain)
    assert outcome.slots["filing_offered"] == "offered"


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("el subsidio de este mes cuando lo pagan", True),
        ("¿Cuándo pagan el subsidio?", True),
        ("el subsidio para cuándo?", True),
        ("cuando van a pagar la cuota", True),
        ("fechas de inscripción al colegio", True),
        ("que requisitos piden cuando uno es independiente", False),
        ("cuando fui a la sede me atendieron mal", False),
        ("cuánto vale la piscina", False),
    ],
)
def test_a_date_is_told_from_when_in_a_statement(text, when):
    assert asks_when(text) is when


def test_a_type_named_when_asking_to_file_is_not_asked_again(domain, db):
    outcome = run_action(ActionStartPqrs(), idle("quiero poner un reclamo", "file_pqrs"), domain)
    assert outcome.slots["pqrs_type"] == "reclamo" and outcome.slots["type_confirmed"] is True
    # Read as a type, misspelt: the words only announce it, so they are no description.
    announced = idle("kiero aser una sujerencia", "pqrs_sugerencia", confidence=0.6)
    outcome = run_action(ActionStartPqrs(), announced, domain)
    assert outcome.slots["pqrs_type"] == "sugerencia" and outcome.slots["type_confirmed"] is True
    assert outcome.slots["description"] is None
    # The case told with it stays the description.
    told = idle("quiero poner una queja porque me trataron mal", "pqrs_queja", confidence=0.6)
    outcome = run_action(ActionStartPqrs(), told, domain)
    assert outcome.slots["description"] == "quiero poner una queja porque me trataron mal"
    assert outcome.slots["type_confirmed"] is True  # named and read alike
    # Introducing oneself first announces nothing more.
    introduced = idle(
        "hola mi nombre es Jhon Fredy Ospina quiero hacer una sugerencia",
        "pqrs_sugerencia",
        confidence=0.6,
    )
    outcome = run_action(ActionStartPqrs(), introduced, domain)
    assert outcome.slots["pqrs_type"] == "sugerencia" and outcome.slots["description"] is None
    # Naming none, or two, leaves the list to ask.
    for text in ("quiero radicar una pqrs", "no sé si es queja o reclamo"):
        outcome = run_action(ActionStartPqrs(), idle(text, "file_pqrs"), domain)
        assert outcome.slots.get("pqrs_type") is None, text


def test_no_answer_yet_to_a_filed_request_is_a_status_question(domain, db):
    radicado = file(db, "peticion", "credito", "solicito el paz y salvo del crédito")
    text = "Hace 15 dias radique una peticion y todavia no me responden, que pasa?"
    outcome = run_action(ActionStartPqrs(), idle(text, intent="pqrs_reclamo"), domain)
    assert outcome.responses == ["utter_status"]
    assert f"*{radicado}*" in outcome.messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "pqrs_type"),
    [("tengo un reclamo", "reclamo"), ("soy afiliada y tengo una queja", "queja")],
)
def test_a_type_named_that_the_model_missed_starts_the_filing(domain, db, text, pqrs_type):
    outcome = run_action(ActionNotUnderstood(), idle(text, intent="nlu_fallback"), domain)
    assert outcome.slots["pqrs_type"] == pqrs_type and outcome.slots["type_confirmed"] is True
    assert outcome.slots.get("description") is None  # what happened is still to be asked
    assert [e["name"] for e in outcome.events if e["event"] == "followup"] == ["pqrs_form"]
    # A case told with the type is no announcement: the usual answer to what is unclear.
    told = idle("tengo una queja por lo de ayer", intent="nlu_fallback")
    outcome = run_action(ActionNotUnderstood(), told, domain)
    assert not [e for e in outcome.events if e["event"] == "followup"]


@pytest.mark.parametrize("intent", ["inform", "nlu_fallback"])
def test_a_call_asked_for_is_handed_to_an_adviser(domain, db, intent):
    text = "hola buenas, me pueden llamar al 3104567890 por favor"
    outcome = run_action(ActionNotUnderstood(), idle(text, intent=intent), domain)
    assert outcome.responses[0] == "utter_no_calls"
    assert outcome.responses[1] in {"utter_handoff_waiting", "utter_handoff_closed"}


def after_hours_answer(text, intent, asked="¿atienden el 8 de diciembre?"):
    """`text` written right after the bot answered an hours question."""
    tracker = idle(text, intent=intent)
    latest = tracker.events.pop()
    tracker.events += [
        {"event": "user", "text": asked, "parse_data": {"intent": {"name": "ask_hours"}}},
        {"event": "action", "name": "action_answer_hours"},
        {"event": "action", "name": "action_listen"},
        latest,
    ]
    return tracker


@pytest.mark.parametrize(
    ("action", "intent"),
    [(ActionStartPqrs(), "pqrs_reclamo"), (ActionNotUnderstood(), "nlu_fallback")],
)
def test_another_day_right_after_an_hours_answer_is_about_hours(domain, db, action, intent):
    outcome = run_action(action, after_hours_answer("y el 24?", intent), domain)
    assert outcome.responses == ["utter_policy"]
    assert "24 de diciembre" in rendered(outcome, domain)
    assert "pqrs_form" not in [e.get("name") for e in outcome.events]
    # A bare number takes the month asked before.
    january = after_hours_answer("y el 9?", intent, asked="¿abren el 8 de enero?")
    assert "9 de enero" in rendered(run_action(action, january, domain), domain)
    # Not after an hours answer, the same words are not read as a day.
    assert run_action(action, idle("y el 24?", intent=intent), domain).responses != ["utter_policy"]


def test_another_channel_right_after_an_hours_answer_is_about_hours(domain, db):
    outcome = run_action(
        ActionNotUnderstood(), after_hours_answer("y por whatsapp?", "nlu_fallback"), domain
    )
    assert outcome.responses == ["utter_policy"] and "*WhatsApp*" in rendered(outcome, domain)


@pytest.mark.parametrize(
    ("action", "intent"),
    [(ActionStartPqrs(), "pqrs_informacion"), (ActionNotUnderstood(), "nlu_fallback")],
)
def test_an_office_in_a_town_without_one_gets_the_one_there_is(domain, db, action, intent):
    outcome = run_action(action, idle("tienen sede en calarca?", intent=intent), domain)
    assert outcome.responses == ["utter_no_office_in_town"]
    text = rendered(outcome, domain)
    assert "*Calarcá*" in text and "Calle 16 #15-22, Armenia" in text
    assert "pqrs_form" not in [e.get("name") for e in outcome.events]


def test_a_town_right_after_an_hours_answer_is_about_an_office_there(domain, db):
    outcome = run_action(
        ActionNotUnderstood(), after_hours_answer("y en calarca?", "nlu_fallback"), domain
    )
    assert outcome.responses == ["utter_no_office_in_town"]
    asked = run_action(
        ActionAnswerHours(), idle("a que horas atienden en quimbaya", "ask_hours"), domain
    )
    assert asked.responses == ["utter_no_office_in_town", "utter_policy"]


def test_a_service_question_takes_the_service_named_just_before(domain, db):
    tracker = idle("cuales son los requisitos?", intent="ask_service")
    latest = tracker.events.pop()
    tracker.events += [
        {"event": "user", "text": "buenas tardes es para preguntar por el kit escolar"},
        {"event": "action", "name": "action_greet"},
        latest,
    ]
    outcome = run_action(ActionAnswerService(), tracker, domain)
    assert outcome.responses == ["utter_service_info"]
    assert "*Educación*" in rendered(outcome, domain)


@pytest.mark.parametrize(
    ("action", "intent"),
    [(ActionNotUnderstood(), "nlu_fallback"), (ActionStartPqrs(), "pqrs_informacion")],
)
def test_a_question_right_after_a_service_was_named_is_about_it(domain, db, action, intent):
    def after(text: str):
        tracker = idle(text, intent=intent)
        latest = tracker.events.pop()
        tracker.events += [
            {"event": "user", "text": "me pueden ayudar con el subsidio de vivienda"},
            {"event": "action", "name": "action_answer_service"},
            latest,
        ]
        return tracker

    outcome = run_action(action, after("como me postulo?"), domain)
    assert outcome.responses == ["utter_service_info"]
    assert "*Vivienda*" in rendered(outcome, domain)
    # Not a question in a service's words: not taken as one.
    assert "utter_service_info" not in run_action(action, after("y eso?"), domain).responses


@pytest.mark.parametrize(
    ("text", "responses"),
    [
        ("buenas tardes", ["utter_greet", "utter_menu"]),
        (
            "buenas tardes es para preguntar por el kit escolar",
            ["utter_greet", "utter_service_info"],
        ),
        ("hola buenas soy afiliada", ["utter_greet", "utter_menu"]),
        (
            "buenas, me pueden ayudar con el subsidio de vivienda",
            ["utter_greet", "utter_service_info"],
        ),
    ],
)
def test_a_greeting_carrying_a_service_question_gets_the_answer(domain, db, text, responses):
    outcome = run_action(ActionGreet(), idle(text, intent="greet"), domain)
    assert outcome.responses == responses


@pytest.mark.parametrize("intent", ["out_of_scope", "nlu_fallback"])
def test_anger_without_a_story_is_heard_and_offered_a_queja(domain, db, intent):
    outcome = run_action(ActionNotUnderstood(), idle("ustedes son unos ladrones", intent), domain)
    assert outcome.responses == ["utter_upset_offer_queja"]
    assert "*queja*" in rendered(outcome, domain)


@pytest.mark.parametrize(
    ("action", "text", "intent"),
    [
        (
            ActionNotUnderstood(),
            "Cómo puedo cambiar mi correo en el radicado que puse?",
            "change_field",
        ),
        (ActionStartPqrs(), "quiero actualizar mi numero de celular de la queja", "pqrs_peticion"),
    ],
)
def test_a_change_to_a_filed_request_is_told_where_to_ask(domain, db, action, text, intent):
    outcome = run_action(action, idle(text, intent=intent), domain)
    assert outcome.responses == ["utter_change_filed"]
    said = rendered(outcome, domain)
    assert "atencionalusuario@comfenalcoquindio.co" in said and "radicado" in said
    assert "pqrs_form" not in [e.get("name") for e in outcome.events]


@pytest.mark.parametrize(
    ("text", "responses"),
    [
        ("no entiendo nada", ["utter_lost_menu", "utter_menu"]),
        ("esto no sirve para nada", ["utter_upset_offer_queja"]),
        ("no", ["utter_ok"]),
        ("nada mas", ["utter_ok"]),
        ("no, así está bien", ["utter_ok"]),
        ("no me sirvió", ["utter_default"]),
    ],
)
def test_a_no_with_no_question_pending_is_read_again(domain, db, text, responses):
    outcome = run_action(ActionNotUnderstood(), idle(text, intent="deny"), domain)
    assert outcome.responses == responses


def test_no_answer_on_the_phone_line_is_a_new_queja_not_a_status_question(domain, db):
    file(db, "peticion", "credito", "solicito el paz y salvo del crédito")
    text = "llamo a la linea y no me contestan, quiero poner una queja"
    outcome = run_action(ActionStartPqrs(), idle(text, intent="pqrs_queja"), domain)
    assert "utter_status" not in outcome.responses
    assert outcome.slots["pqrs_type"] == "queja"
