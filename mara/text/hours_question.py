"""What an hours question asks: which channel, which day, "hasta qué hora", or everything;
and whether a date in a message belongs to a story ("fue el domingo 6…") instead."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mara.domain.calendar import BOGOTA
from mara.policy.hours_words import HoursVocabulary, hours_vocabulary
from mara.text.cues import WEEKDAYS, asks_about_hours, date_in_question
from mara.text.normalize import _alias_table, _best_alias, _phrase_pattern, _tokens, normalize_text

_DAY_OF_MONTH_RE = re.compile(r"(?<![0-9])([0-3]?[0-9])(?: de [a-z]+)?")


@dataclass(frozen=True)
class HoursQuestion:
    channel: str | None
    day: date | None
    until: bool
    everything: bool


def _joined(text: str) -> str:
    return " ".join(_tokens(normalize_text(text)))


def _first_found(joined: str, phrases: tuple[str, ...]) -> str | None:
    """The first of `phrases` that `joined` holds as whole words, as the phrase is written."""
    for phrase in phrases:
        tokens = " ".join(_tokens(normalize_text(phrase)))
        if tokens and _phrase_pattern(tokens).search(joined):
            return phrase
    return None


def _has_any(joined: str, phrases: tuple[str, ...]) -> bool:
    return _first_found(joined, phrases) is not None


def named_channel(text: str, vocabulary: HoursVocabulary | None = None) -> str | None:
    """The one channel a message names ("la sede", "el teléfono"), if exactly one."""
    vocabulary = vocabulary or hours_vocabulary()
    table = _alias_table(
        [(alias, key) for key, aliases in vocabulary.channel_aliases for alias in aliases]
    )
    found = _best_alias(text, table)
    return found if isinstance(found, str) else None


# Words that ask where an office is, or whether there is one ("¿tienen sede en Calarcá?").
_WHERE_WORDS = frozenset({"donde", "hay", "tienen", "queda", "quedan", "ubicados", "ubicada"})


def town_named(text: str, vocabulary: HoursVocabulary | None = None) -> str | None:
    """The town without an office that a message names, as config/ writes it ("Calarcá")."""
    vocabulary = vocabulary or hours_vocabulary()
    return _first_found(_joined(text), vocabulary.towns_without_office)


def asks_for_an_office_in(text: str, vocabulary: HoursVocabulary | None = None) -> str | None:
    """ "¿tienen sede en Calarcá?", "dónde puedo ir a poner una queja en Montenegro": the town
    without an office asked about, or None."""
    town = town_named(text, vocabulary)
    if town is None:
        return None
    words = set(_joined(text).split())
    office = named_channel(text, vocabulary) == "punto_fisico"
    return town if office or words & _WHERE_WORDS or asks_about_hours(text) else None


def _weekday_named(joined: str) -> int | None:
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"(?<![a-z]){name}(?![a-z])", joined):
            return index
    return None


def describes_past_event(text: str, now: datetime, vocabulary: HoursVocabulary | None = None):
    """Whether a date in the message is part of something that happened ("fue el domingo 6
    de diciembre como a las 11"): past-tense cues, or a weekday that only fits a past date."""
    vocabulary = vocabulary or hours_vocabulary()
    joined = _joined(text)
    if _has_any(joined, vocabulary.past_event):
        return True
    weekday = _weekday_named(joined)
    match = _DAY_OF_MONTH_RE.search(joined)
    if weekday is None or match is None:
        return False
    day_of_month = int(match.group(1))
    today = now.astimezone(BOGOTA).date()
    # The next date with that day of the month that falls on the named weekday: if the
    # nearest such date is in the past, the person is telling what happened.
    for offset in range(-45, 400):
        candidate = today + timedelta(days=offset)
        if candidate.day == day_of_month and candidate.weekday() == weekday:
            return candidate < today
    return False


def read_hours_question(
    text: str, now: datetime, vocabulary: HoursVocabulary | None = None
) -> HoursQuestion:
    vocabulary = vocabulary or hours_vocabulary()
    joined = _joined(text)
    day = None if describes_past_event(text, now, vocabulary) else date_in_question(text, now)
    until = _has_any(joined, vocabulary.until)
    if until and day == now.astimezone(BOGOTA).date():
        day = None  # "hasta qué hora atienden hoy": today's closing time
    return HoursQuestion(
        channel=named_channel(text, vocabulary),
        day=day,
        until=until,
        everything=_has_any(joined, vocabulary.everything),
    )
