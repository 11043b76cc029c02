"""Hours in words and the day a question is about (dateparser, Spanish, DMY)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from mara.policy.channels import business_calendar
from mara.text.cues import claims_preferential, date_in_question
from mara.text.hours import channel_statuses, hours_on_date_es, render_channels, weekly_schedule_es
from mara.text.keywords import keyword_intent

BOGOTA = ZoneInfo("America/Bogota")
FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=BOGOTA)


@pytest.mark.parametrize(
    "question, day",
    [
        ("¿abren mañana?", date(2026, 12, 5)),
        ("¿el lunes atienden?", date(2026, 12, 7)),
        ("¿atienden el 8 de diciembre?", date(2026, 12, 8)),
        ("abren el 24/12?", date(2026, 12, 24)),
        ("y pasado mañana?", date(2026, 12, 6)),
        ("¿están abiertos ahora?", None),
        ("horario de atención", None),
    ],
)
def test_the_day_in_a_question(question, day):
    assert date_in_question(question, FRIDAY) == day


def test_weekly_schedule_groups_days_with_the_same_hours():
    channels = business_calendar().channels
    assert weekly_schedule_es(channels["punto_fisico"]) == (
        "lunes a jueves: 7:30 a. m. a 12:00 m. y 1:30 p. m. a 6:00 p. m.",
        "viernes: 7:30 a. m. a 12:00 m. y 1:30 p. m. a 5:00 p. m.",
    )
    assert weekly_schedule_es(channels["email"]) == ("24 horas, todos los días",)


def test_hours_on_a_holiday_name_it():
    text = hours_on_date_es(business_calendar(), date(2026, 12, 8))
    assert "martes 8 de diciembre de 2026" in text
    assert "cerrado (festivo" in text and "Inmaculada" in text


def test_open_now_and_next_opening_in_words():
    lunch = datetime(2026, 11, 30, 12, 30, tzinfo=BOGOTA)
    text = render_channels(channel_statuses(business_calendar(), lunch), lunch)
    assert "abre hoy a las 1:30 p. m." in text
    saturday = datetime(2026, 12, 5, 9, 0, tzinfo=BOGOTA)
    text = render_channels(channel_statuses(business_calendar(), saturday), saturday)
    assert "abre el lunes 7 de diciembre de 2026 a las 7:30 a. m." in text


@pytest.mark.parametrize(
    "body, intent",
    [
        ("BAJA", "/opt_out"),
        (" stop ", "/opt_out"),
        ("Alta!", "/opt_in"),
        ("baja el precio", None),
        ("hola", None),
    ],
)
def test_whatsapp_keywords_go_straight_to_their_intent(body, intent):
    assert keyword_intent(body) == intent


@pytest.mark.parametrize(
    "text, entitled",
    [
        ("soy adulto mayor", True),
        ("estoy embarazada", True),
        ("tengo 72 años", True),
        ("¿quién tiene atención preferencial?", False),
        ("tengo 30 años", False),
    ],
)
def test_who_says_they_are_entitled_to_preferential_attention(text, entitled):
    assert claims_preferential(text) is entitled


@pytest.mark.parametrize(
    "text, about_hours",
    [
        ("¿atienden el 8 de diciembre?", True),
        ("a qué hora cierran", True),
        ("cuéntame un chiste", False),
        ("me trataron mal", False),
    ],
)
def test_plain_hours_questions_are_recognised(text, about_hours):
    from mara.text.cues import asks_about_hours

    assert asks_about_hours(text) is about_hours
