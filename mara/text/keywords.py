"""A whole message that is a keyword (BAJA, STOP, ALTA…, config/keywords.yml) goes to its
intent directly: WhatsApp users rely on it."""

from __future__ import annotations

from functools import cache

from mara.policy.keywords import keywords
from mara.text.normalize import normalize_text


@cache
def _triggers() -> dict[str, str]:
    """Normalized keyword → its intent trigger ("/opt_out")."""
    return {normalize_text(w): f"/{intent}" for intent, words in keywords().items() for w in words}


def keyword_intent(body: str) -> str | None:
    """The intent trigger for a keyword typed alone, else None."""
    if len(body) > 64:
        return None
    return _triggers().get(normalize_text(body))
