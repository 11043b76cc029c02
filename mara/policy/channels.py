"""Loads config/channels.yml and config/deadlines.yml into domain values, once."""

from __future__ import annotations

import copy
from datetime import time
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from mara.domain.calendar import BusinessCalendar
from mara.domain.channels import Channel, Interval
from mara.policy import CONFIG_DIR

DEFAULT_CHANNELS_PATH = CONFIG_DIR / "channels.yml"


DEFAULT_TERMS_PATH = CONFIG_DIR / "deadlines.yml"


_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}


def _parse_time(value: Any, where: str) -> time:
    if not isinstance(value, str):
        # An unquoted 07:30 arrives here as the int 450 (YAML 1.1 base 60).
        raise ValueError(f"{where}: time must be a quoted 'HH:MM' string, got {value!r}")
    if value.strip() == "24:00":
        return time.max
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError(f"{where}: invalid time {value!r}") from exc


def _parse_channel(raw: dict[str, Any], option_note: str) -> Channel:
    key = raw.get("key")
    if not key or not isinstance(key, str):
        raise ValueError(f"channel without a key: {raw!r}")
    for required in ("name", "contact"):
        if not raw.get(required):
            raise ValueError(f"channel {key!r}: missing {required!r}")
    always_open = bool(raw.get("always", False))
    weekly: dict[int, tuple[Interval, ...]] = {}
    raw_weekly = raw.get("weekly") or {}
    if not always_open and not raw_weekly:
        raise ValueError(f"channel {key!r}: needs 'weekly' hours or 'always: true'")
    for day_name, raw_intervals in raw_weekly.items():
        weekday = _WEEKDAYS.get(str(day_name).lower())
        if weekday is None:
            raise ValueError(f"channel {key!r}: unknown weekday {day_name!r}")
        where = f"channel {key!r} {day_name}"
        intervals = sorted(
            (
                Interval(_parse_time(item["start"], where), _parse_time(item["end"], where))
                for item in raw_intervals or ()
            ),
            key=lambda interval: interval.start,
        )
        for earlier, later in pairwise(intervals):
            if later.start < earlier.end:
                raise ValueError(f"{where}: overlapping intervals")
        weekly[weekday] = tuple(intervals)
    contact = str(raw["contact"])
    if raw.get("adviser_option"):
        note = option_note.format(option=raw["adviser_option"])
        contact = f"{contact}, {note}"
    return Channel(
        key=key,
        name=str(raw["name"]),
        contact=contact,
        address=str(raw["address"]) if raw.get("address") else None,
        always_open=always_open,
        closed_on_holidays=bool(raw.get("closed_on_holidays", False)),
        weekly=weekly,
        description=str(raw["description"]) if raw.get("description") else None,
    )


@cache
def _read_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def load_channels_file(path: Path | None = None) -> dict[str, Any]:
    """config/channels.yml as written (the raw facts: bare contacts, advisers' channel)."""
    return copy.deepcopy(_read_yaml(Path(path or DEFAULT_CHANNELS_PATH).resolve()))


def advisers_channel(path: Path | None = None) -> str:
    """The channel whose hours are the advisers' hours (human handoff)."""
    return str(load_channels_file(path).get("advisers_channel") or "telefono")


@cache
def _load_channels_cached(path: Path) -> dict[str, Channel]:
    data = _read_yaml(path)
    channels: dict[str, Channel] = {}
    for raw in data.get("channels") or ():
        channel = _parse_channel(raw, str(data.get("adviser_option_note") or "{option}"))
        if channel.key in channels:
            raise ValueError(f"duplicate channel key {channel.key!r} in {path}")
        channels[channel.key] = channel
    return channels


def load_channels(path: Path | None = None) -> dict[str, Channel]:
    """Channels from config/channels.yml (or `path`), parsed once per path."""
    resolved = Path(path or DEFAULT_CHANNELS_PATH).resolve()
    # A fresh dict so a caller mutating it cannot corrupt the cache.
    return dict(_load_channels_cached(resolved))


@cache
def _load_terms_cached(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def load_terms(path: Path | None = None) -> dict[str, Any]:
    """Raw deadline terms from config/deadlines.yml (or `path`)."""
    resolved = Path(path or DEFAULT_TERMS_PATH).resolve()
    return copy.deepcopy(_load_terms_cached(resolved))


def business_calendar(
    channels: dict[str, Channel] | None = None,
    terms: dict[str, Any] | None = None,
    office_key: str | None = None,
) -> BusinessCalendar:
    """The Caja's calendar from config/ (channels.yml, deadlines.yml); either may be replaced."""
    return BusinessCalendar(
        channels if channels is not None else load_channels(),
        terms if terms is not None else load_terms(),
        office_key,
    )
