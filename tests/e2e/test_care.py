"""Status by radicado, hours and channels, policies, handoff, opt-out, not understood."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mara import bootstrap
from mara.db.models import InboundMessage, InboundNlu
from mara.db.unit_of_work import UnitOfWork
from mara.jobs import messages as jobs
from tests.e2e.test_pqrs import ALL_DATA, OPENERS, file_with_data, joined, tickets
from tests.support.filing import file_with_consent

FRIDAY_10 = "2026-12-04T10:00:00-05:00"
NEUTRAL = "No encontré una solicitud con esos datos"


@pytest.fixture
def friday(stack):
    yield stack
    if stack.env.get("MARA_CLOCK") != FRIDAY_10:
        stack.set_clock(FRIDAY_10)


@pytest.fixture(scope="module")
def filed(stack):
    """A reclamo filed from 573050000001 by María (CC 1094887890)."""
    wa = "573050000001"
    file_with_data(stack, wa, OPENERS["reclamo"])
    stack.turn(wa, "1")
    [ticket] = tickets(stack, wa)
    return ticket.radicado


def test_status_from_the_filing_number(stack, filed):
    year, seq = filed.split("-")[1:]
    reply = joined(stack.turn("573050000001", f"como va mi radicado pqrs {year} {int(seq)}"))
    assert filed in reply and "recibida" in reply and "Reclamo" in reply
    assert "miércoles 16 de diciembre de 2026" in reply and "a tiempo" in reply
    assert "María" not in reply


def test_status_without_a_number_from_the_filers_phone(stack):
    wa = "573050000030"
    drugstore = (
        "en la drogueria de la sede norte no tenian la insulina y me dijeron que volviera otro dia"
    )
    stack.conversation(wa, drugstore, "si", "si acepto", ALL_DATA, "1")
    [first] = tickets(stack, wa)
    assert first.service == "salud_droguerias"
    reply = joined(stack.turn(wa, "y cómo va lo que puse de la droguería?"))
    assert first.radicado in reply and "recibida" in reply
    # A second request on file; then a status question misread as a new one is corrected.
    with UnitOfWork(stack.settings.database_url) as uow:
        file_with_consent(uow, wa, description="la cuota monetaria no ha llegado")
        uow.commit()
    assert len(tickets(stack, wa)) == 2
    stack.turn(wa, OPENERS["queja"])
    corrected = joined(stack.turn(wa, "no, quiero saber cómo va lo de la droguería que ya puse"))
    assert first.radicado in corrected and "Ley 1581" not in corrected
    assert len(tickets(stack, wa)) == 2


def test_mis_radicados_lists_open_requests(stack, filed):
    reply = joined(stack.turn("573050000001", "mis radicados"))
    assert filed in reply
    assert "No tienes solicitudes abiertas" in joined(stack.turn("573050000099", "mis radicados"))


def test_status_from_another_number_needs_the_document(stack, filed):
    wa = "573050000002"
    ask = joined(stack.turn(wa, f"consultar radicado {filed}"))
    assert "documento" in ask and filed not in ask
    reply = joined(stack.turn(wa, "1.094.887.890"))
    assert filed in reply and "recibida" in reply
    assert "María" not in reply and "1094887890" not in reply


def test_wrong_document_and_unknown_radicado_get_the_same_answer_then_a_pause(stack, filed):
    wa = "573050000003"
    stack.turn(wa, f"consultar radicado {filed}")
    wrong_document = stack.turn(wa, "12345678")
    stack.turn(wa, "consultar radicado PQRS-2026-999999")
    unknown_radicado = stack.turn(wa, "1094887890")
    assert wrong_document == unknown_radicado
    assert NEUTRAL in joined(wrong_document)
    stack.turn(wa, f"consultar radicado {filed}")
    third = joined(stack.turn(wa, "55555555"))
    assert NEUTRAL in third and "pausé las consultas" in third
    # Paused: even the right document is not checked now.
    paused = joined(stack.turn(wa, f"consultar radicado {filed}"))
    assert "pausé las consultas" in paused and "recibida" not in paused


@pytest.mark.parametrize(
    "instant, punto_fisico",
    [
        ("2026-11-30T09:00:00-05:00", "abierto, hasta las 12:00 m."),  # Monday morning
        ("2026-11-30T12:30:00-05:00", "abre hoy a las 1:30 p. m."),  # lunch break
        ("2026-12-05T10:00:00-05:00", "abre el lunes 7 de diciembre a las 7:30 a. m."),  # Saturday
        ("2026-12-08T10:00:00-05:00", "abre mañana a las 7:30 a. m."),  # holiday (Tuesday)
    ],
)
def test_open_now(friday, instant, punto_fisico):
    friday.set_clock(instant)
    reply = joined(friday.turn("573050000010", "¿están abiertos ahora?"))
    office = reply.split("• *Teléfono*")[0]
    assert "Calle 16 #15-22" in office and punto_fisico in office
    assert "Línea gratuita" in reply and "24 horas" in reply.split("Correo")[1]
    assert len(reply) <= 600  # a short answer to a short question


def test_a_date_question_is_parsed(friday):
    reply = joined(friday.turn("573050000011", "¿atienden el 8 de diciembre?"))
    assert "martes 8 de diciembre" in reply and "festivo" in reply
    assert "abre el miércoles 9 de diciembre a las 7:30 a. m." in reply
    reply = joined(friday.turn("573050000011", "¿a qué hora cierran el lunes?"))
    assert "lunes 7 de diciembre" in reply and "6:00 p. m." in reply


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        (
            "hola buenas tardes quisiera saber el horario de atencion",
            ("Calle 16 #15-22", "Línea gratuita"),
        ),
        # Saturdays in the plural: the next one (Friday's tomorrow), closed.
        (
            "Buenas noches, una pregunta: ¿ustedes atienden los sábados?",
            ("sábado 5 de diciembre", "no abre"),
        ),
    ],
)
def test_a_greeting_with_a_question_gets_the_answer_not_the_menu(friday, text, answer):
    reply = joined(friday.turn("573050000090", text))
    assert all(part in reply for part in answer), reply
    assert "Escribe el número" not in reply


def test_a_greeting_with_nothing_more_gets_the_menu(stack):
    reply = joined(stack.turn("573050000091", "buenas tardes, una consulta"))
    assert "Soy MARA" in reply and "Horarios y canales de atención" in reply


def test_policy_answers_come_from_config(stack):
    assert "7 días hábiles" in joined(stack.turn("573050000012", "qué es el resarcimiento"))
    assert "número de identificación" in joined(
        stack.turn("573050000012", "que datos necesito para poner una queja")
    )
    assert "exigir una solución" in joined(
        stack.turn("573050000012", "que diferencia hay entre queja y reclamo")
    )


def test_the_difference_between_two_types_is_just_their_two_definitions(stack):
    [answer] = stack.turn("573050000040", "¿cuál es la diferencia entre una queja y un reclamo?")
    assert "*Queja*" in answer and "*Reclamo*" in answer and "exigir una solución" in answer
    assert "Sugerencia" not in answer and "Felicitación" not in answer
    assert len(answer) <= 600


def test_preferential_attention_is_recorded_on_the_request(stack):
    wa = "573050000013"
    assert "preferencial" in joined(
        stack.turn(wa, "soy adulto mayor, tengo atencion preferencial?")
    )
    stack.conversation(wa, OPENERS["sugerencia"], "no", "no", "1")
    [ticket] = tickets(stack, wa)
    assert ticket.preferential is True


def test_handoff_within_advisers_hours_silences_the_bot(friday):
    wa = "573050000014"
    reply = joined(friday.turn(wa, "quiero hablar con un asesor"))
    assert "le avisé a un asesor" in reply and "7314001" in reply
    assert friday.turn(wa, "hola?") == []
    with UnitOfWork(friday.settings.database_url) as uow:
        statuses = uow.session.scalars(
            select(InboundMessage.status)
            .where(InboundMessage.wa_id == wa)
            .order_by(InboundMessage.id)
        ).all()
    assert statuses == ["processed", "handoff"]


def test_handoff_outside_hours_says_when_advisers_are_back(friday):
    friday.set_clock("2026-12-05T10:00:00-05:00")
    reply = joined(friday.turn("573050000015", "quiero hablar con una persona"))
    assert "lunes 7 de diciembre de 2026 a las 7:30 a. m." in reply
    assert "atencionalusuario@comfenalcoquindio.co" in reply and "radico tu solicitud" in reply
    assert "Radicar una PQRS" in joined(friday.turn("573050000015", "hola"))


def test_baja_stops_proactive_messages_and_alta_restores_them(stack, twilio_api):
    wa = "573050000016"
    assert "No te enviaremos más mensajes" in joined(stack.turn(wa, "BAJA"))
    runtime = bootstrap.build(stack.settings)
    assert jobs.notify(wa, "¿Cómo te atendimos?", "survey", f"survey:{wa}:1", runtime) == (
        "suppressed (opted out)"
    )
    assert "Volverás a recibir" in joined(stack.turn(wa, "ALTA"))
    assert jobs.notify(wa, "¿Cómo te atendimos?", "survey", f"survey:{wa}:2", runtime) == "queued"
    surveys = [
        m
        for m in twilio_api.wait_for(3, to=f"whatsapp:+{wa}")
        if m.form["Body"] == "¿Cómo te atendimos?"
    ]
    assert len(surveys) == 1
    assert "Volverás" in joined(stack.turn(wa, "quiero volver a recibir mensajes"))


def test_two_misunderstood_messages_offer_menu_and_human(stack):
    wa = "573050000017"
    first = joined(stack.turn(wa, "quien gano el partido de anoche"))
    assert "asesor" not in first
    second = joined(stack.turn(wa, "asdkjh qwe zzz"))
    assert "asesor" in second and "Radicar una PQRS" in second
    # Both are in the trainers' review with what the NLU made of them.
    with UnitOfWork(stack.settings.database_url) as uow:
        rows = uow.session.execute(
            select(InboundMessage.body, InboundNlu.intent)
            .join(InboundNlu, InboundNlu.inbound_id == InboundMessage.id)
            .where(InboundMessage.wa_id == wa)
            .order_by(InboundMessage.id)
        ).all()
    assert [r.body for r in rows] == ["quien gano el partido de anoche", "asdkjh qwe zzz"]
    assert all(r.intent in ("out_of_scope", "nlu_fallback") for r in rows), rows


def test_menu_options_two_three_and_four(friday, filed):
    wa = "573050000018"
    friday.turn(wa, "hola")
    [ask] = friday.turn(wa, "2")
    assert "número de radicado" in ask
    [document] = friday.turn(wa, filed)
    assert "documento" in document
    assert "recibida" in joined(friday.turn(wa, "1094887890"))
    hours = friday.turn(wa, "3")
    assert len(hours) == 1 and "Calle 16 #15-22" in hours[0]
    handoff = friday.turn(wa, "4")
    assert len(handoff) == 1 and "le avisé a un asesor" in handoff[0]


def test_what_people_ask_outside_a_request(stack, friday, filed):
    wa = "573050000140"
    dates = joined(
        stack.turn(wa, "buenas tardes una pregunta el subsidio de este mes cuando lo pagan")
    )
    assert "Las fechas de *Subsidio / cuota monetaria*" in dates
    assert "salarios mínimos" not in dates and "solicitud de información" in dates
    declined = joined(stack.turn(wa, "ok gracias"))
    assert "no radiqué nada" in declined and "Ley 1581" not in declined
    assert "festivo" in joined(stack.turn(wa, "atienden el 8 de diciembre?"))
    other_day = joined(stack.turn(wa, "y el 24?"))
    assert "jueves 24 de diciembre" in other_day and "Lo radico" not in other_day
    call = joined(stack.turn(wa, "hola buenas, me pueden llamar al 3104567890 por favor"))
    assert "no puedo hacer llamadas" in call and "asesor" in call
    # No answer yet to a request filed is asked as its status, not filed as a new one.
    late = "Hace 15 dias radique un reclamo y todavia no me responden, que pasa?"
    status = joined(stack.turn("573050000001", late))
    assert filed in status and "Lo radico" not in status
