import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from mara.domain.calendar import BOGOTA, Deadlines
from mara.domain.channels import Channel, Interval
from mara.policy.channels import business_calendar, load_channels, load_terms
from mara.text.format_es import format_date_es, format_interval_es, format_time_es

REPO_ROOT = Path(__file__).resolve().parents[2]


def bog(year, month, day, hour=10, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=BOGOTA)


@pytest.fixture(scope="module")
def cal():
    return business_calendar()


# --- holidays and business days --------------------------------------------


@pytest.mark.parametrize(
    "d",
    [
        date(2026, 12, 8),  # Inmaculada Concepción (Tuesday)
        date(2026, 12, 25),
        date(2027, 1, 1),
        date(2027, 1, 11),  # Reyes, moved to Monday
        date(2027, 3, 22),  # San José, moved to Monday
        date(2027, 3, 25),  # Jueves Santo
        date(2027, 3, 26),  # Viernes Santo
        date(2026, 11, 16),  # Independencia de Cartagena, moved to Monday
    ],
)
def test_known_holidays_are_not_business_days(cal, d):
    assert cal.is_holiday(d)
    assert not cal.is_business_day(d)


def test_reyes_2027_is_observed_on_monday_not_on_january_6(cal):
    assert not cal.is_holiday(date(2027, 1, 6))
    assert cal.is_business_day(date(2027, 1, 6))
    assert "Reyes" in cal.holiday_name(date(2027, 1, 11))


def test_holiday_name_is_spanish(cal):
    assert cal.holiday_name(date(2026, 12, 8)) == "La Inmaculada Concepción"
    assert cal.holiday_name(date(2027, 3, 25)) == "Jueves Santo"
    assert cal.holiday_name(date(2026, 12, 9)) is None


def test_weekends_are_not_business_days(cal):
    assert not cal.is_business_day(date(2026, 12, 5))
    assert not cal.is_business_day(date(2026, 12, 6))
    assert not cal.is_holiday(date(2026, 12, 5))
    assert cal.is_business_day(date(2026, 12, 4))


def test_next_business_day_is_strictly_after(cal):
    assert cal.next_business_day(date(2026, 12, 3)) == date(2026, 12, 4)
    assert cal.next_business_day(date(2026, 12, 4)) == date(2026, 12, 7)
    assert cal.next_business_day(date(2026, 12, 7)) == date(2026, 12, 9)
    assert cal.next_business_day(date(2027, 3, 24)) == date(2027, 3, 29)


def test_add_business_days(cal):
    assert cal.add_business_days(date(2026, 12, 4), 1) == date(2026, 12, 7)
    assert cal.add_business_days(date(2026, 12, 4), 2) == date(2026, 12, 9)
    with pytest.raises(ValueError):
        cal.add_business_days(date(2026, 12, 4), 0)


# --- receipt and deadlines -------------------------------------------------


def test_friday_morning_skips_tuesday_holiday(cal):
    result = cal.deadlines(bog(2026, 12, 4, 10, 0), "queja")
    assert result == Deadlines(
        received_on=date(2026, 12, 4),
        area_due_on=date(2026, 12, 14),
        answer_due_on=date(2026, 12, 16),
        legal_due_on=date(2026, 12, 29),  # Christmas (Friday 25) skipped
        legal_term_days=15,
        internal_term_days=7,
    )


def test_saturday_filing_is_received_monday(cal):
    result = cal.deadlines(bog(2026, 12, 5, 10, 0), "reclamo")
    assert result.received_on == date(2026, 12, 7)
    assert result.area_due_on == date(2026, 12, 15)
    assert result.answer_due_on == date(2026, 12, 17)


def test_easter_week_2027(cal):
    result = cal.deadlines(bog(2027, 3, 24, 10, 0), "queja")
    assert result.received_on == date(2027, 3, 24)
    # Day 1 is Monday 29: Thursday and Friday of Holy Week are holidays.
    assert result.area_due_on == date(2027, 4, 2)
    assert result.answer_due_on == date(2027, 4, 6)


def test_filed_on_monday_holiday_before_easter_2027(cal):
    result = cal.deadlines(bog(2027, 3, 22, 9, 0), "queja")
    assert result.received_on == date(2027, 3, 23)
    assert result.area_due_on == date(2027, 4, 1)
    assert result.answer_due_on == date(2027, 4, 5)


def test_filed_on_monday_holiday(cal):
    result = cal.deadlines(bog(2026, 11, 16, 9, 0), "queja")
    assert result.received_on == date(2026, 11, 17)
    assert result.area_due_on == date(2026, 11, 24)
    assert result.answer_due_on == date(2026, 11, 26)


def test_monday_holiday_inside_the_term(cal):
    result = cal.deadlines(bog(2026, 11, 13, 10, 0), "queja")
    assert result.received_on == date(2026, 11, 13)
    assert result.area_due_on == date(2026, 11, 23)
    assert result.answer_due_on == date(2026, 11, 25)


def test_december_31_into_january(cal):
    result = cal.deadlines(bog(2026, 12, 31, 10, 0), "queja")
    assert result.received_on == date(2026, 12, 31)
    # 1 January and Monday 11 January (Reyes) are holidays.
    assert result.area_due_on == date(2027, 1, 8)
    assert result.answer_due_on == date(2027, 1, 13)


def test_december_31_after_hours_is_received_in_january(cal):
    assert cal.effective_receipt_date(bog(2026, 12, 31, 18, 30)) == date(2027, 1, 4)


def test_friday_after_hours_is_received_monday(cal):
    result = cal.deadlines(bog(2026, 12, 4, 17, 30), "queja")
    assert result.received_on == date(2026, 12, 7)
    assert result.area_due_on == date(2026, 12, 15)
    assert result.answer_due_on == date(2026, 12, 17)


@pytest.mark.parametrize(
    ("filed_at", "received_on"),
    [
        (bog(2026, 12, 4, 16, 59), date(2026, 12, 4)),
        (bog(2026, 12, 4, 16, 59, 59), date(2026, 12, 4)),
        (bog(2026, 12, 4, 17, 0), date(2026, 12, 7)),  # closing time is after hours
        (bog(2026, 12, 3, 17, 30), date(2026, 12, 3)),  # Thursday closes 18:00
        (bog(2026, 12, 3, 18, 0), date(2026, 12, 4)),
        (bog(2026, 12, 3, 12, 45), date(2026, 12, 3)),  # lunch break counts
        (bog(2026, 12, 9, 6, 0), date(2026, 12, 9)),  # before opening
        (bog(2026, 12, 9, 0, 0), date(2026, 12, 9)),
        (bog(2026, 12, 7, 18, 30), date(2026, 12, 9)),  # after hours before holiday
        (bog(2026, 12, 6, 23, 59), date(2026, 12, 7)),  # Sunday
    ],
)
def test_effective_receipt_date_boundaries(cal, filed_at, received_on):
    assert cal.effective_receipt_date(filed_at) == received_on


def test_utc_input_is_converted_to_bogota(cal):
    # 21:30 UTC is 16:30 in Bogota: still within Friday's hours.
    utc = datetime(2026, 12, 4, 21, 30, tzinfo=timezone.utc)
    assert cal.effective_receipt_date(utc) == date(2026, 12, 4)
    # 22:30 UTC is 17:30 in Bogota: after Friday's closing.
    utc = datetime(2026, 12, 4, 22, 30, tzinfo=timezone.utc)
    assert cal.effective_receipt_date(utc) == date(2026, 12, 7)
    # Saturday 02:00 UTC is still Friday 21:00 in Bogota.
    utc = datetime(2026, 12, 5, 2, 0, tzinfo=timezone.utc)
    assert cal.effective_receipt_date(utc) == date(2026, 12, 7)
    # Wednesday 03:00 UTC is Tuesday (holiday) 22:00 in Bogota.
    utc = datetime(2026, 12, 9, 3, 0, tzinfo=timezone.utc)
    assert cal.effective_receipt_date(utc) == date(2026, 12, 9)


def test_other_offsets_are_converted(cal):
    madrid_winter = timezone(timedelta(hours=1))
    # 23:00 in UTC+1 is 17:00 in Bogota on Friday: after hours.
    filed = datetime(2026, 12, 4, 23, 0, tzinfo=madrid_winter)
    assert cal.effective_receipt_date(filed) == date(2026, 12, 7)


def test_naive_datetime_is_rejected(cal):
    with pytest.raises(ValueError):
        cal.effective_receipt_date(datetime(2026, 12, 4, 10, 0))
    with pytest.raises(ValueError):
        cal.is_open("punto_fisico", datetime(2026, 12, 4, 10, 0))


@pytest.mark.parametrize(
    ("pqrs_type", "legal_kind", "days", "due"),
    [
        ("informacion", None, 10, date(2026, 12, 21)),
        ("peticion", None, 15, date(2026, 12, 29)),
        ("peticion", "documents", 10, date(2026, 12, 21)),
        ("peticion", "consultation", 30, date(2027, 1, 21)),
        ("peticion", "general", 15, date(2026, 12, 29)),
        ("queja", None, 15, date(2026, 12, 29)),
        ("reclamo", None, 15, date(2026, 12, 29)),
        ("sugerencia", None, 15, date(2026, 12, 29)),
        ("felicitacion", None, 15, date(2026, 12, 29)),
    ],
)
def test_legal_terms(cal, pqrs_type, legal_kind, days, due):
    result = cal.deadlines(bog(2026, 12, 4, 10, 0), pqrs_type, legal_kind)
    assert result.legal_term_days == days
    assert result.legal_due_on == due
    assert result.internal_term_days == 7


def test_pqrs_type_accepts_accents_and_case(cal):
    result = cal.deadlines(bog(2026, 12, 4, 10, 0), "Información")
    assert result.legal_term_days == 10
    assert cal.deadlines(bog(2026, 12, 4), " PETICIÓN ").legal_term_days == 15


def test_unknown_type_or_kind_is_rejected(cal):
    with pytest.raises(ValueError):
        cal.deadlines(bog(2026, 12, 4), "denuncia")
    with pytest.raises(ValueError):
        cal.deadlines(bog(2026, 12, 4), "peticion", "urgente")


def test_resarcimiento(cal):
    assert cal.resarcimiento_due_on(bog(2026, 12, 4, 10, 0)) == date(2026, 12, 16)
    assert cal.resarcimiento_due_on(bog(2026, 12, 5, 10, 0)) == date(2026, 12, 17)
    assert cal.resarcimiento_due_on(bog(2026, 12, 4, 17, 30)) == date(2026, 12, 17)


def test_terms_can_be_overridden(cal):
    terms = load_terms()
    terms["internal"] = {"area_days": 3, "au_days": 1}
    custom = business_calendar(terms=terms)
    result = custom.deadlines(bog(2026, 12, 4, 10, 0), "queja")
    assert result.area_due_on == date(2026, 12, 10)
    assert result.answer_due_on == date(2026, 12, 11)
    assert result.internal_term_days == 4
    # The override must not leak into the cached configuration.
    assert load_terms()["internal"] == {"area_days": 5, "au_days": 2}


def test_receipt_office_can_be_another_channel():
    always = business_calendar(office_key="email")
    assert always.effective_receipt_date(bog(2026, 12, 4, 23, 0)) == date(2026, 12, 4)
    assert always.effective_receipt_date(bog(2026, 12, 5, 10, 0)) == date(2026, 12, 7)
    with pytest.raises(ValueError):
        business_calendar(office_key="fax")


# --- channel hours ---------------------------------------------------------


def test_weekday_morning_office_is_open(cal):
    at = bog(2026, 11, 30, 9, 0)
    assert cal.is_open("punto_fisico", at)
    assert cal.next_opening("punto_fisico", at) is None
    assert cal.closes_at("punto_fisico", at) == bog(2026, 11, 30, 12, 0)


def test_lunch_break(cal):
    at = bog(2026, 11, 30, 12, 30)
    assert not cal.is_open("punto_fisico", at)
    assert cal.next_opening("punto_fisico", at) == bog(2026, 11, 30, 13, 30)
    assert cal.closes_at("punto_fisico", at) is None
    assert not cal.is_open("punto_fisico", bog(2026, 11, 30, 12, 0))
    assert cal.is_open("punto_fisico", bog(2026, 11, 30, 13, 30))


def test_saturday_is_closed_until_monday(cal):
    at = bog(2026, 12, 5, 10, 0)
    for key in ("punto_fisico", "telefono"):
        assert not cal.is_open(key, at)
        assert cal.next_opening(key, at) == bog(2026, 12, 7, 7, 30)


def test_holiday_is_closed(cal):
    at = bog(2026, 12, 8, 10, 0)
    assert not cal.is_open("punto_fisico", at)
    assert cal.next_opening("punto_fisico", at) == bog(2026, 12, 9, 7, 30)
    assert cal.hours_on("punto_fisico", date(2026, 12, 8)) == ()


def test_friday_afternoon_phone_closed_office_open(cal):
    at = bog(2026, 12, 4, 16, 50)
    assert not cal.is_open("telefono", at)
    assert cal.is_open("punto_fisico", at)
    assert cal.closes_at("punto_fisico", at) == bog(2026, 12, 4, 17, 0)
    assert cal.next_opening("telefono", at) == bog(2026, 12, 7, 7, 30)
    assert cal.closes_at("telefono", bog(2026, 12, 4, 16, 0)) == bog(2026, 12, 4, 16, 40)


def test_next_opening_after_closing_and_over_holy_week(cal):
    assert cal.next_opening("punto_fisico", bog(2026, 12, 10, 18, 0)) == bog(2026, 12, 11, 7, 30)
    assert cal.next_opening("punto_fisico", bog(2026, 12, 11, 6, 0)) == bog(2026, 12, 11, 7, 30)
    assert cal.next_opening("telefono", bog(2027, 3, 24, 19, 0)) == bog(2027, 3, 29, 7, 30)
    assert cal.next_opening("punto_fisico", bog(2026, 12, 31, 18, 0)) == bog(2027, 1, 4, 7, 30)


def test_next_opening_accepts_utc(cal):
    # Saturday 00:30 UTC is Friday 19:30 in Bogota.
    utc = datetime(2026, 12, 5, 0, 30, tzinfo=timezone.utc)
    opening = cal.next_opening("punto_fisico", utc)
    assert opening == bog(2026, 12, 7, 7, 30)
    assert opening.tzinfo == BOGOTA


@pytest.mark.parametrize("key", ["email", "linea_gratuita", "web", "whatsapp"])
@pytest.mark.parametrize(
    "at",
    [
        bog(2026, 12, 6, 3, 0),  # Sunday night
        bog(2026, 12, 8, 23, 59),  # holiday
        bog(2026, 12, 4, 12, 30),  # office lunch break
        datetime(2027, 3, 26, 5, 0, tzinfo=timezone.utc),  # Viernes Santo
    ],
)
def test_24_hour_channels_are_always_open(cal, key, at):
    assert cal.is_open(key, at)
    assert cal.next_opening(key, at) is None
    assert cal.closes_at(key, at) is None
    assert cal.hours_on(key, at.date()) == (Interval(time(0, 0), time(23, 59, 59)),)


def test_hours_on(cal):
    assert cal.hours_on("punto_fisico", date(2026, 12, 4)) == (
        Interval(time(7, 30), time(12, 0)),
        Interval(time(13, 30), time(17, 0)),
    )
    assert cal.hours_on("telefono", date(2026, 12, 3)) == (
        Interval(time(7, 30), time(11, 30)),
        Interval(time(13, 30), time(17, 30)),
    )
    assert cal.hours_on("punto_fisico", date(2026, 12, 5)) == ()
    assert cal.hours_on("telefono", date(2026, 12, 6)) == ()


def test_unknown_channel(cal):
    with pytest.raises(KeyError):
        cal.is_open("fax", bog(2026, 12, 4))


# --- configuration ---------------------------------------------------------


def test_load_channels_default_config():
    channels = load_channels()
    assert list(channels) == [
        "punto_fisico",
        "telefono",
        "email",
        "linea_gratuita",
        "web",
        "whatsapp",
    ]
    office = channels["punto_fisico"]
    assert isinstance(office, Channel)
    assert office.name == "Punto físico"
    assert "Calle 16 #15-22" in office.address
    assert office.closed_on_holidays and not office.always_open
    assert set(office.weekly) == {0, 1, 2, 3, 4}
    assert "7314001" in channels["telefono"].contact
    assert channels["email"].contact == "atencionalusuario@comfenalcoquindio.co"
    assert channels["linea_gratuita"].contact == "018000930800"
    assert channels["web"].contact == "comfenalcoquindio.com"
    assert channels["whatsapp"].contact == "310 795 4670"
    for key in ("email", "linea_gratuita", "web", "whatsapp"):
        assert channels[key].always_open
    hash(office)


def test_load_channels_is_cached_and_returns_a_copy():
    first = load_channels()
    first.pop("email")
    second = load_channels()
    assert "email" in second
    assert second["punto_fisico"] is load_channels()["punto_fisico"]


def test_load_channels_custom_path(tmp_path):
    path = tmp_path / "channels.yml"
    path.write_text(
        "channels:\n"
        "  - key: sede\n"
        "    name: Sede\n"
        "    contact: x\n"
        "    weekly:\n"
        "      saturday:\n"
        '        - {start: "08:00", end: "12:00"}\n',
        encoding="utf-8",
    )
    channels = load_channels(path)
    assert channels["sede"].weekly == {5: (Interval(time(8, 0), time(12, 0)),)}
    assert channels["sede"].address is None
    cal = business_calendar(channels=channels, office_key="sede")
    assert cal.is_open("sede", bog(2026, 12, 5, 9, 0))


def test_unquoted_time_is_rejected(tmp_path):
    path = tmp_path / "channels.yml"
    path.write_text(
        "channels:\n"
        "  - key: sede\n"
        "    name: Sede\n"
        "    contact: x\n"
        "    weekly:\n"
        "      monday:\n"
        "        - {start: 07:30, end: 12:00}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="quoted"):
        load_channels(path)


def test_default_terms():
    terms = load_terms()
    assert terms["receipt_office"] == "punto_fisico"
    assert terms["internal"] == {"area_days": 5, "au_days": 2}
    assert terms["legal_terms"] == {"general": 15, "documents": 10, "consultation": 30}
    assert terms["resarcimiento_days"] == 7


def test_module_has_no_heavy_imports():
    code = (
        "import sys, mara.domain.calendar\n"
        "bad = {'flask', 'rasa_sdk', 'rq', 'twilio', 'sqlalchemy'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


# --- Spanish formatting ----------------------------------------------------


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 12, 16), "miércoles 16 de diciembre de 2026"),
        (date(2027, 1, 1), "viernes 1 de enero de 2027"),
        (date(2026, 12, 5), "sábado 5 de diciembre de 2026"),
        (date(2026, 12, 7), "lunes 7 de diciembre de 2026"),
        (date(2027, 9, 5), "domingo 5 de septiembre de 2027"),
    ],
)
def test_format_date_es(d, expected):
    assert format_date_es(d) == expected


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (time(7, 30), "7:30 a. m."),
        (time(12, 0), "12:00 m."),
        (time(13, 30), "1:30 p. m."),
        (time(16, 40), "4:40 p. m."),
        (time(12, 30), "12:30 p. m."),
        (time(0, 0), "12:00 a. m."),
        (time(11, 5), "11:05 a. m."),
    ],
)
def test_format_time_es(t, expected):
    assert format_time_es(t) == expected


def test_format_interval_es():
    interval = Interval(time(7, 30), time(12, 0))
    assert format_interval_es(interval) == "7:30 a. m. a 12:00 m."


def test_interval_must_be_ordered():
    with pytest.raises(ValueError):
        Interval(time(12, 0), time(7, 30))
