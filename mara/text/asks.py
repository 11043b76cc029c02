"""Cues in free text that the model may miss: a question about one's own request ("¿cómo va
lo que puse de la droguería?") and a question about a service ("¿qué requisitos piden para
el subsidio de vivienda?")."""

from __future__ import annotations

from mara.text.choices import service_named
from mara.text.normalize import normalize_text

# Asking how something goes…
_STATUS_PHRASES = (
    "como va",
    "como van",
    "como vamos",
    "en que va",
    "en que van",
    "que paso con",
    "que ha pasado con",
    "el estado de",
    "como sigue",
    "ya respondieron",
    "ya me respondieron",
    "no me han respondido",
)
# …about something already filed.
_FILED_WORDS = frozenset(
    {
        "puse",
        "radique",
        "mande",
        "envie",
        "meti",
        "queja",
        "reclamo",
        "solicitud",
        "peticion",
        "pqrs",
        "tramite",
        "caso",
        "radicado",
    }
)
_SERVICE_QUESTION_WORDS = frozenset(
    {
        "requisitos",
        "requisito",
        "como",
        "cuanto",
        "cuanta",
        "cuando",
        "donde",
        "necesito",
        "piden",
        "puedo",
        "informacion",
        "postularme",
        "postularse",
        "inscribirme",
        "valor",
        "precio",
        "costo",
        "tarifa",
    }
)


def _plain(text: str) -> str:
    return " ".join(normalize_text(text).replace("?", " ").replace("¿", " ").split())


def asks_about_status(text: str) -> bool:
    """ "y cómo va lo que puse de la droguería?", "no, quiero saber cómo va la queja que ya
    puse": how a request already filed is going."""
    plain = f" {_plain(text)} "
    asks = any(f" {phrase} " in plain for phrase in _STATUS_PHRASES)
    return asks and bool(_FILED_WORDS & set(plain.split()))


def service_asked(text: str) -> str | None:
    """The service a question is about ("¿cuánto vale la piscina?" → recreacion_deportes);
    None when the text names no service or asks nothing about it."""
    words = set(_plain(text).split())
    if not words & _SERVICE_QUESTION_WORDS:
        return None
    return service_named(text)
