"""Parse and validate what people type on WhatsApp: names, documents, phones, e-mails, choices."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers
import yaml
from email_validator import EmailNotValidError, validate_email

from bot.tickets import format_radicado

_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
DEFAULT_DOCUMENTS_PATH = _CONFIG_DIR / "documents.yml"
DEFAULT_SERVICES_PATH = _CONFIG_DIR / "services.yml"


@dataclass(frozen=True)
class Invalid:
    """Why a value was rejected, as a short machine key the bot maps to a message.

    Keys: "empty", "too_short", "too_long", "not_a_name", "unknown_type", "missing",
    "multiple", "digits_only", "length", "needs_digit", "not_colombian", "not_mobile",
    "no_wa_number", "invalid", "typo_domain", "out_of_range", "ambiguous", "no_choice".
    """

    reason: str


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    menu: int
    aliases: tuple[str, ...]
    hint: str
    charset: str  # "digits" or "alphanumeric"
    min_length: int
    max_length: int
    require_digit: bool = False


@dataclass(frozen=True)
class Service:
    key: str
    label: str
    menu: int
    aliases: tuple[str, ...]


# --- text helpers ------------------------------------------------------------


def _is_edge_junk(ch: str) -> bool:
    # Punctuation, symbols (emoji included), separators and format characters
    # such as the zero-width joiner that WhatsApp emoji carry.
    return unicodedata.category(ch)[0] in "PSZC"


def normalize_text(text: str) -> str:
    """Lowercase, without accents, single-spaced, without punctuation at the ends."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    # Mn drops accents and the emoji variation selector; Me drops the keycap of "3️⃣".
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Me"))
    collapsed = " ".join(bare.split())
    start, end = 0, len(collapsed)
    while start < end and _is_edge_junk(collapsed[start]):
        start += 1
    while end > start and _is_edge_junk(collapsed[end - 1]):
        end -= 1
    return collapsed[start:end]


# "c.c." -> "cc", "t. i" -> "ti": initials typed with dots must match the codes.
_INITIALS_RE = re.compile(r"\b([a-z])\.\s?(?=[a-z]\b)")


def _tokens(normalized: str) -> list[str]:
    compacted = _INITIALS_RE.sub(r"\1", normalized)
    return re.findall(r"[a-z0-9]+", compacted)


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Matches `phrase` (space-joined tokens) as whole words, allowing a plural."""
    return re.compile(rf"(?<![a-z0-9]){re.escape(phrase)}(?:s|es)?(?![a-z0-9])")


# (alias length, alias pattern, key) rows, built once per config file.
_AliasTable = tuple[tuple[int, re.Pattern[str], str], ...]


def _alias_table(rows: list[tuple[str, str]]) -> _AliasTable:
    table = {}
    for alias, key in rows:
        phrase = " ".join(_tokens(normalize_text(alias)))
        if phrase:
            table[(phrase, key)] = (len(phrase), _phrase_pattern(phrase), key)
    return tuple(table.values())


def _best_alias(text: str, table: _AliasTable) -> str | Invalid | None:
    """The key whose alias is the longest match in `text`; ambiguous on a tie."""
    joined = " ".join(_tokens(normalize_text(text)))
    best_length = 0
    best_keys: set[str] = set()
    for length, pattern, key in table:
        if length < best_length or not pattern.search(joined):
            continue
        if length > best_length:
            best_length, best_keys = length, set()
        best_keys.add(key)
    if not best_keys:
        return None
    if len(best_keys) > 1:
        return Invalid("ambiguous")
    return next(iter(best_keys))


# --- choices -----------------------------------------------------------------

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


# --- yes / no ------------------------------------------------------------------

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
    "hagale",
    "yes",
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
)
# Consumed without a verdict, so "no sé" is not read as "no".
_NEUTRAL_PHRASES = ("no se", "no entiendo", "no estoy seguro", "no estoy segura")
_YES_EMOJI = ("👍", "👌", "✅", "✔")
_NO_EMOJI = ("👎", "❌", "🚫")


def _squeeze(word: str) -> str:
    # "siii", "noooo", "claroo" are the same word; doubled letters add nothing here.
    return re.sub(r"(.)\1+", r"\1", word)


@cache
def _yes_no_table() -> tuple[tuple[tuple[str, ...], bool | None], ...]:
    entries = [(phrase, True) for phrase in _YES_PHRASES]
    entries += [(phrase, False) for phrase in _NO_PHRASES]
    entries += [(phrase, None) for phrase in _NEUTRAL_PHRASES]
    table = [(tuple(_squeeze(w) for w in phrase.split()), verdict) for phrase, verdict in entries]
    # Longest first so "no acepto" wins over "no" and over "acepto".
    return tuple(sorted(table, key=lambda item: -len(item[0])))


def parse_yes_no(text: str) -> bool | None:
    """True for sí/claro/dale/acepto/1, False for no/negativo/no acepto/2, None if unclear."""
    for emoji in _YES_EMOJI:
        text = text.replace(emoji, " si ")
    for emoji in _NO_EMOJI:
        text = text.replace(emoji, " no ")
    words = [_squeeze(word) for word in _tokens(normalize_text(text))]
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


# --- names ---------------------------------------------------------------------

_NAME_PREFIX_RE = re.compile(
    r"^\s*(?:(?:hola|buen[oa]s(?:\s+(?:d[ií]as|tardes|noches))?)\b[\s,.!¡]*)?"
    r"(?:(?:(?:mi\s+nombre(?:\s+completo)?\s+es|(?:yo\s+)?me\s+llamo|(?:yo\s+)?soy)\b"
    r"|(?:mi\s+)?nombre(?:\s+completo)?\s*:)[\s:,\-]*)?",
    re.IGNORECASE,
)
_NAME_SUFFIX_RE = re.compile(
    r"[\s,.!]*(?:muchas\s+gracias|gracias|mucho\s+gusto)?[\s.!]*$", re.IGNORECASE
)
# Letters (any script, accents and ñ included) joined by apostrophes or hyphens.
_NAME_WORD_RE = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
_NAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y"})
# Words that show the reply is a sentence, not a name (compared without accents).
_NOT_NAME_WORDS = frozenset(
    {
        "hola",
        "gracias",
        "no",
        "si",
        "quiero",
        "necesito",
        "tengo",
        "queja",
        "reclamo",
        "peticion",
        "sugerencia",
        "favor",
        "buenas",
        "buenos",
        "dias",
        "tardes",
        "noches",
        "nombre",
        "ninguno",
        "prefiero",
        "decir",
        "ayuda",
    }
)
_NAME_MIN_CHARS = 5
_NAME_MAX_CHARS = 120
# Long Colombian names have about four given names and surnames; six leaves room.
_NAME_MAX_WORDS = 6


def _capitalize_name_word(word: str) -> str:
    # "o'neill" -> "O'Neill", "pérez-gómez" -> "Pérez-Gómez".
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:], word)


def parse_full_name(text: str) -> str | Invalid:
    """A full name, title-cased with lowercase particles ("María de los Ángeles López")."""
    cleaned = unicodedata.normalize("NFC", text).replace("’", "'").replace("´", "'")
    cleaned = _NAME_PREFIX_RE.sub("", cleaned, count=1)
    cleaned = _NAME_SUFFIX_RE.sub("", cleaned, count=1)
    cleaned = " ".join(cleaned.split()).strip(" .,;:!¡?¿'\"-")
    if not cleaned:
        return Invalid("empty")
    if any(ch.isdigit() for ch in cleaned) or "@" in cleaned:
        return Invalid("not_a_name")
    words = cleaned.lower().split(" ")
    if not all(_NAME_WORD_RE.fullmatch(word) for word in words):
        return Invalid("not_a_name")
    if any(normalize_text(word) in _NOT_NAME_WORDS for word in words):
        return Invalid("not_a_name")
    core = [word for word in words if word not in _NAME_PARTICLES]
    if len(core) > _NAME_MAX_WORDS:
        return Invalid("not_a_name")
    if len(core) < 2 or any(sum(ch.isalpha() for ch in word) < 2 for word in core):
        return Invalid("too_short")
    if len(cleaned) < _NAME_MIN_CHARS:
        return Invalid("too_short")
    if len(cleaned) > _NAME_MAX_CHARS:
        return Invalid("too_long")
    return " ".join(
        word if index > 0 and word in _NAME_PARTICLES else _capitalize_name_word(word)
        for index, word in enumerate(words)
    )


# --- configuration loading -----------------------------------------------------


def _require(raw: dict[str, Any], field: str, where: str) -> Any:
    value = raw.get(field)
    if value is None or value == "":
        raise ValueError(f"{where}: missing {field!r}")
    return value


def _menu(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: 'menu' must be a positive integer")
    return value


def _check_menus(menus: list[int], path: Path) -> None:
    if sorted(menus) != list(range(1, len(menus) + 1)):
        raise ValueError(f"{path}: menu positions must be 1..{len(menus)} without gaps")


def _parse_document_type(raw: dict[str, Any]) -> DocumentType:
    code = str(_require(raw, "code", f"document type {raw!r}")).strip().upper()
    where = f"document type {code!r}"
    charset = str(raw.get("charset") or "digits")
    if charset not in ("digits", "alphanumeric"):
        raise ValueError(f"{where}: unknown charset {charset!r}")
    min_length = int(_require(raw, "min_length", where))
    max_length = int(_require(raw, "max_length", where))
    if not 1 <= min_length <= max_length:
        raise ValueError(f"{where}: min_length must be between 1 and max_length")
    return DocumentType(
        code=code,
        name=str(_require(raw, "name", where)),
        menu=_menu(raw.get("menu"), where),
        aliases=tuple(str(alias) for alias in raw.get("aliases") or ()),
        hint=" ".join(str(_require(raw, "hint", where)).split()),
        charset=charset,
        min_length=min_length,
        max_length=max_length,
        require_digit=bool(raw.get("require_digit", False)),
    )


@cache
def _load_document_types_cached(path: Path) -> tuple[DocumentType, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    types = tuple(_parse_document_type(raw) for raw in data.get("document_types") or ())
    codes = [doc.code for doc in types]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{path}: duplicate document type code")
    _check_menus([doc.menu for doc in types], path)
    return tuple(sorted(types, key=lambda doc: doc.menu))


def load_document_types(path: Path | None = None) -> list[DocumentType]:
    """Document types from config/documents.yml (or `path`), in menu order, parsed once."""
    return list(_load_document_types_cached(Path(path or DEFAULT_DOCUMENTS_PATH).resolve()))


def document_types() -> list[DocumentType]:
    """The configured document types in menu order."""
    return load_document_types()


def _parse_service(raw: dict[str, Any]) -> Service:
    key = str(_require(raw, "key", f"service {raw!r}")).strip()
    where = f"service {key!r}"
    return Service(
        key=key,
        label=str(_require(raw, "label", where)),
        menu=_menu(raw.get("menu"), where),
        aliases=tuple(str(alias) for alias in raw.get("aliases") or ()),
    )


@cache
def _load_services_cached(path: Path) -> tuple[Service, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = tuple(_parse_service(raw) for raw in data.get("services") or ())
    keys = [service.key for service in items]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{path}: duplicate service key")
    _check_menus([service.menu for service in items], path)
    return tuple(sorted(items, key=lambda service: service.menu))


def load_services(path: Path | None = None) -> list[Service]:
    """Services from config/services.yml (or `path`), in menu order, parsed once."""
    return list(_load_services_cached(Path(path or DEFAULT_SERVICES_PATH).resolve()))


def services() -> list[Service]:
    """The configured services in menu order."""
    return load_services()


@cache
def _document_alias_table() -> _AliasTable:
    return _alias_table(
        [
            (alias, doc.code)
            for doc in document_types()
            for alias in (doc.code, doc.name, *doc.aliases)
        ]
    )


@cache
def _service_alias_table() -> _AliasTable:
    return _alias_table(
        [
            (alias, service.key)
            for service in services()
            for alias in (service.key.replace("_", " "), service.label, *service.aliases)
        ]
    )


# --- documents -------------------------------------------------------------------


def parse_document_type(text: str) -> str | Invalid:
    """The document code for a menu number ("1", "la 2"), a code ("C.C.") or an alias."""
    number = _choice_number(text)
    if number is not None:
        for doc in document_types():
            if doc.menu == number:
                return doc.code
        return Invalid("out_of_range")
    found = _best_alias(text, _document_alias_table())
    return Invalid("unknown_type") if found is None else found


# Thousands separators and spacing people put inside a number: "1.094.887.654".
_DIGIT_SEPARATORS_RE = re.compile(r"(?<=\d)[\s.,'\-]+(?=\d)")
# A passport may carry dots or dashes between its characters: "AB-123456".
_ALNUM_SEPARATORS_RE = re.compile(r"(?<=[a-z0-9])[.\-](?=[a-z0-9])")
# The code glued to the number: "cc1094887654".
_GLUED_CODE_RE = re.compile(r"\b(cc|ce|ti|ppt)(?=\d)")
# Words before a passport number that are not part of it: "mi pasaporte es AB123456".
_PASSPORT_FILLER = frozenset(
    {
        "mi",
        "su",
        "el",
        "la",
        "es",
        "de",
        "del",
        "numero",
        "num",
        "nro",
        "no",
        "n",
        "documento",
        "doc",
        "pasaporte",
        "passport",
        "pa",
        "seria",
        "tengo",
        "con",
        "este",
        "aqui",
        "identificacion",
        "id",
    }
)


def _document_by_code(code: str) -> DocumentType | None:
    wanted = code.strip().upper()
    return next((doc for doc in document_types() if doc.code == wanted), None)


def _number_tokens(text: str) -> list[str]:
    prepared = _DIGIT_SEPARATORS_RE.sub("", normalize_text(text))
    prepared = _ALNUM_SEPARATORS_RE.sub("", prepared)
    return _tokens(_GLUED_CODE_RE.sub(r"\1 ", prepared))


def _passport_candidate(tokens: list[str]) -> str | Invalid:
    with_digits = [index for index, token in enumerate(tokens) if any(c.isdigit() for c in token)]
    if not with_digits:
        words = [token for token in tokens if token not in _PASSPORT_FILLER]
        # A lone word like "ABCDEF" is a passport typed without its digits.
        return Invalid("needs_digit") if len(words) == 1 else Invalid("missing")
    if len(with_digits) > 1:
        return Invalid("multiple")
    index = with_digits[0]
    candidate = tokens[index]
    previous = tokens[index - 1] if index > 0 else ""
    # "AB 123456": a short letter prefix typed apart from the digits.
    if previous.isalpha() and len(previous) <= 3 and previous not in _PASSPORT_FILLER:
        candidate = previous + candidate
    return candidate


def parse_document_number(text: str, doc_type: str) -> str | Invalid:
    """The document number without dots, spaces or dashes, validated for `doc_type`."""
    doc = _document_by_code(doc_type)
    if doc is None:
        return Invalid("unknown_type")
    tokens = _number_tokens(text)
    if doc.charset == "alphanumeric":
        candidate = _passport_candidate(tokens)
        if isinstance(candidate, Invalid):
            return candidate
        candidate = candidate.upper()
    else:
        with_digits = [token for token in tokens if any(c.isdigit() for c in token)]
        if not with_digits:
            return Invalid("missing")
        if len(with_digits) > 1:
            return Invalid("multiple")
        candidate = with_digits[0]
        if not candidate.isdigit():
            return Invalid("digits_only")
    if not doc.min_length <= len(candidate) <= doc.max_length:
        return Invalid("length")
    if doc.require_digit and not any(c.isdigit() for c in candidate):
        return Invalid("needs_digit")
    return candidate


# A number alone, before its type is known, is kept if it could be any document.
_LOOSE_NUMBER_RE = re.compile(r"\d{5,12}")


def parse_document(text: str) -> tuple[str | None, str | None]:
    """("CC", "1094887654") from "cc 1094887654"; (None, number) or (code, None) when partial."""
    found = _best_alias(re.sub(r"\d", " ", text), _document_alias_table())
    code = found if isinstance(found, str) else None
    if code is not None:
        number = parse_document_number(text, code)
        return code, number if isinstance(number, str) else None
    numbers = [token for token in _number_tokens(text) if any(c.isdigit() for c in token)]
    if len(numbers) == 1 and _LOOSE_NUMBER_RE.fullmatch(numbers[0]):
        return None, numbers[0]
    return None, None


def mask_document(number: str) -> str:
    """The tail of a document number for messages: "1094887654" -> "terminada en 7654"."""
    # Shows at most four characters and always hides at least four (or all but one).
    compact = re.sub(r"[^0-9A-Za-z]", "", number).upper()
    if not compact:
        return ""
    visible = min(4, max(len(compact) - 4, 1))
    return f"terminada en {compact[-visible:]}"


# --- phones ------------------------------------------------------------------------

_SAME_NUMBER_PHRASES = (
    "mismo",
    "misma",
    "este numero",
    "este celular",
    "este telefono",
    "este whatsapp",
    "este chat",
    "el de whatsapp",
    "whatsapp",
    "wasap",
    "wpp",
    "wsp",
    "este de aqui",
    "el de aqui",
    "al que escribo",
    "desde el que escribo",
    "desde el que le escribo",
    "desde el que les escribo",
)
_PHONE_CANDIDATE_RE = re.compile(r"\+?\(?\d(?:[\d\s().\-]*\d)?")
_ACCEPTED_PHONE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _wa_number_e164(wa_number: str) -> str | Invalid:
    raw = wa_number.strip()
    if raw.lower().startswith("whatsapp:"):
        raw = raw[len("whatsapp:") :]
    raw = raw.strip()
    if not raw.startswith("+"):
        # Twilio and WhatsApp ids carry the country code without the plus.
        raw = "+" + raw
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return Invalid("invalid")
    return _e164(parsed) if phonenumbers.is_valid_number(parsed) else Invalid("invalid")


_SAME_NUMBER_PATTERNS = tuple(_phrase_pattern(phrase) for phrase in _SAME_NUMBER_PHRASES)


# "no es el mismo", "es otro": the person is about to give a different number.
_OTHER_NUMBER_WORDS = frozenset({"no", "otro", "otra", "diferente", "distinto"})


def _means_same_number(normalized: str) -> bool:
    if normalized in ("este", "ese"):
        return True
    words = _tokens(normalized)
    if _OTHER_NUMBER_WORDS.intersection(words):
        return False
    joined = " ".join(words)
    return any(pattern.search(joined) for pattern in _SAME_NUMBER_PATTERNS)


def parse_phone(text: str, wa_number: str | None = None) -> str | Invalid:
    """A Colombian mobile or landline number in E.164, or the WhatsApp number for "este mismo"."""
    candidates = _PHONE_CANDIDATE_RE.findall(text)
    if not candidates:
        if _means_same_number(normalize_text(text)):
            return Invalid("no_wa_number") if wa_number is None else _wa_number_e164(wa_number)
        return Invalid("missing")
    # The first candidate long enough to be a phone; a stray "1" or "2" before it is noise.
    candidate = next(
        (c for c in candidates if sum(ch.isdigit() for ch in c) >= 7),
        candidates[0],
    )
    try:
        parsed = phonenumbers.parse(candidate, "CO")
    except phonenumbers.NumberParseException:
        return Invalid("invalid")
    if not phonenumbers.is_valid_number(parsed):
        return Invalid("invalid")
    if phonenumbers.region_code_for_number(parsed) != "CO":
        return Invalid("not_colombian")
    if phonenumbers.number_type(parsed) not in _ACCEPTED_PHONE_TYPES:
        # Toll-free and premium lines cannot reach a person.
        return Invalid("not_mobile")
    return _e164(parsed)


# --- e-mail --------------------------------------------------------------------------

_NO_EMAIL_FIRST_WORDS = frozenset(
    {"no", "nop", "ninguno", "ninguna", "sin", "nada", "tampoco", "negativo"}
)
_NO_EMAIL_ANSWERS = frozenset({"n/a", "na", "no aplica"})
_EMAIL_CANDIDATE_RE = re.compile(r"[^\s<>()\[\],;:\"'¿?¡!]*@[^\s<>()\[\],;:\"'¿?¡!]*")
# Misspelt big providers: the address would be valid but nobody would read it.
TYPO_DOMAINS = frozenset(
    {
        "gmial.com",
        "gmal.com",
        "gmai.com",
        "gamil.com",
        "gmail.con",
        "gmail.cm",
        "gmail.om",
        "gmail.co",
        "gmail.com.co",
        "hotmial.com",
        "hotmal.com",
        "hotmail.con",
        "hotmail.cm",
        "hotmail.om",
        "hotmai.com",
        "outlok.com",
        "outlook.con",
        "yahoo.con",
        "yaho.com",
        "yahooo.com",
    }
)


def parse_email(text: str) -> str | None | Invalid:
    """The normalized e-mail in `text`; None when the person has none ("no tengo")."""
    if "@" not in text:
        normalized = normalize_text(text)
        words = normalized.split()
        if normalized in _NO_EMAIL_ANSWERS or (words and words[0] in _NO_EMAIL_FIRST_WORDS):
            return None
        return Invalid("invalid")
    match = _EMAIL_CANDIDATE_RE.search(text.replace("mailto:", " "))
    if match is None:
        return Invalid("invalid")
    candidate = match.group(0).strip(".")
    try:
        validated = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        return Invalid("invalid")
    if validated.domain.lower() in TYPO_DOMAINS:
        return Invalid("typo_domain")
    return validated.normalized


# --- services ------------------------------------------------------------------------


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


# --- radicados -------------------------------------------------------------------------

# The canonical form stored and shown: PQRS-<year>-<six-digit sequence>.
RADICADO_RE = re.compile(r"^PQRS-(20\d{2})-(\d{6})$")
_RADICADO_PATTERNS = (
    # (pattern, group of the year, group of the sequence); tried in order.
    (re.compile(r"\bpqrs\s*[-_/#.:]?\s*(20\d{2})\s*[-_/#.:]?\s*(\d{1,6})(?!\d)"), 1, 2),
    (re.compile(r"(?<!\d)(20\d{2})(?:\s*[-_/.]\s*|\s+)(\d{1,6})(?!\d)"), 1, 2),
    (
        re.compile(
            r"(?<!\d)(\d{1,6})(?:\s*[-/]\s*|\s+(?:del?\s+)?(?:(?:del\s+)?ano\s+)?)(20\d{2})(?!\d)"
        ),
        2,
        1,
    ),
    (re.compile(r"(?<!\d)(20\d{2})(\d{6})(?!\d)"), 1, 2),
)
# Words around a bare sequence number: "radicado 123", "mi número es el 123".
_RADICADO_FILLER = frozenset(
    {
        "radicado",
        "radicacion",
        "numero",
        "num",
        "nro",
        "no",
        "n",
        "mi",
        "el",
        "es",
        "la",
        "de",
        "del",
        "pqrs",
        "caso",
        "solicitud",
        "codigo",
        "seria",
    }
)


def _format_radicado(year: int, sequence: int) -> str | None:
    """The canonical radicado, or None for a year or sequence no radicado can have."""
    if not 2000 <= year <= 2099 or not 1 <= sequence <= 999_999:
        return None
    return format_radicado(year, sequence)


def parse_radicado(text: str, default_year: int | None = None) -> str | None:
    """The canonical radicado ("PQRS-2026-000123") in "pqrs 2026 123", "123/2026"...; or None."""
    normalized = normalize_text(text)
    for pattern, year_group, sequence_group in _RADICADO_PATTERNS:
        match = pattern.search(normalized)
        if match:
            return _format_radicado(int(match.group(year_group)), int(match.group(sequence_group)))
    if default_year is None:
        return None
    words = [word for word in _tokens(normalized) if word not in _RADICADO_FILLER]
    if len(words) == 1 and re.fullmatch(r"\d{1,6}", words[0]):
        return _format_radicado(default_year, int(words[0]))
    return None


# --- preferential attention --------------------------------------------------------------

_PREFERENTIAL_RE = re.compile(
    r"\b(soy|somos)\s+(un\s+|una\s+)?(adult[oa]s?\s+mayor(es)?|de\s+la\s+tercera\s+edad"
    r"|persona\s+con\s+discapacidad|discapacitad[oa]|pensionad[oa]\s+mayor)"
    r"|\bestoy\s+embarazada\b|\bembarazada\b"
    r"|\btengo\s+(una\s+)?discapacidad\b|\bsilla\s+de\s+ruedas\b"
    r"|\btengo\s+([6-9]\d|1\d\d)\s+anos\b"
    r"|\b(mi|con mi)\s+(hij[oa]|bebe|nin[oa])\b"
)


def claims_preferential(text: str) -> bool:
    """Whether the person says they (or the child with them) are entitled to preferential
    attention: older adults, pregnant women, people with disabilities, children."""
    return bool(_PREFERENTIAL_RE.search(normalize_text(text)))
