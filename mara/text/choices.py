"""Menu choices ("2", "la segunda", "2️⃣"), yes/no answers and services picked by name."""

from __future__ import annotations

import re
from functools import cache

from mara.policy.catalogs import services
from mara.policy.pqrs_types import catalog
from mara.text.normalize import (
    Invalid,
    _alias_table,
    _AliasTable,
    _best_alias,
    _tokens,
    normalize_text,
)

_NUMBER_WORDS = {
    "uno": 1,
    "una": 1,
    "primero": 1,
    "primera": 1,
    "primer": 1,
    "dos": 2,
    "segundo": 2,
    "segunda": 2,
    "tres": 3,
    "tercero": 3,
    "tercera": 3,
    "tercer": 3,
    "cuatro": 4,
    "cuarto": 4,
    "cuarta": 4,
    "cinco": 5,
    "quinto": 5,
    "quinta": 5,
    "seis": 6,
    "sexto": 6,
    "sexta": 6,
    "siete": 7,
    "septimo": 7,
    "septima": 7,
    "setimo": 7,
    "setima": 7,
    "ocho": 8,
    "octavo": 8,
    "octava": 8,
    "nueve": 9,
    "noveno": 9,
    "novena": 9,
    "diez": 10,
    "decimo": 10,
    "decima": 10,
    "once": 11,
    "undecimo": 11,
    "undecima": 11,
    "onceavo": 11,
    "doce": 12,
    "duodecimo": 12,
    "duodecima": 12,
}


# "1ro", "2da", "3er", "4to", "1a", "1o" (from "1º" after NFKD).
_ORDINAL_DIGITS_RE = re.compile(r"(\d{1,2})(?:ro|ra|er|do|da|to|ta|mo|ma|vo|va|no|na|o|a)?")


# Words around a choice that do not change it: "la 2", "opción número 3", "quiero la 1".
_CHOICE_FILLER = frozenset(
    {
        "la",
        "el",
        "lo",
        "de",
        "opcion",
        "op",
        "numero",
        "num",
        "nro",
        "no",
        "n",
        "es",
        "seria",
        "sera",
        "quiero",
        "elijo",
        "escojo",
        "selecciono",
        "marco",
        "pues",
        "porfa",
        "por",
        "favor",
        "gracias",
        "mi",
        "respuesta",
    }
)


_KEYCAP_TEN = "\U0001f51f"


def _choice_number(text: str) -> int | None:
    """The number a short reply picks, before any range check; None if it is not a pick."""
    words = [
        word
        for word in _tokens(normalize_text(text.replace(_KEYCAP_TEN, " 10 ")))
        if word not in _CHOICE_FILLER
    ]
    if len(words) != 1:
        return None
    word = words[0]
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    match = _ORDINAL_DIGITS_RE.fullmatch(word)
    return int(match.group(1)) if match else None


def parse_choice(text: str, count: int) -> int | None:
    """1..count from "1", "la 2", "opción 3", "tres", "3️⃣", "el tercero"; None otherwise."""
    number = _choice_number(text)
    if number is None or not 1 <= number <= count:
        return None
    return number


_YES_PHRASES = (
    "si",
    "sip",
    "sisas",
    "claro",
    "claro que si",
    "dale",
    "de una",
    "acepto",
    "aceptar",
    "autorizo",
    "ok",
    "okay",
    "okey",
    "oki",
    "listo",
    "correcto",
    "afirmativo",
    "por supuesto",
    "de acuerdo",
    "esta bien",
    "vale",
    "perfecto",
    "exacto",
    "asi es",
    "confirmo",
    # "no hay problema": a yes, though it starts with "no".
    "no hay problema",
    "no tengo problema",
    "ningun problema",
    "sin problema",
    "no hay inconveniente",
    "no tengo inconveniente",
    "hagale",
    "yes",
    "obvio",
    "obviamente",
)


_NO_PHRASES = (
    "no",
    "nop",
    "nope",
    "nel",
    "negativo",
    "no acepto",
    "no autorizo",
    "no estoy de acuerdo",
    "no confirmo",
    "no quiero",
    "no va",
    "para nada",
    "incorrecto",
    "tampoco",
    "ni loco",
    "ni loca",
    "nones",
)


# A yes only when it is all the answer says ("bueno", "con gusto"): inside a story these
# words say something else ("el servicio no fue bueno").
_YES_ALONE = frozenset({"bueno", "bueno pues", "listo pues", "dale pues", "bueno si", "con gusto"})


# Consumed without a verdict, so "no sé" is not read as "no".
_NEUTRAL_PHRASES = ("no se", "no entiendo", "no estoy seguro", "no estoy segura")


_YES_EMOJI = ("👍", "👌", "✅", "✔")


_NO_EMOJI = ("👎", "❌", "🚫")


def _squeeze(word: str) -> str:
    # "siii", "noooo", "claroo" are the same word; doubled letters add nothing here.
    return re.sub(r"(.)\1+", r"\1", word)


@cache
def _yes_no_table() -> tuple[tuple[tuple[str, ...], bool | None], ...]:
    entries: list[tuple[str, bool | None]] = [(phrase, True) for phrase in _YES_PHRASES]
    entries += [(phrase, False) for phrase in _NO_PHRASES]
    entries += [(phrase, None) for phrase in _NEUTRAL_PHRASES]
    table = [(tuple(_squeeze(w) for w in phrase.split()), verdict) for phrase, verdict in entries]
    # Longest first so "no acepto" wins over "no" and over "acepto".
    return tuple(sorted(table, key=lambda item: -len(item[0])))


_THANKS = frozenset({"gracias", "amable", "pague", "agradezco", "agradecido", "agradecida"})
_AROUND_THANKS = frozenset(
    {"ok", "okay", "oki", "listo", "bueno", "vale", "perfecto", "entendido", "ah", "ya", "muchas",
     "mil", "muy", "le", "te", "lo", "se", "dios", "senorita", "entonces"}
)  # fmt: skip


def only_thanks(text: str) -> bool:
    """ "ok gracias", "listo, muy amable": thanks and nothing asked or answered."""
    words = set(_tokens(normalize_text(text)))
    return bool(words & _THANKS) and words <= _THANKS | _AROUND_THANKS


_NOTHING_MORE = frozenset(
    {"no", "nop", "nel", "nada", "todo", "mas", "ya", "eso", "es", "seria", "por", "ahora", "asi",
     "esta", "bien", "senor", "senora", "senorita", "gracias", "muchas", "mil"}
)  # fmt: skip


def nothing_more(text: str) -> bool:
    """ "no", "nada más", "eso es todo", "no, así está bien": nothing else wanted, said where
    no question was pending."""
    words = set(_tokens(normalize_text(text)))
    return bool(words & {"no", "nop", "nel", "nada", "todo"}) and words <= _NOTHING_MORE


# What acknowledges without agreeing to anything ("ok", "listo, gracias").
_ACKNOWLEDGING = frozenset({"ok", "okay", "okey", "oki", "listo", "vale", "entendido", "perfecto",
                            "bueno", "ya", "bien", "esta"})  # fmt: skip


def agrees(text: str) -> bool:
    """ "sí", "acepto", "sí, dale": a yes that agrees, not an "ok" or a "listo, gracias"
    that only acknowledges."""
    words = set(_tokens(normalize_text(text)))
    acknowledging = words <= _ACKNOWLEDGING | _THANKS | _AROUND_THANKS
    return parse_yes_no(text) is True and not acknowledging


_ANONYMOUS = ("anonimo", "anonima", "anonimamente", "anonimato", "sin nombre", "sin mis datos")


def wants_anonymity(text: str) -> bool:
    """ "que sea anónima", "prefiero no dar mi nombre"."""
    plain = " ".join(_tokens(normalize_text(text)))
    return any(word in plain for word in _ANONYMOUS) or "prefiero no" in plain


def no_thanks(text: str) -> bool:
    """ "no gracias", "no, muchas gracias": a polite no to the whole offer."""
    return parse_yes_no(text) is False and bool(set(_tokens(normalize_text(text))) & _THANKS)


def parse_yes_no(text: str) -> bool | None:
    """True for sí/claro/dale/acepto/1, False for no/negativo/no acepto/2, None if unclear."""
    for emoji in _YES_EMOJI:
        text = text.replace(emoji, " si ")
    for emoji in _NO_EMOJI:
        text = text.replace(emoji, " no ")
    words = [_squeeze(word) for word in _tokens(normalize_text(text))]
    if " ".join(words) in _YES_ALONE:
        return True
    verdicts: set[bool] = set()
    index = 0
    while index < len(words):
        for phrase, verdict in _yes_no_table():
            if tuple(words[index : index + len(phrase)]) == phrase:
                if verdict is not None:
                    verdicts.add(verdict)
                index += len(phrase)
                break
        else:
            index += 1
    if len(verdicts) == 1:
        return verdicts.pop()
    if verdicts:
        # "claro que no": both kinds of words, so ask again rather than guess.
        return None
    choice = parse_choice(text, 2)
    return None if choice is None else choice == 1


@cache
def _service_alias_table() -> _AliasTable:
    return _alias_table(
        [
            (alias, service.key)
            for service in services()
            for alias in (service.key.replace("_", " "), service.label, *service.aliases)
        ]
    )


def parse_service(text: str) -> str | Invalid:
    """The service key for a menu number, a label or a keyword ("piscina", "cuota monetaria")."""
    number = _choice_number(text)
    if number is not None:
        for service in services():
            if service.menu == number:
                return service.key
        return Invalid("out_of_range")
    found = _best_alias(text, _service_alias_table())
    return Invalid("no_choice") if found is None else found


def service_named(text: str) -> str | None:
    """The one service a free text names ("la piscina estaba sucia" → recreacion_deportes);
    None when it names none or two equally ("el gimnasio y la droguería"). Numbers in the
    text are not menu choices here: a description is not an answer to the service list."""
    found = _best_alias(text, _service_alias_table())
    return found if isinstance(found, str) else None


def _singular(word: str) -> str:
    """ "quejas" → "queja", "peticiones" → "peticion": enough for the types' words."""
    if word.endswith("ones"):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def types_named(text: str) -> list[str]:
    """The PQRS types a text names in words, in the catalog's order ("¿qué diferencia hay
    entre queja y reclamo?" → queja, reclamo)."""
    words = {_singular(w) for w in normalize_text(text).replace("?", " ").split()}
    return [t.key.value for t in catalog().types if words & {normalize_text(w) for w in t.words}]
