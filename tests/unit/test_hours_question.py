"""Hours questions answered as asked: one channel, "hasta qué hora", a day, a short summary."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from mara.policy.channels import business_calendar
from mara.text.hours import answer_hours_question
from mara.text.hours_question import (
    asks_for_an_office_in,
    describes_past_event,
    read_hours_question,
)

BOGOTA = ZoneInfo("America/Bogota")
MONDAY_4PM = datetime(2026, 12, 7, 16, 0, tzinfo=BOGOTA)
MONDAY_7PM = datetime(2026, 12, 7, 19, 0, tzinfo=BOGOTA)  # Tuesday 8 is a holiday


def answer(text: str, now: datetime = MONDAY_4PM) -> str:
    return answer_hours_question(business_calendar(), read_hours_question(text, now), now)


@pytest.mark.parametrize(
    "text", ["¿están abiertos?", "estan abiertos", "horarios", "a q hora atienden", "horario?"]
)
def test_short_questions_get_a_short_summary(text):
    reply = answer(text)
    assert len(reply) <= 600
    assert "hasta las 6:00 p. m." in reply  # the sede closes at 6 on a Monday
    assert reply.count("Abierto ahora") == 0  # no six-times repeated state lines
    assert "todos los horarios" in reply


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("el teléfono qué horario tiene?", "telefono"),
        ("a que hora puedo llamar", "telefono"),
        ("la sede a que horas abre", "punto_fisico"),
        ("horario de la oficina", "punto_fisico"),
        ("el correo atiende a toda hora?", "email"),
    ],
)
def test_one_channel_named_gets_that_channel_only(text, channel):
    question = read_hours_question(text, MONDAY_4PM)
    assert question.channel == channel
    reply = answer(text)
    names = {"telefono": "Teléfono", "punto_fisico": "Punto físico", "email": "Correo"}
    assert names[channel] in reply
    others = set(names.values()) - {names[channel]}
    assert not any(other in reply for other in others)


def test_until_when_open_gives_the_closing_time():
    assert (
        answer("hasta qué hora atienden hoy") == "Hoy *Punto físico* atiende hasta las 6:00 p. m."
    )
    assert "5:30 p. m." in answer("hasta que hora contestan el telefono")


def test_until_when_closed_says_when_it_opens_again_skipping_the_holiday():
    reply = answer("hasta qué hora atienden hoy", MONDAY_7PM)
    assert "cerrado" in reply
    assert "miércoles 9 de diciembre a las 7:30 a. m." in reply


def test_a_holiday_says_closed_and_when_it_reopens():
    question = read_hours_question("mañana a qué horas abren la sede?", MONDAY_4PM)
    assert question.day == date(2026, 12, 8)
    reply = answer("mañana a qué horas abren la sede?")
    assert "festivo" in reply
    assert "abre el miércoles 9 de diciembre a las 7:30 a. m." in reply


def test_the_full_list_only_when_asked_for_everything():
    assert len(answer("¿cuáles son todos los horarios?")) > 600
    assert "018000930800" in answer("todos los canales de atención")


@pytest.mark.parametrize(
    "text",
    [
        "fue el domingo 6 de diciembre como a las 11",
        "estuve en la sede el jueves 3 de diciembre y no me atendieron",
        "ayer a las 3 me colgaron",
        "el lunes 30 de noviembre me cobraron dos veces",
    ],
)
def test_dates_in_a_story_are_not_hours_questions(text):
    assert describes_past_event(text, MONDAY_4PM)
    assert read_hours_question(text, MONDAY_4PM).day is None


@pytest.mark.parametrize("text", ["atienden el 24 de diciembre?", "abren el sábado 12?"])
def test_future_dates_are_questions(text):
    assert not describes_past_event(text, MONDAY_4PM)
    assert read_hours_question(text, MONDAY_4PM).day is not None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("y los sabados atienden?", date(2026, 12, 12)),
        ("¿atienden los domingos?", date(2026, 12, 13)),
        ("los martes a qué hora abren", date(2026, 12, 8)),  # a holiday this week
    ],
)
def test_a_weekday_in_the_plural_asks_about_the_next_one(text, day):
    assert read_hours_question(text, MONDAY_4PM).day == day
    assert f"{day.day} de diciembre" in answer(text)


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("tienen sede en calarca?", "Calarcá"),
        ("hola donde puedo ir a poner una queja personalmente en montenegro", "Montenegro"),
        ("a que horas atienden en Quimbaya", "Quimbaya"),
        ("en la tebaida hay oficina?", "La Tebaida"),
        # A town in a story, or not asked about, is no question for an office.
        ("vivo en la tebaida y no me llego el subsidio", None),
        ("fui a armenia y no me atendieron", None),
        ("¿dónde queda la sede?", None),
    ],
)
def test_an_office_asked_for_in_a_town_without_one(text, town):
    assert asks_for_an_office_in(text) == town
