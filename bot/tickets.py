"""PQRS domain values: types, statuses and radicado numbers (no framework imports)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

import yaml

PQRS_TYPES_PATH = Path(__file__).resolve().parent.parent / "config" / "pqrs_types.yml"


class PqrsType(str, Enum):
    PETICION = "peticion"
    QUEJA = "queja"
    RECLAMO = "reclamo"
    SUGERENCIA = "sugerencia"
    FELICITACION = "felicitacion"
    INFORMACION = "informacion"

    @classmethod
    def from_intent(cls, intent: str | None) -> PqrsType | None:
        """The NLU intent `pqrs_<type>` names a type; any other intent is not a PQRS."""
        if intent and intent.startswith("pqrs_"):
            try:
                return cls(intent.removeprefix("pqrs_"))
            except ValueError:
                return None
        return None


class TicketStatus(str, Enum):
    RECIBIDO = "recibido"
    EN_REVISION = "en_revision"
    EN_AREA = "en_area"
    RESPONDIDO = "respondido"
    CERRADO = "cerrado"


@dataclass(frozen=True)
class PqrsTypeInfo:
    key: PqrsType
    menu: int
    label: str
    short: str
    definition: str


@dataclass(frozen=True)
class PqrsCatalog:
    types: tuple[PqrsTypeInfo, ...]
    anonymous_allowed: frozenset[PqrsType]
    privacy_policy_version: str
    statuses: dict[str, str]

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
        )
        for t in data["types"]
    )
    return PqrsCatalog(
        types=tuple(sorted(types, key=lambda t: t.menu)),
        anonymous_allowed=frozenset(PqrsType(k) for k in data["anonymous_allowed"]),
        privacy_policy_version=str(data["privacy_policy_version"]),
        statuses=dict(data["statuses"]),
    )


def format_radicado(year: int, sequence: int) -> str:
    if not 1 <= sequence <= 999_999:
        raise ValueError("the yearly sequence has six digits")
    return f"PQRS-{year:04d}-{sequence:06d}"
