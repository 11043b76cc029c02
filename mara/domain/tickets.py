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
    """The life of a request: the bot files it `recibido` (new, not classified yet), AU
    classifies and routes it, the area answers AU, AU answers the person, then closes."""

    RECIBIDO = "recibido"
    EN_REVISION = "en_revision"  # kept for rows stored before the staff desk existed
    CLASIFICADO = "clasificado"
    EN_AREA = "en_area"
    RESPONDIDO_AREA = "respondido_area"
    RESPONDIDO = "respondido"
    CERRADO = "cerrado"
    REABIERTO = "reabierto"


# Statuses in which someone still owes the person an answer.
OPEN_STATUSES = (
    TicketStatus.RECIBIDO,
    TicketStatus.EN_REVISION,
    TicketStatus.CLASIFICADO,
    TicketStatus.EN_AREA,
    TicketStatus.RESPONDIDO_AREA,
    TicketStatus.REABIERTO,
)


class IntakeChannel(str, Enum):
    """Where a request came in: the bot, or staff registering it from another channel."""

    WHATSAPP = "whatsapp"
    BUZON = "buzon"
    PRESENCIAL = "presencial"
    TELEFONO = "telefono"
    CORREO = "correo"
    WEB = "web"


# The five qualities of a good answer (Políticas de Atención al Usuario).
REVIEW_CRITERIA = ("calidad", "claridad", "precision", "idoneidad", "congruencia")


def format_radicado(year: int, sequence: int) -> str:
    if not 1 <= sequence <= 999_999:
        raise ValueError("the yearly sequence has six digits")
    return f"PQRS-{year:04d}-{sequence:06d}"
