"""Channels of attention and their opening intervals (values, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time


@dataclass(frozen=True)
class Interval:
    """Opening interval within one day, half-open: [start, end)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ValueError(f"interval start {self.start} is not before end {self.end}")

    def contains(self, t: time) -> bool:
        return self.start <= t < self.end


_ALL_DAY = (Interval(time(0, 0), time(23, 59, 59)),)


@dataclass(frozen=True)
class Channel:
    key: str
    name: str
    contact: str
    address: str | None
    always_open: bool
    closed_on_holidays: bool
    # Excluded from hashing so that a frozen Channel stays hashable.
    weekly: dict[int, tuple[Interval, ...]] = field(hash=False)
    description: str | None = None
