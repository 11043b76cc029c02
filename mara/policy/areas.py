"""Loads config/areas.yml: the service areas that answer PQRS and AU's mailbox."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from mara.policy import CONFIG_DIR

DEFAULT_AREAS_PATH = CONFIG_DIR / "areas.yml"


@dataclass(frozen=True)
class Area:
    slug: str
    name: str
    email: str


@dataclass(frozen=True)
class AreaDirectory:
    au_email: str
    areas: dict[str, Area]

    def email_of(self, recipient: str) -> str | None:
        """ "au" or "area:<slug>" → the mailbox (None for an area not in the file)."""
        if recipient == "au":
            return self.au_email
        area = self.areas.get(recipient.removeprefix("area:"))
        return area.email if area else None

    def name_of(self, slug: str | None) -> str | None:
        area = self.areas.get(slug or "")
        return area.name if area else slug


@cache
def _load(path: Path) -> AreaDirectory:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    au_email = data.get("au_email")
    if not au_email:
        raise ValueError(f"{path}: au_email is required")
    areas: dict[str, Area] = {}
    for raw in data.get("areas") or ():
        for key in ("slug", "name", "email"):
            if not raw.get(key):
                raise ValueError(f"{path}: area {raw!r} without {key!r}")
        if raw["slug"] in areas:
            raise ValueError(f"{path}: duplicate area {raw['slug']!r}")
        areas[raw["slug"]] = Area(str(raw["slug"]), str(raw["name"]), str(raw["email"]))
    return AreaDirectory(au_email=str(au_email), areas=areas)


def area_directory(path: Path | None = None) -> AreaDirectory:
    return _load(Path(path or DEFAULT_AREAS_PATH).resolve())
