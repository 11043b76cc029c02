"""Cues in free text that the model may miss: a question about one's own request ("¿cómo va
lo que puse de la droguería?"), a question about a service ("¿qué requisitos piden para
el subsidio de vivienda?") and whether it asks for a date ("¿cuándo pagan el subsidio?")."""

from __future__ import annotations

import re

from mara.text import choices
from mara.text.choices import service_named
from mara.text.extract import extract_person_data, says_own_name
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
# No answer yet ("todavía no me responden")… to what they say they filed: "llamo a la línea y
# no me contestan, quiero poner una queja" is a new queja.
_NO_ANSWER_PHRASES = (
    "no me responden",
    "no me han contestado",
    "no me contestan",
    "no han respondido",
    "no han contestado",
    "no me han dado respuesta",
    "no me dan respuesta",
    "sin respuesta",
    "nada que responden",
    "nada que me responden",
)
_FILING_WORDS = frozenset(
    {"puse", "radique", "mande", "envie", "meti", "hice", "presente", "pase", "radicado", "pqrs"}
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
        "saber",
        "pregunta",
        "preguntar",
        "consulta",
        "aplicar",
        "acceder",
        "ayuda",
        "ayudar",
        "ayudan",
        "orientar",
        "orientacion",
        "informar",
        "informarme",
        "informen",
    }
)


# "¿cuándo pagan…?", "¿para cuándo…?", "¿qué día consignan…?", "la fecha de pago": a date, which
# no requirements text answers. "cuando" alone is also "when" in a statement ("requisitos
# cuando soy independiente"), so it counts before a verb of dates or at the question's end.
_WHEN = re.compile(
    r"\bcuando (?:(?:me|nos|les|le|lo|la|los|las|se|van a) )?"
    r"(?:pagan|paga|pagaran|pagara|pagar|consignan|consigna|depositan|deposita|giran|gira"
    r"|llega|llegan|sale|salen|cae|caen|abren|abre|empiezan|empieza|inician|inicia"
    r"|comienzan|comienza|son|es|hay|seria|sera|habra|entregan|entrega|publican|cierran)\b"
    r"|\bpara cuando\b|\bcuando$"
    r"|\b(?:que|cual|cuales|en que) (?:dia|dias|fecha|fechas|mes)\b"
    r"|\bfechas?\b|\bdia de pago\b|\bdias de pago\b"
    r"|\bya (?:salio|salieron|abrieron|abrio|empezo|empezaron|estan|esta) (?:la |las |el |los )?"
    r"(?:convocatoria|convocatorias|inscripcion|inscripciones|pago|pagos|postulacion|postulaciones)"
)

# "¿me pueden llamar al 310…?", "llámenme por favor": a call asked for.
_CALL = re.compile(
    r"\b(?:me|nos) (?:pueden|puede|podrian|podria|pueden por favor|puede por favor) llamar\b"
    r"|\b(?:pueden|puede|podrian|podria) llamarme\b|\bllamenme\b|\bllameme\b"
    r"|\bque me (?:llamen|llame)\b|\bme (?:devuelvan|devuelven|regresan) la llamada\b"
)


def _plain(text: str) -> str:
    """Words only: "no me responden, ¿qué pasa?" → "no me responden que pasa"."""
    return " ".join(re.sub(r"[^\w\s]", " ", normalize_text(text)).split())


def asks_about_status(text: str) -> bool:
    """ "y cómo va lo que puse de la droguería?", "no, quiero saber cómo va la queja que ya
    puse": how a request already filed is going."""
    plain = f" {_plain(text)} "
    words = set(plain.split())
    if any(f" {phrase} " in plain for phrase in _NO_ANSWER_PHRASES) and _FILING_WORDS & words:
        return True
    asks = any(f" {phrase} " in plain for phrase in _STATUS_PHRASES)
    return asks and bool(_FILED_WORDS & words)


# What was done to the person ("me rechazaron", "no me aprobaron"): a grievance about the
# service, which a requirements text does not answer.
_DONE_TO_THEM = re.compile(
    r"\b(?:me|nos|le|les) (?:rechazaron|negaron|cobraron|quitaron|suspendieron|descontaron"
    r"|retiraron|cancelaron|bloquearon|sacaron|desafiliaron|trataron)\b"
    r"|\bno (?:me|nos|le|les) (?:aprobaron|pagaron|han pagado|dieron|devolvieron|aceptaron)\b"
)


def tells_a_grievance(text: str) -> bool:
    """ "¿por qué me rechazaron la postulación si cumplo los requisitos?"."""
    return bool(_DONE_TO_THEM.search(_plain(text)))


def service_asked(text: str) -> str | None:
    """The service a question is about ("¿cuánto vale la piscina?" → recreacion_deportes);
    None when the text names no service, asks nothing about it, or tells what was done to
    the person ("me rechazaron la postulación…")."""
    words = set(_plain(text).split())
    if not words & _SERVICE_QUESTION_WORDS or tells_a_grievance(text):
        return None
    return service_named(text)


def asks_about_a_service(text: str) -> bool:
    """ "¿cómo me postulo?", "¿cuánto vale?": asked in the words of a question about a
    service, whether or not one is named."""
    return bool(set(_plain(text).split()) & _SERVICE_QUESTION_WORDS)


def asks_when(text: str) -> bool:
    """ "el subsidio de este mes cuándo lo pagan", "¿qué día consignan la cuota?", "fechas de
    inscripción a natación": the question is for a date."""
    return bool(_WHEN.search(_plain(text)))


def asks_for_a_call(text: str) -> bool:
    """ "hola, ¿me pueden llamar al 310 456 7890?", "necesito que me llamen": a call asked for,
    which only an adviser can answer."""
    return bool(_CALL.search(_plain(text)))


_LACKS = re.compile(r"^(?:pues |es que |pero )?no (?:tengo|tiene|manejo|uso|me se|recuerdo)\b \w+")


def says_it_lacks(text: str) -> bool:
    """ "no tengo correo", "no me sé el número": something is missing, which is not a "no"
    to the question asked."""
    return bool(_LACKS.search(_plain(text)))


_FORGOT = re.compile(
    r"\b(?:no (?:me )?(?:acuerdo|recuerdo)|no (?:lo |la )?(?:tengo|se|encuentro|hallo|guarde)"
    r"|(?:lo|la) (?:perdi|borre|bote)|se me (?:perdio|olvido|borro|borraron)|olvide"
    r"|no (?:me )?(?:lo |la )?(?:dieron|llego|enviaron|mandaron)|no se cual es|ni idea)\b"
)


def forgot_the_number(text: str) -> bool:
    """ "no me acuerdo del número", "lo perdí", "no me llegó": asked for a radicado, the
    person does not have it."""
    return bool(_FORGOT.search(_plain(text)))


_LATE = re.compile(
    r"\b(?:no (?:me |nos |le )?(?:responden|contestan|cumplen|llega la respuesta)"
    r"|se (?:vence|vencen|pasa|pasan|demoran mas)|pasa el plazo|pasan los dias|vencid[oa]"
    r"|despues del plazo|fuera del plazo|no responden a tiempo)\b"
)


def asks_if_late(text: str) -> bool:
    """ "¿y si no me responden a tiempo?", "¿qué pasa si se vence?": the deadline missed."""
    return bool(_LATE.search(_plain(text)))


_GREETING_WORDS = frozenset(
    {"hola", "ola", "buenas", "buenos", "buen", "dias", "dia", "tardes", "noches"}
)


# Words that announce a request without telling it: "buenas, quiero radicar una queja".
_ANNOUNCING = _GREETING_WORDS | frozenset({
    "senorita", "senor", "senora", "por", "favor", "porfa", "porfavor", "gracias", "quiero",
    "kiero", "queria", "quisiera", "deseo", "necesito", "nesecito", "me", "gustaria", "voy",
    "a", "ir", "poner", "hacer", "aser", "radicar", "presentar", "interponer", "dejar", "pasar",
    "mandar", "enviar", "colocar", "montar", "tengo", "una", "un", "el", "la", "de", "para",
    "otra", "otro", "nueva", "nuevo", "que", "y", "yo", "soy", "afiliado", "afiliada",
    "usuario", "usuaria",
})  # fmt: skip


# How people introduce themselves before announcing it: "hola, mi nombre es … quiero…".
_INTRODUCING = frozenset({"mi", "nombre", "es", "completo", "me", "llamo", "soy", "yo", "y"})


def _without_own_name(text: str) -> tuple[list[str], bool]:
    """The text's words less the writer's own name and the words that introduce it ("hola,
    mi nombre es Diana Ríos, quiero…" → "hola quiero…"), and whether a name was found."""
    words = _plain(text).split()
    if not says_own_name(text):
        return words, False
    name = _plain(extract_person_data(text).full_name or "").split()
    return [w for w in words if w not in name and w not in _INTRODUCING], bool(name)


def introduces_only(text: str) -> bool:
    """ "hola, mi nombre es Diana Ríos": the person says who they are, and nothing more yet."""
    rest, named = _without_own_name(text)
    return named and not [w for w in rest if w not in _GREETING_WORDS]


def announces_only(text: str) -> bool:
    """ "quiero poner una queja", "kiero aser una sujerencia", "hola, soy Ana López y quiero
    hacer una sugerencia": the type named and nothing of the case (its words are not a
    description)."""
    words, _ = _without_own_name(text)
    named = choices.types_named(text)
    rest = [w for w in words if w not in _ANNOUNCING and choices.types_named(w) != named]
    return len(named) == 1 and not rest


# Anger said, not told ("ustedes son unos ladrones", "qué servicio tan pésimo").
_UPSET = re.compile(
    r"\b(?:ladrones|ladron|rateros|estafa|estafadores|estafando|robando|pesimo|pesima"
    r"|pesimos|malisimo|malisima|ineptos|incompetentes|verguenza|sinverguenzas|abusivos"
    r"|basura|porqueria|no sirven|no sirve para nada|mierda|hartos|harta|harto|cansada"
    r"|cansado|indignad[oa]|aburrid[oa]|burla)\b"
)


def sounds_upset(text: str) -> bool:
    """ "ustedes son unos ladrones", "estoy harta de esta caja": someone angry, whose
    complaint is still to be told."""
    return bool(_UPSET.search(_plain(text)))


_CHANGE_WORDS = frozenset(
    {"cambiar", "corregir", "actualizar", "modificar", "cambio", "cambie", "corrijan", "cambien",
     "actualicen", "actualizo", "corrijo", "editar"}
)  # fmt: skip
_DATA_WORDS = frozenset(
    {"correo", "email", "telefono", "celular", "numero", "direccion", "datos", "dato",
     "nombre", "documento", "cedula"}
)  # fmt: skip


def asks_to_change_filed(text: str) -> bool:
    """ "¿cómo cambio mi correo en el radicado que puse?": data of a request already filed,
    which the bot cannot change."""
    words = set(_plain(text).split())
    return bool(words & _CHANGE_WORDS and words & _DATA_WORDS and words & _FILED_WORDS)


_ADD_WORDS = frozenset(
    {"agregar", "agregarle", "adjuntar", "adjuntarle", "anexar", "anexarle", "mandar",
     "mandarle", "enviar", "enviarle", "subir", "agrego", "adjunto", "anexo", "mando", "envio"}
)  # fmt: skip
_FILE_WORDS = frozenset(
    {"foto", "fotos", "documento", "documentos", "archivo", "archivos", "soporte", "soportes",
     "pantallazo", "imagen", "imagenes", "factura", "pdf", "evidencia", "evidencias", "prueba",
     "pruebas", "video", "audio", "certificado"}
)  # fmt: skip


def adds_to_filed(text: str) -> bool:
    """ "ya radiqué una queja pero quiero agregarle una foto": a file for a request already
    filed, which the bot cannot attach to it."""
    words = set(_plain(text).split())
    return bool(words & _ADD_WORDS and words & _FILE_WORDS and words & _FILED_WORDS)


_WANTS_TO_ASK = re.compile(
    r"\buna? (?:informacion|info|pregunta|preguntica|consulta|consultica|duda|dudita|inquietud)\b"
    r"|\b(?:preguntar|consultar|preguntarles|consultarles) (?:algo|una cosa|una cosita)\b"
)


def wants_to_ask(text: str) -> bool:
    """ "es que necesito una información", "quería hacer una pregunta": a question still to
    come, nothing of it said yet (no service named, a few words)."""
    plain = _plain(text)
    short = len(plain.split()) <= 8
    return short and bool(_WANTS_TO_ASK.search(plain)) and service_named(text) is None


_LOST = re.compile(
    r"\bno (?:le |te )?(?:entiendo|entendi|comprendo)\b|\bcomo asi\b|\bno se que hacer\b"
)


def is_lost(text: str) -> bool:
    """ "no entiendo nada", "¿cómo así?": the person is lost, not the bot."""
    return bool(_LOST.search(_plain(text)))
