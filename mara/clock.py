"""The application's notion of "now": the real clock, or MARA_CLOCK for tests and demos."""

from __future__ import annotations

import os
from datetime import datetime, timezone


def now() -> datetime:
    """An aware UTC datetime; MARA_CLOCK (ISO-8601 with offset) fixes it."""
    fixed = os.environ.get("MARA_CLOCK")
    if fixed:
        parsed = datetime.fromisoformat(fixed)
        if parsed.tzinfo is None:
            raise ValueError("MARA_CLOCK needs a UTC offset, e.g. 2026-12-04T10:00:00-05:00")
        return parsed.astimezone(timezone.utc)
    return datetime.now(timezone.utc)


def utcnow() -> datetime:
    """Wall-clock UTC for technical timestamps (storage, retries), never fixed."""
    return datetime.now(timezone.utc)
