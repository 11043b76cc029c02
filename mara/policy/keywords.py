"""Whole-message keywords (config/keywords.yml): BAJA, STOP, ALTA… go to their intent directly."""

from __future__ import annotations

from functools import lru_cache

import yaml

from mara.policy import CONFIG_DIR
from mara.text.normalize import normalize_text


@lru_cache(maxsize=1)
def _keywords() -> dict[str, str]:
    with (CONFIG_DIR / "keywords.yml").open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return {normalize_text(word): f"/{intent}" for intent, words in data.items() for word in words}


def keyword_intent(body: str) -> str | None:
    """The intent trigger for a keyword typed alone (WhatsApp users rely on it), else None."""
    if len(body) > 64:
        return None
    return _keywords().get(normalize_text(body))
