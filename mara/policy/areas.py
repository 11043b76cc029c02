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
