"""Loads config/staff_texts.yml: the Spanish the staff web, its API and the staff commands
show (the desk's refusals, the intake form's field errors, account errors), by key."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from mara.policy import CONFIG_DIR

DEFAULT_STAFF_TEXTS_PATH = CONFIG_DIR / "staff_texts.yml"


@cache
def _load(path: Path) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for section, texts in data.items():
        if not isinstance(texts, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in texts.items()
        ):
            raise ValueError(f"{path.name}: {section!r} must map keys to non-empty texts")
    return data


def staff_texts(path: Path = DEFAULT_STAFF_TEXTS_PATH) -> dict[str, dict[str, str]]:
    """Every text by section (checked: each a non-empty string)."""
    return _load(path)


def staff_text(key: str, **values: object) -> str:
    """The text of `section.name`, its {placeholders} filled with `values` (as data)."""
    section, _, name = key.partition(".")
    texts = staff_texts()
    try:
        text = texts[section][name]
    except KeyError:
        raise KeyError(f"config/staff_texts.yml has no {key!r}") from None
    return text.format(**values) if values else text
