"""Cues in free text: a question about hours (and the day asked), a claim of preferential
attention."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from mara.domain.calendar import BOGOTA
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
    return None


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
