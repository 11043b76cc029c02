"""Business days and PQRS deadlines in America/Bogota (pure rules; `now` is a parameter)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from mara.domain.channels import _ALL_DAY, Channel, Interval

BOGOTA = ZoneInfo("America/Bogota")


LEGAL_KINDS = ("general", "documents", "consultation")


# Longest stretch without an opening we look through; no real schedule has a
# longer closure (Holy Week plus a weekend is under a week).
_OPENING_SEARCH_DAYS = 30


@dataclass(frozen=True)
class Deadlines:
    received_on: date
    area_due_on: date
    answer_due_on: date
    legal_due_on: date
    legal_term_days: int
    internal_term_days: int


@dataclass(frozen=True)
class _Terms:
    receipt_office: str
    area_days: int
    au_days: int
    legal_terms: dict[str, int] = field(hash=False)
    pqrs_types: dict[str, str] = field(hash=False)
    resarcimiento_days: int


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"deadline term {name!r} must be a positive integer")
    return value


def _parse_terms(raw: dict[str, Any]) -> _Terms:
    internal = raw.get("internal") or {}
    legal_terms = {
        str(kind): _positive_int(days, f"legal_terms.{kind}")
        for kind, days in (raw.get("legal_terms") or {}).items()
    }
    for kind in LEGAL_KINDS:
        if kind not in legal_terms:
            raise ValueError(f"deadline terms: missing legal_terms.{kind}")
    pqrs_types = {
        _normalize(str(pqrs_type)): str(kind)
        for pqrs_type, kind in (raw.get("pqrs_types") or {}).items()
    }
    for pqrs_type, kind in pqrs_types.items():
        if kind not in legal_terms:
            raise ValueError(f"pqrs type {pqrs_type!r}: unknown legal kind {kind!r}")
    return _Terms(
        receipt_office=str(raw.get("receipt_office") or "punto_fisico"),
        area_days=_positive_int(internal.get("area_days"), "internal.area_days"),
        au_days=_positive_int(internal.get("au_days"), "internal.au_days"),
        legal_terms=legal_terms,
        pqrs_types=pqrs_types,
        resarcimiento_days=_positive_int(raw.get("resarcimiento_days"), "resarcimiento_days"),
    )


def _normalize(text: str) -> str:
    # Callers may pass "Petición" or "INFORMACIÓN"; config keys are bare ASCII.
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _holidays_for_year(year: int) -> dict[date, str]:
    supported = holidays.country_holidays("CO").supported_languages
    language = "es" if "es" in supported else None
    table = holidays.country_holidays("CO", years=year, language=language)
    return dict(table.items())


def _as_bogota(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        # Guessing the zone of a naive datetime would silently shift deadlines.
        raise ValueError("datetime must be timezone-aware")
    return at.astimezone(BOGOTA)


class BusinessCalendar:
    """Business days, PQRS deadlines and channel hours for Comfenalco Quindío."""

    def __init__(
        self,
        channels: dict[str, Channel],
        terms: dict,
        office_key: str | None = None,
    ) -> None:
        self.channels = channels
        self.terms = _parse_terms(terms)
        self.office_key = office_key or self.terms.receipt_office
        if self.office_key not in self.channels:
            raise ValueError(f"unknown receipt office channel {self.office_key!r}")

    # -- days --

    def is_holiday(self, d: date) -> bool:
        return d in _holidays_for_year(d.year)

    def holiday_name(self, d: date) -> str | None:
        return _holidays_for_year(d.year).get(d)

    def is_business_day(self, d: date) -> bool:
        return d.weekday() < 5 and not self.is_holiday(d)

    def next_business_day(self, d: date) -> date:
        candidate = d + timedelta(days=1)
        while not self.is_business_day(candidate):
            candidate += timedelta(days=1)
        return candidate

    def add_business_days(self, d: date, n: int) -> date:
        """Business day number `n` counting the first business day after `d` as 1."""
        if n < 1:
            raise ValueError("n must be at least 1")
        for _ in range(n):
            d = self.next_business_day(d)
        return d

    # -- deadlines --

    def effective_receipt_date(self, filed_at: datetime) -> date:
        local = _as_bogota(filed_at)
        day = local.date()
        if not self.is_business_day(day):
            return self.next_business_day(day)
        office = self._channel(self.office_key)
        if office.always_open:
            return day
        intervals = self.hours_on(self.office_key, day)
        # An office that does not open on a business day cannot receive that day.
        if not intervals or local.time() >= intervals[-1].end:
            return self.next_business_day(day)
        return day

    def deadlines(
        self, filed_at: datetime, pqrs_type: str, legal_kind: str | None = None
    ) -> Deadlines:
        kind = self._legal_kind(pqrs_type, legal_kind)
        legal_days = self.terms.legal_terms[kind]
        internal_days = self.terms.area_days + self.terms.au_days
        received = self.effective_receipt_date(filed_at)
        return Deadlines(
            received_on=received,
            area_due_on=self.add_business_days(received, self.terms.area_days),
            answer_due_on=self.add_business_days(received, internal_days),
            legal_due_on=self.add_business_days(received, legal_days),
            legal_term_days=legal_days,
            internal_term_days=internal_days,
        )

    def resarcimiento_due_on(self, claimed_at: datetime) -> date:
        received = self.effective_receipt_date(claimed_at)
        return self.add_business_days(received, self.terms.resarcimiento_days)

    def _legal_kind(self, pqrs_type: str, legal_kind: str | None) -> str:
        normalized_type = _normalize(pqrs_type)
        if normalized_type not in self.terms.pqrs_types:
            raise ValueError(f"unknown PQRS type {pqrs_type!r}")
        if legal_kind is None:
            return self.terms.pqrs_types[normalized_type]
        if legal_kind not in self.terms.legal_terms:
            raise ValueError(f"unknown legal term kind {legal_kind!r}")
        return legal_kind

    # -- channel hours --

    def _channel(self, channel_key: str) -> Channel:
        try:
            return self.channels[channel_key]
        except KeyError:
            raise KeyError(f"unknown channel {channel_key!r}") from None

    def hours_on(self, channel_key: str, d: date) -> tuple[Interval, ...]:
        channel = self._channel(channel_key)
        if channel.always_open:
            return _ALL_DAY
        if channel.closed_on_holidays and self.is_holiday(d):
            return ()
        return channel.weekly.get(d.weekday(), ())

    def is_open(self, channel_key: str, at: datetime) -> bool:
        if self._channel(channel_key).always_open:
            return True
        local = _as_bogota(at)
        return any(
            interval.contains(local.time()) for interval in self.hours_on(channel_key, local.date())
        )

    def next_opening(self, channel_key: str, at: datetime) -> datetime | None:
        if self.is_open(channel_key, at):
            return None
        local = _as_bogota(at)
        for offset in range(_OPENING_SEARCH_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            for interval in self.hours_on(channel_key, day):
                opening = datetime.combine(day, interval.start, tzinfo=BOGOTA)
                if opening > local:
                    return opening
        return None

    def closes_at(self, channel_key: str, at: datetime) -> datetime | None:
        if self._channel(channel_key).always_open:
            return None
        local = _as_bogota(at)
        intervals = self.hours_on(channel_key, local.date())
        for index, interval in enumerate(intervals):
            if interval.contains(local.time()):
                end = interval.end
                # Back-to-back intervals are one continuous opening.
                for following in intervals[index + 1 :]:
                    if following.start != end:
                        break
                    end = following.end
                return datetime.combine(local.date(), end, tzinfo=BOGOTA)
        return None
