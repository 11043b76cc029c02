"""The service areas of config/areas.yml: who answers which service's requests."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from mara.policy import CONFIG_DIR

AREAS_PATH = CONFIG_DIR / "areas.yml"


@dataclass(frozen=True)
class AreaInfo:
    slug: str
    name: str
    email: str | None
    services: tuple[str, ...]


@cache
def load_areas(path: Path = AREAS_PATH) -> tuple[AreaInfo, ...]:
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    areas = tuple(
        AreaInfo(
            slug=str(a["slug"]),
            name=str(a["name"]),
            email=a.get("email") or None,
            services=tuple(a.get("services") or ()),
        )
        for a in data["areas"]
    )
    slugs = [a.slug for a in areas]
    if len(set(slugs)) != len(slugs):
        raise ValueError("config/areas.yml: an area slug appears twice")
    return areas


def area_for_service(service: str | None) -> str | None:
    """The area that answers a service's requests (AU's routing suggestion)."""
    if not service:
        return None
    return next((a.slug for a in load_areas() if service in a.services), None)


@dataclass(frozen=True)
class AreaDirectory:
    """Where the SLA sweep's e-mails go: AU's mailbox and each area's."""

    au_email: str
    areas: dict[str, AreaInfo]

    def email_of(self, recipient: str) -> str | None:
        """ "au" or "area:<slug>" → the mailbox (None for an area unknown or without one)."""
        if recipient == "au":
            return self.au_email
        area = self.areas.get(recipient.removeprefix("area:"))
        return area.email if area else None

    def name_of(self, slug: str | None) -> str | None:
        area = self.areas.get(slug or "")
        return area.name if area else slug


@cache
def area_directory(path: Path = AREAS_PATH) -> AreaDirectory:
    with path.open(encoding="utf-8") as f:
        au_email = (yaml.safe_load(f) or {}).get("au_email")
    if not au_email:
        raise ValueError(f"{path.name}: au_email is required")
    return AreaDirectory(str(au_email), {a.slug: a for a in load_areas(path)})
