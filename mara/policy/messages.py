"""People-facing texts kept in config/ (those not owned by Rasa's domain.yml)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from mara.settings import ROOT


@lru_cache(maxsize=4)
def _load(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def message(key: str, path: Path | None = None) -> str:
    return _load(path or ROOT / "config" / "messages.yml")[key]
