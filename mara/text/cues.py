"""Cues in free text: a question about hours (and the day asked), a claim of preferential
attention."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from mara.domain.calendar import BOGOTA
from mara.text.format_es import MONTH_NAMES_ES
from mara.text.normalize import normalize_text

_HOURS_WORDS = {
    "abren",
    "abre",
    "abierto",
    "abiertos",
    "atienden",
    "atencion",
    "horario",
    "horarios",
    "cierran",
    "cierra",
    "cerrado",
    "cerrados",
    "trabajan",
    "hora",
    "horas",
}


def asks_about_hours(text: str) -> bool:
    """Whether a message is plainly about opening hours, even if the model was unsure."""
    from mara.text.normalize import normalize_text

    return bool(_HOURS_WORDS & set(normalize_text(text).replace("?", " ").split()))


def date_in_question(text: str, now: datetime) -> date | None:
    """The day a question is about ("¿abren mañana?", "el lunes", "8 de diciembre"),
    read by dateparser in Spanish, day-month-year, relative to Bogotá's today."""
    from dateparser.search import search_dates

    from mara.text.normalize import normalize_text

    local = now.astimezone(BOGOTA)
    plain = normalize_text(text)
    if "pasado manana" in plain:
        return local.date() + timedelta(days=2)
    settings = {
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "RELATIVE_BASE": local.replace(tzinfo=None),
    }
    found = search_dates(text, languages=["es"], settings=settings) or []
    for phrase, when in found:
        # "ahora" is a question about this moment, answered with open-now.
        if normalize_text(phrase) != "ahora":
            return when.date()
    # "¿los sábados atienden?": dateparser reads no plural weekday; the next such day.
    weekday = _WEEKDAY_RE.search(plain)
    if weekday is not None:
        wanted = WEEKDAYS.index(weekday.group(1))
        return local.date() + timedelta(days=(wanted - local.weekday()) % 7)
    return None


# Weekdays as normalized text has them (no accents), Monday first.
WEEKDAYS = ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo")
_WEEKDAY_RE = re.compile(rf"\b({'|'.join(WEEKDAYS)})s?\b")
_OTHER_DAY_WORDS = {
    *WEEKDAYS, "sabados", "domingos", "hoy", "manana", "festivo", "festivos", "feriado",
    "feriados",
}  # fmt: skip


def another_day(text: str, before: str, now: datetime) -> str | None:
    """A short question about another day, right after one about hours ("y el 24?", "y el
    sábado?"), as a question the hours answer reads; a bare day number takes the month of
    the day asked `before` ("¿atienden el 8 de diciembre?"), else the next such day. None
    for anything else."""
    words = normalize_text(text).replace("?", " ").split()
    rest = words[1:] if words[:1] == ["y"] else words
    if not rest or len(rest) > 5:
        return None
    if set(rest) & _OTHER_DAY_WORDS or date_in_question(text, now):
        return text
    numbers = [int(w) for w in rest if w.isdigit()]
    if len(rest) > 2 or len(numbers) != 1 or not 1 <= numbers[0] <= 31:
        return None
    day, today = numbers[0], now.astimezone(BOGOTA).date()
    asked = date_in_question(before, now) if before else None
    if asked is not None:
        month, year = asked.month, asked.year
    elif day >= today.day:
        month, year = today.month, today.year
    else:
        month, year = (today.month % 12) + 1, today.year + (today.month == 12)
    return f"el {day} de {MONTH_NAMES_ES[month - 1]} de {year}"


_PREFERENTIAL_RE = re.compile(
    r"\b(soy|somos)\s+(un\s+|una\s+)?(adult[oa]s?\s+mayor(es)?|de\s+la\s+tercera\s+edad"
    r"|persona\s+con\s+discapacidad|discapacitad[oa]|pensionad[oa]\s+mayor)"
    r"|\bestoy\s+embarazada\b|\bembarazada\b"
    r"|\btengo\s+(una\s+)?discapacidad\b|\bsilla\s+de\s+ruedas\b"
    r"|\btengo\s+([6-9]\d|1\d\d)\s+anos\b"
    r"|\b(mi|con mi)\s+(hij[oa]|bebe|nin[oa])\b"
)


def claims_preferential(text: str) -> bool:
    """Whether the person says they (or the child with them) are entitled to preferential
    attention: older adults, pregnant women, people with disabilities, children."""
    return bool(_PREFERENTIAL_RE.search(normalize_text(text)))
