"""The bot never asks the same thing a third time in a row: it offers the menu and a human."""

from __future__ import annotations

from mara.adapters.twilio_form import parse_inbound
from mara.db.unit_of_work import UnitOfWork
from mara.ops.chat import inbound_form
from mara.policy.messages import message
from mara.services import inbox, loops

WA = "573001112233"
QUESTION = ["No encontré esa opción 🤔. Responde con el número de la lista, por favor."]


def turn(settings, replies: list[str]) -> list[str]:
    """One processed message: what the person gets after the loop check."""
    with UnitOfWork(settings.database_url) as uow:
        message_id, _ = inbox.record_inbound(
            uow, parse_inbound(inbound_form(f"whatsapp:+{WA}", "queja"))
        )
        uow.commit()
        sent = loops.without_loops(uow, WA, replies)
        inbox.complete_inbound(uow, message_id, WA, f"whatsapp:+{WA}", sent)
        uow.commit()
    return sent


def test_a_question_asked_twice_is_not_asked_a_third_time(settings):
    assert turn(settings, QUESTION) == QUESTION
    assert turn(settings, QUESTION) == QUESTION
    third = turn(settings, QUESTION)
    assert third == [message("loop_breaker")]
    assert "menú" in third[0] and "asesor" in third[0]
    # The way out was given: the next time the question may be asked again.
    assert turn(settings, QUESTION) == QUESTION


def test_progress_resets_the_count(settings):
    assert turn(settings, QUESTION) == QUESTION
    assert turn(settings, ["¿Cuál es tu nombre completo?"]) == ["¿Cuál es tu nombre completo?"]
    assert turn(settings, QUESTION) == QUESTION
    assert turn(settings, QUESTION) == QUESTION


def test_other_people_do_not_count(settings):
    assert turn(settings, QUESTION) == QUESTION
    with UnitOfWork(settings.database_url) as uow:
        assert loops.without_loops(uow, "573009999999", QUESTION) == QUESTION
