"""The PQRS type catalog of config/pqrs_types.yml: names, definitions, menu order, status words."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from mara.domain.tickets import PqrsType
from mara.policy import CONFIG_DIR

PQRS_TYPES_PATH = CONFIG_DIR / "pqrs_types.yml"


@dataclass(frozen=True)
class PqrsTypeInfo:
    key: PqrsType
    menu: int
    label: str
    short: str
    definition: str
    name: str = ""
    gist: str = ""
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class PqrsCatalog:
    types: tuple[PqrsTypeInfo, ...]
    anonymous_allowed: frozenset[PqrsType]
    privacy_policy_version: str
    statuses: dict[str, str]

    def allows_anonymous(self, pqrs_type: PqrsType | str | None) -> bool:
        """Whether a request of this type may be filed without the person's data."""
        return pqrs_type is not None and PqrsType(pqrs_type) in self.anonymous_allowed

    def status_words(self, status: str) -> str:
        """The plain words people read for a ticket status."""
        return self.statuses.get(status, status)

    def info(self, pqrs_type: PqrsType | str) -> PqrsTypeInfo:
        key = PqrsType(pqrs_type)
        return next(t for t in self.types if t.key == key)

    def by_menu(self, number: int) -> PqrsTypeInfo | None:
        return next((t for t in self.types if t.menu == number), None)


@cache
def catalog(path: Path = PQRS_TYPES_PATH) -> PqrsCatalog:
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    types = tuple(
        PqrsTypeInfo(
            key=PqrsType(t["key"]),
            menu=int(t["menu"]),
            label=t["label"],
            short=t["short"],
            definition=" ".join(t["definition"].split()),
            name=str(t.get("name") or t["key"]),
            gist=str(t.get("gist") or ""),
            words=tuple(str(w) for w in t.get("words") or (t["key"],)),
        )
        for t in data["types"]
    )
    return PqrsCatalog(
        types=tuple(sorted(types, key=lambda t: t.menu)),
        anonymous_allowed=frozenset(PqrsType(k) for k in data["anonymous_allowed"]),
        privacy_policy_version=str(data["privacy_policy_version"]),
        statuses=dict(data["statuses"]),
    )
