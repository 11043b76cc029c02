"""Channels and hours in words: weekly schedules, open-now states, hours on a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mara.domain.calendar import BOGOTA, BusinessCalendar
from mara.domain.channels import Channel
from mara.policy.messages import message
from mara.text.format_es import format_date_es, format_interval_es, format_time_es

_DAY_NAMES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


@dataclass(frozen=True)
class ChannelStatus:
    channel: Channel
    schedule: tuple[str, ...]
    open_now: bool
    next_opening: datetime | None


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


# Channels whose hours depend on the day; the others are open around the clock.
OFFICE_CHANNELS = ("punto_fisico", "telefono")


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
