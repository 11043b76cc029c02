"""Whole-message keywords of config/keywords.yml (BAJA, ALTA, cancelar, menú, asesor)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from mara.policy import CONFIG_DIR

KEYWORDS_PATH = CONFIG_DIR / "keywords.yml"


@cache
def keywords(path: Path = KEYWORDS_PATH) -> dict[str, tuple[str, ...]]:
    """Intent → the words that, typed alone, mean it (as written in the file)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {intent: tuple(str(w) for w in words) for intent, words in data.items()}
