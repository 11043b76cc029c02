"""PQRS domain values: types, statuses and radicado numbers (no framework imports)."""

from __future__ import annotations

from enum import Enum


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


def format_radicado(year: int, sequence: int) -> str:
    if not 1 <= sequence <= 999_999:
        raise ValueError("the yearly sequence has six digits")
    return f"PQRS-{year:04d}-{sequence:06d}"
