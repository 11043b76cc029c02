"""Real people's ways of writing, through the whole stack: a type named that the model is
unsure of, a name said with more around it, an office asked for in a town, a radicado lost,
a story told in several messages, a consent given after refusing it."""

from __future__ import annotations

from sqlalchemy import select

from mara.db.models import Consent
from mara.db.unit_of_work import UnitOfWork
from tests.e2e.test_pqrs import joined, tickets


def test_a_type_named_and_a_name_said_with_more_around_it(stack):
    wa = "573010000061"
    asked = joined(stack.turn(wa, "tengo un reclamo"))
    assert "*reclamo*" in asked and "Cuéntame con detalle" in asked
    story = "la cuota monetaria de noviembre no me llegó y mis hijos están afiliados"
    assert "Ley 1581" in joined(stack.turn(wa, story))
    assert "nombre completo" in joined(stack.turn(wa, "dale"))
    # The acknowledgement before the name and the document after it are no part of it.
    email = joined(stack.turn(wa, "Si claro. Martha Lucia Giraldo, cc 24.567.890"))
    assert "correo" in email and "tipo de documento" not in email
    summary = joined(stack.turn(wa, "no tengo"))
    assert "Nombre: Martha Lucia Giraldo" in summary and "CC 24567890" in summary
    assert "Tipo: Reclamo" in summary and story in summary
    # A change written with its new value is made at once.
    changed = joined(stack.turn(wa, "el correo si lo tengo es martha.giraldo@gmail.com"))
    assert "cambié el correo" in changed and "Correo: martha.giraldo@gmail.com" in changed
    stack.turn(wa, "1")
    [ticket] = tickets(stack, wa)
    assert ticket.requester.full_name == "Martha Lucia Giraldo"
    assert ticket.requester.email == "martha.giraldo@gmail.com"


def test_an_office_in_a_town_and_a_radicado_not_at_hand(stack):
    wa = "573010000062"
    office = joined(stack.turn(wa, "buenas, tienen sede en calarca?"))
    assert "*Calarcá*" in office and "Calle 16 #15-22, Armenia" in office
    assert "Lo radico" not in office
    stack.turn(wa, "quisiera saber si ya le dieron respuesta a mi queja")
    lost = joined(stack.turn(wa, "no me acuerdo del numero"))
    assert "mensaje de confirmación" in lost and "No reconocí" not in lost
    # The lookup ended: the next message is a new question, not another try at a number.
    assert "Punto físico" in joined(stack.turn(wa, "a que horas abren?"))
    photo = joined(
        stack.turn(wa, "Hola buenas, ya radiqué una queja pero quiero agregarle una foto")
    )
    assert "no le puedo agregar archivos" in photo and "atencionalusuario@" in photo
    assert "¿Qué quieres saber?" in joined(stack.turn(wa, "es que necesito una información"))


def test_a_story_in_several_messages_and_a_consent_given_after_all(stack):
    wa = "573010000063"
    stack.turn(wa, "Quiero poner una queja")
    assert "Ley 1581" in joined(stack.turn(wa, "El día 2 de diciembre fui a la droguería"))
    # The story goes on where consent was asked; its "no" is no refusal.
    more = "Me dijo que no había el medicamento y que volviera otro día"
    again = joined(stack.turn(wa, more))
    assert "lo anoté" in again and "¿Aceptas?" in again and "respeto tu decisión" not in again
    refused = joined(stack.turn(wa, "no acepto"))
    assert "respeto tu decisión" in refused and "escribe *acepto*" in refused
    # A yes right after takes the request up again, the consent recorded with it.
    resumed = joined(stack.turn(wa, "bueno sí, acepto"))
    assert "Retomo tu queja" in resumed and "nombre completo" in resumed
    stack.turn(wa, "Gloria Stella Marín Orozco, CC 41888999")
    summary = joined(stack.turn(wa, "no tengo"))
    assert "droguería" in summary and more in summary and "Gloria Stella Marín Orozco" in summary
    stack.turn(wa, "1")
    [ticket] = tickets(stack, wa)
    assert more in ticket.description and ticket.requester.document_number == "41888999"
    with UnitOfWork(stack.settings.database_url) as uow:
        consents = uow.session.scalars(select(Consent).where(Consent.wa_id == wa)).all()
    assert [c.granted for c in consents] == [False, True]
