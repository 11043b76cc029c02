"""Dates, times and intervals written the Colombian way ("viernes 4 de diciembre", "7:30 a. m.")."""

from __future__ import annotations

from datetime import date, time

from mara.domain.channels import Interval

_WEEKDAY_NAMES_ES = (
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
)


MONTH_NAMES_ES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


def format_date_es(d: date) -> str:
    """E.g. "miércoles 16 de diciembre de 2026"."""
    weekday = _WEEKDAY_NAMES_ES[d.weekday()]
    month = MONTH_NAMES_ES[d.month - 1]
    return f"{weekday} {d.day} de {month} de {d.year}"


def format_time_es(t: time) -> str:
    """E.g. "7:30 a. m.", "12:00 m." (noon), "4:40 p. m."."""
    if t.hour == 12 and t.minute == 0:
        return "12:00 m."
    hour12 = t.hour % 12 or 12
    suffix = "a. m." if t.hour < 12 else "p. m."
    return f"{hour12}:{t.minute:02d} {suffix}"


def format_interval_es(interval: Interval) -> str:
    """E.g. "7:30 a. m. a 12:00 m."."""
    return f"{format_time_es(interval.start)} a {format_time_es(interval.end)}"


def format_day_short_es(d: date) -> str:
    """E.g. "miércoles 9 de diciembre" (the year is clear from context)."""
    return f"{_WEEKDAY_NAMES_ES[d.weekday()]} {d.day} de {MONTH_NAMES_ES[d.month - 1]}"
