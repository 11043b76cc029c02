"""Channels and hours in words: weekly schedules, open-now states, hours on a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from mara.domain.calendar import BOGOTA, BusinessCalendar
from mara.domain.channels import Channel
from mara.policy.messages import message
from mara.text.format_es import (
    format_date_es,
    format_day_short_es,
    format_interval_es,
    format_time_es,
)
from mara.text.hours_question import HoursQuestion

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


def _when(day: date, today: date) -> str:
    if day == today:
        return message("when_today")
    if day == today + timedelta(days=1):
        return message("when_tomorrow")
    return message("when_later").format(date=format_day_short_es(day))


def _where(channel: Channel) -> str:
    parts = [p for p in (channel.contact, channel.address) if p]
    return f": {', '.join(parts)}" if parts else ""


def _short_where(channel: Channel) -> str:
    place = channel.address or channel.contact
    return f" · {place}" if place else ""


def _one_channel(calendar: BusinessCalendar, key: str, now: datetime) -> str:
    channel = calendar.channels[key]
    if channel.always_open:
        return message("hours_one_always").format(name=channel.name, where=_where(channel))
    schedule = "; ".join(weekly_schedule_es(channel))
    closes = calendar.closes_at(key, now)
    if closes is not None:
        return message("hours_one_open").format(
            name=channel.name,
            where=_where(channel),
            time=format_time_es(closes.time()),
            schedule=schedule,
        )
    opening = calendar.next_opening(key, now)
    if opening is None:  # no opening in the search window: say the schedule only
        return message("hours_one_always").format(name=channel.name, where=_where(channel))
    opening = opening.astimezone(BOGOTA)
    return message("hours_one_closed").format(
        name=channel.name,
        where=_where(channel),
        when=_when(opening.date(), now.astimezone(BOGOTA).date()),
        time=format_time_es(opening.time()),
        schedule=schedule,
    )


def _until(calendar: BusinessCalendar, key: str, now: datetime) -> str:
    channel = calendar.channels[key]
    if channel.always_open:
        return message("hours_one_always").format(name=channel.name, where=_where(channel))
    closes = calendar.closes_at(key, now)
    if closes is not None:
        return message("hours_until_open").format(
            name=channel.name, time=format_time_es(closes.time())
        )
    opening = calendar.next_opening(key, now)
    if opening is None:
        return _one_channel(calendar, key, now)
    opening = opening.astimezone(BOGOTA)
    return message("hours_until_closed").format(
        name=channel.name,
        when=_when(opening.date(), now.astimezone(BOGOTA).date()),
        time=format_time_es(opening.time()),
    )


def _on_day(calendar: BusinessCalendar, key: str, day: date, now: datetime) -> str:
    channel = calendar.channels[key]
    if channel.always_open:
        return message("hours_one_always").format(name=channel.name, where=_where(channel))
    intervals = calendar.hours_on(key, day)
    if intervals:
        return message("hours_day_open").format(
            date=format_day_short_es(day),
            name=channel.name,
            hours=" y ".join(format_interval_es(i) for i in intervals),
        )
    reason = ""
    if calendar.is_holiday(day):
        reason = message("hours_day_reason_holiday").format(holiday=calendar.holiday_name(day))
    start = datetime.combine(day, time(23, 59), tzinfo=BOGOTA)
    opening = calendar.next_opening(key, start)
    if opening is None:
        return message("hours_closed")
    opening = opening.astimezone(BOGOTA)
    return message("hours_day_closed").format(
        date=format_day_short_es(day),
        name=channel.name,
        reason=reason,
        when=_when(opening.date(), now.astimezone(BOGOTA).date()),
        time=format_time_es(opening.time()),
    )


def _summary(calendar: BusinessCalendar, now: datetime) -> str:
    today = now.astimezone(BOGOTA).date()
    lines = []
    always = []
    for key, channel in calendar.channels.items():
        if channel.always_open:
            always.append(channel.name)
            continue
        closes = calendar.closes_at(key, now)
        if closes is not None:
            lines.append(
                message("hours_summary_open").format(
                    name=channel.name,
                    where=_short_where(channel),
                    time=format_time_es(closes.time()),
                )
            )
            continue
        opening = calendar.next_opening(key, now)
        if opening is None:
            continue
        opening = opening.astimezone(BOGOTA)
        lines.append(
            message("hours_summary_closed").format(
                name=channel.name,
                where=_short_where(channel),
                when=_when(opening.date(), today),
                time=format_time_es(opening.time()),
            )
        )
    if always:
        names = ", ".join(always[:-1]) + (f" y {always[-1]}" if len(always) > 1 else always[0])
        lines.append(message("hours_summary_always").format(names=names))
    lines.append(message("hours_summary_more"))
    return "\n".join(lines)


def answer_hours_question(
    calendar: BusinessCalendar, question: HoursQuestion, now: datetime
) -> str:
    """The answer to the question asked: one channel when one is named, its closing time
    for "hasta qué hora", the day named, a short summary otherwise; everything on request."""
    if question.everything:
        return render_channels(channel_statuses(calendar, now), now)
    keys = [question.channel] if question.channel else list(OFFICE_CHANNELS)
    keys = [k for k in keys if k in calendar.channels]
    if question.day is not None:
        return "\n".join(_on_day(calendar, key, question.day, now) for key in keys)
    if question.until:
        return "\n".join(_until(calendar, key, now) for key in keys[:1])
    if question.channel:
        return _one_channel(calendar, question.channel, now)
    return _summary(calendar, now)
