"""People-facing texts kept in config/ (those not owned by Rasa's domain.yml), with the
Caja's facts filled in."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from mara.policy import CONFIG_DIR
from mara.policy.facts import fill


@lru_cache(maxsize=8)
def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def message(key: str, path: Path | None = None) -> Any:
    """A text of config/messages.yml, facts ({phone}, {email}…) filled in."""
    value = _load(path or CONFIG_DIR / "messages.yml")[key]
    return fill(value) if isinstance(value, str) else value


def policy_answer(key: str, path: Path | None = None) -> str:
    """A short policy answer of config/policies.yml, one line, facts filled in."""
    return fill(" ".join(_load(path or CONFIG_DIR / "policies.yml")[key].split()))
