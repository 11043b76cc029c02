"""People's (and staff's) words are inserted as data, never read as a template.

Rasa's response interpolation returns the raw template when an inserted value contains
"0[", and fills `{slot}` placeholders; so the actions that carry such words render the
text themselves and send it finished (no `response` key for Rasa to interpolate).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.pqrs_asks import ActionAskConfirmation
from actions.pqrs_submit import ActionSubmitPqrs
from actions.status import tell_status
from mara.services import lookup
from mara.settings import ROOT

TRICKY = [
    "{0}",
    "{tipo}",
    "{full_name}",
    "{description}",
    "quiero 0[1] cosas",
    "{0[description]} y {0[full_name]}",
    "{{doble}} } { %s %(x)s $x ${x}",
]


def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker(slots: dict) -> Tracker:
    return Tracker(
        sender_id="573001234567",
        slots=slots,
        latest_message={"text": "1", "metadata": {"message_sid": "SM" + "9" * 32}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def person_slots(description: str) -> dict:
    return {
        "pqrs_type": "queja",
        "description": description,
        "consent": True,
        "full_name": "Ana {0} Gómez",
        "document_type": "CC",
        "document_number": "1094000111",
        "phone": "+573001110000",
        "email": "ana@example.com",
        "service": None,
        "attachments": [],
        "confirmation": "confirmed",
    }


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    for message in dispatcher.messages:
        assert not message.get("response"), "a Rasa template would interpolate it again"
    return [m["text"] for m in dispatcher.messages]


@pytest.mark.parametrize("description", TRICKY)
def test_the_summary_shows_the_description_as_written(description):
    dispatcher = CollectingDispatcher()
    asyncio.run(
        ActionAskConfirmation().run(dispatcher, tracker(person_slots(description)), domain())
    )
    [text] = texts(dispatcher)
    assert f"• Descripción: {description}\n" in text
    assert "• Tipo: Queja" in text
    assert "• Nombre: Ana {0} Gómez" in text
    assert "{type_label}" not in text and "{person}" not in text


@pytest.mark.parametrize("description", TRICKY)
def test_the_radicado_answer_is_whole_and_the_description_stored_verbatim(settings, description):
    from sqlalchemy import select

    from mara.db.models import Ticket
    from mara.db.unit_of_work import UnitOfWork
    from mara.services import filing

    with UnitOfWork(settings.database_url) as uow:
        consent = filing.record_consent(uow, "573001234567", True, "SM1", "v1")
        uow.commit()
    slots = {**person_slots(description), "consent_id": consent}
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionSubmitPqrs().run(dispatcher, tracker(slots), domain()))
    [text] = texts(dispatcher)
    with UnitOfWork(settings.database_url) as uow:
        ticket = uow.session.scalar(select(Ticket))
    assert ticket.description == description
    assert f"*{ticket.radicado}*" in text
    assert "{radicado}" not in text and "{answer_due}" not in text


@pytest.mark.parametrize("answer", TRICKY)
def test_a_staff_answer_with_braces_is_shown_as_written(answer):
    view = lookup.TicketView(
        radicado="PQRS-2026-000123",
        pqrs_type="queja",
        status="respondido",
        received_at=datetime(2026, 12, 4, 15, tzinfo=timezone.utc),
        answer_due_on=datetime(2026, 12, 16).date(),
        answer_summary=answer,
        answered_at=datetime(2026, 12, 10, 15, tzinfo=timezone.utc),
    )
    dispatcher = CollectingDispatcher()
    tell_status(dispatcher, domain(), view)
    [text] = texts(dispatcher)
    assert "PQRS-2026-000123" in text
    assert f"Respuesta: {answer}" in text
