"""Channels and hours in words: weekly schedules and whether each channel is open now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.calendar import (
    BOGOTA,
    BusinessCalendar,
    Channel,
    format_date_es,
    format_interval_es,
    format_time_es,
)
from bot.texts import message

_DAY_NAMES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


@dataclass(frozen=True)
class ChannelStatus:
    channel: Channel
    schedule: tuple[str, ...]
    open_now: bool
    next_opening: datetime | None


def weekly_schedule_es(channel: Channel) -> tuple[str, ...]:
    """["lunes a jueves: 7:30 a. m. a 12:00 m. y 1:30 p. m. a 6:00 p. m.", …]; runs of
    days with the same hours are grouped."""
    if channel.always_open:
        return (message("channel_always"),)
    lines: list[str] = []
    day = 0
    while day < 7:
        intervals = channel.weekly.get(day, ())
        end = day
        while end + 1 < 7 and channel.weekly.get(end + 1, ()) == intervals:
            end += 1
        if intervals:
            days = _DAY_NAMES[day] if end == day else f"{_DAY_NAMES[day]} a {_DAY_NAMES[end]}"
            hours = " y ".join(format_interval_es(i) for i in intervals)
            lines.append(f"{days}: {hours}")
        day = end + 1
    return tuple(lines)


def channel_statuses(calendar: BusinessCalendar, now: datetime) -> list[ChannelStatus]:
    return [
        ChannelStatus(
            channel=channel,
            schedule=weekly_schedule_es(channel),
            open_now=calendar.is_open(key, now),
            next_opening=calendar.next_opening(key, now),
        )
        for key, channel in calendar.channels.items()
    ]


def state_es(status: ChannelStatus, now: datetime) -> str:
    if status.open_now or status.next_opening is None:
        return message("channel_open_now")
    opening = status.next_opening.astimezone(BOGOTA)
    today = now.astimezone(BOGOTA).date()
    time_text = format_time_es(opening.time())
    if opening.date() == today:
        return message("channel_closed_today").format(time=time_text)
    if opening.date() == today + timedelta(days=1):
        return message("channel_closed_tomorrow").format(time=time_text)
    return message("channel_closed_later").format(
        date=format_date_es(opening.date()), time=time_text
    )


def render_channels(statuses: list[ChannelStatus], now: datetime) -> str:
    lines = []
    for status in statuses:
        channel = status.channel
        lines.append(
            message("channel_line").format(
                name=channel.name,
                contact=channel.contact,
                address=f", {channel.address}" if channel.address else "",
                schedule="; ".join(status.schedule),
                state=state_es(status, now),
            )
        )
    return "\n".join(lines)


# Channels whose hours depend on the day; the others are open around the clock.
OFFICE_CHANNELS = ("punto_fisico", "telefono")


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
    from bot.validation import normalize_text

    return bool(_HOURS_WORDS & set(normalize_text(text).replace("?", " ").split()))


def date_in_question(text: str, now: datetime) -> date | None:
    """The day a question is about ("¿abren mañana?", "el lunes", "8 de diciembre"),
    read by dateparser in Spanish, day-month-year, relative to Bogotá's today."""
    from dateparser.search import search_dates

    from bot.validation import normalize_text

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


def hours_on_date_es(calendar: BusinessCalendar, day: date) -> str:
    lines = []
    for key in OFFICE_CHANNELS:
        channel = calendar.channels[key]
        intervals = calendar.hours_on(key, day)
        if intervals:
            hours = " y ".join(format_interval_es(i) for i in intervals)
        elif calendar.is_holiday(day):
            hours = message("hours_closed_holiday").format(holiday=calendar.holiday_name(day))
        else:
            hours = message("hours_closed")
        lines.append(message("hours_on_date_line").format(name=channel.name, hours=hours))
    return message("hours_on_date").format(date=format_date_es(day), lines="\n".join(lines))
