"""Parsing of what people type on WhatsApp: names, documents, phones, e-mails, choices."""

import subprocess
import sys
from pathlib import Path

import pytest

from mara.policy.catalogs import (
    DocumentType,
    Service,
    document_types,
    load_document_types,
    load_services,
    services,
)
from mara.text.choices import parse_choice, parse_service, parse_yes_no
from mara.text.documents import (
    mask_document,
    parse_document,
    parse_document_number,
    parse_document_type,
)
from mara.text.emails import parse_email
from mara.text.names import parse_full_name
from mara.text.normalize import Invalid, normalize_text
from mara.text.phones import parse_phone
from mara.text.radicado import parse_radicado

WA = "whatsapp:+573001234567"

# --- module hygiene ------------------------------------------------------------


def test_import_pulls_no_adapter_and_reads_no_config():
    code = (
        "import sys\n"
        "import mara.text.choices, mara.text.documents, mara.text.names, mara.text.phones\n"
        "import mara.text.emails, mara.text.radicado\n"
        "import mara.policy.catalogs as v\n"
        "print(sorted(m for m in ('flask', 'rasa_sdk', 'rq', 'twilio', 'sqlalchemy')"
        " if m in sys.modules))\n"
        "print(v._load_document_types_cached.cache_info().currsize,"
        " v._load_services_cached.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "0 0"]


def test_invalid_is_a_frozen_value():
    assert Invalid("length") == Invalid("length")
    with pytest.raises(AttributeError):
        Invalid("length").reason = "other"  # type: ignore[misc]


# --- normalize_text --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hola   MUNDO  ", "hola mundo"),
        ("Cédula de Extranjería", "cedula de extranjeria"),
        ("¡Sí!", "si"),
        ("¿Opción 3?", "opcion 3"),
        ("Ñoño", "nono"),
        ("línea\n\tdos", "linea dos"),
        ("3️⃣", "3"),
        ("👍", ""),
        ("c.c.", "c.c"),
        ("", ""),
    ],
)
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


# --- parse_full_name ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maría DE los ángeles lópez", "María de los Ángeles López"),
        ("JUAN CARLOS RODRÍGUEZ GÓMEZ", "Juan Carlos Rodríguez Gómez"),
        ("juan pérez", "Juan Pérez"),
        ("Me llamo Juan Pérez", "Juan Pérez"),
        ("mi nombre es Ana Lucía Ospina", "Ana Lucía Ospina"),
        ("Mi nombre completo es Ana Ospina", "Ana Ospina"),
        ("soy Carlos Andrés Mejía", "Carlos Andrés Mejía"),
        ("Nombre: Luz Ángela Ñañez", "Luz Ángela Ñañez"),
        ("Hola, soy ana o'neill-díaz", "Ana O'Neill-Díaz"),
        ("Buenos días, me llamo Ana María Ríos, gracias", "Ana María Ríos"),
        ("pedro de la cruz", "Pedro de la Cruz"),
        ("Andrés y Camila Torres", "Andrés y Camila Torres"),
        ("maria lopez.", "Maria Lopez"),
        ("  sofía    gutiérrez  ", "Sofía Gutiérrez"),
        ("Juan D’Alessandro", "Juan D'Alessandro"),
        ("Soyla Gómez Ruiz", "Soyla Gómez Ruiz"),  # "soy" only as a whole word
        ("De La Torre Juan", "De la Torre Juan"),
    ],
)
def test_parse_full_name_accepts(text, expected):
    assert parse_full_name(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("me llamo", "empty"),
        ("Juan", "too_short"),
        ("me llamo Juan", "too_short"),
        ("Juan P López", "too_short"),
        ("J López", "too_short"),
        ("de la", "too_short"),
        ("Juan 2 López", "not_a_name"),
        ("Juan123 López", "not_a_name"),
        ("1094887654", "not_a_name"),
        ("maria@gmail.com", "not_a_name"),
        ("María López @maria", "not_a_name"),
        ("Juan P. López", "not_a_name"),
        ("López, María", "not_a_name"),
        ("no quiero decir", "not_a_name"),
        ("hola buenas tardes", "not_a_name"),
        ("tengo una queja", "not_a_name"),
        ("María 😀 López", "not_a_name"),
        ("uno dos tres cuatro cinco seis siete", "not_a_name"),
        ("Ab" + " Cdefghijklmn" * 10, "not_a_name"),
    ],
)
def test_parse_full_name_rejects(text, reason):
    assert parse_full_name(text) == Invalid(reason)


def test_parse_full_name_length_limits():
    assert parse_full_name("Al Li") == "Al Li"
    long_name = "Maximiliano " + "Bartolomeoooooooooooooooooooooooooooooooooooooooo " * 3
    assert len(long_name.strip()) > 120
    assert parse_full_name(long_name) == Invalid("too_long")


# --- document types ------------------------------------------------------------------


def test_document_types_from_config():
    types = document_types()
    assert [(doc.code, doc.menu) for doc in types] == [
        ("CC", 1),
        ("CE", 2),
        ("TI", 3),
        ("PA", 4),
        ("PPT", 5),
    ]
    assert all(isinstance(doc, DocumentType) and doc.hint and doc.name for doc in types)
    cc = types[0]
    assert cc.name == "Cédula de ciudadanía"
    assert (cc.charset, cc.min_length, cc.max_length) == ("digits", 6, 10)
    assert "sin puntos" in cc.hint
    pa = types[3]
    assert (pa.charset, pa.min_length, pa.max_length, pa.require_digit) == (
        "alphanumeric",
        5,
        12,
        True,
    )
    assert "\n" not in pa.hint


def test_document_types_returns_a_fresh_list():
    document_types().clear()
    assert len(document_types()) == 5


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1", "CC"),
        ("la 1", "CC"),
        ("opcion 2", "CE"),
        ("Opción 3", "TI"),
        ("4", "PA"),
        ("5️⃣", "PPT"),
        ("uno", "CC"),
        ("cc", "CC"),
        ("CC", "CC"),
        ("C.C.", "CC"),
        ("c. c.", "CC"),
        ("ce", "CE"),
        ("C.E", "CE"),
        ("ti", "TI"),
        ("T.I.", "TI"),
        ("pa", "PA"),
        ("ppt", "PPT"),
        ("P.P.T.", "PPT"),
        ("cedula", "CC"),
        ("Cédula", "CC"),
        ("cédula de ciudadanía", "CC"),
        ("mi cedula", "CC"),
        ("cedula de extranjeria", "CE"),
        ("Cédula de Extranjería", "CE"),
        ("cedula extranjera", "CE"),
        ("soy extranjero", "CE"),
        ("tarjeta de identidad", "TI"),
        ("tarjeta", "TI"),
        ("pasaporte", "PA"),
        ("Pasaporte!", "PA"),
        ("permiso de proteccion temporal", "PPT"),
        ("Permiso por Protección Temporal", "PPT"),
        ("tengo ppt", "PPT"),
    ],
)
def test_parse_document_type(text, code):
    assert parse_document_type(text) == code


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hola", "unknown_type"),
        ("", "unknown_type"),
        ("licencia de conducción", "unknown_type"),
        ("1094887654", "unknown_type"),
        ("6", "out_of_range"),
        ("la 9", "out_of_range"),
        ("cc o ce", "ambiguous"),
    ],
)
def test_parse_document_type_rejects(text, reason):
    assert parse_document_type(text) == Invalid(reason)


# --- document numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "doc_type", "expected"),
    [
        ("1094887654", "CC", "1094887654"),
        ("1.094.887.654", "CC", "1094887654"),
        ("1 094 887 654", "CC", "1094887654"),
        ("1094-887-654", "CC", "1094887654"),
        ("1,094,887,654", "CC", "1094887654"),
        ("mi cedula es 1.094.887.654", "CC", "1094887654"),
        ("Mi cédula es el 41.923.456", "CC", "41923456"),
        ("cc 1094887654", "CC", "1094887654"),
        ("CC1094887654", "CC", "1094887654"),
        ("C.C. 1094887654", "CC", "1094887654"),
        ("CC-1094887654", "CC", "1094887654"),
        ("123456", "CC", "123456"),
        ("1094887654.", "cc", "1094887654"),
        ("cedula de extranjeria 1234567", "CE", "1234567"),
        ("1234567890", "TI", "1234567890"),
        ("12345678901", "TI", "12345678901"),
        ("ppt 1234567", "PPT", "1234567"),
        ("AB123456", "PA", "AB123456"),
        ("ab123456", "PA", "AB123456"),
        ("mi pasaporte es ab123456", "PA", "AB123456"),
        ("AB 123456", "PA", "AB123456"),
        ("AB-123.456", "PA", "AB123456"),
        ("123456789", "PA", "123456789"),
        ("pasaporte número X1234", "PA", "X1234"),
    ],
)
def test_parse_document_number_accepts(text, doc_type, expected):
    assert parse_document_number(text, doc_type) == expected


@pytest.mark.parametrize(
    ("text", "doc_type", "reason"),
    [
        ("123", "CC", "length"),
        ("12345", "CC", "length"),
        ("12345678901", "CC", "length"),
        ("10948a7654", "CC", "digits_only"),
        ("109488765A", "CC", "digits_only"),
        ("no me la sé", "CC", "missing"),
        ("", "CC", "missing"),
        ("1094887654 y 1094887655", "CC", "multiple"),
        ("123456789", "TI", "length"),
        ("123456789012", "TI", "length"),
        ("12345678901", "CE", "length"),
        ("A123", "PA", "length"),
        ("AB1234567890123", "PA", "length"),
        ("ABCDEF", "PA", "needs_digit"),
        ("pasaporte", "PA", "missing"),
        ("1094887654", "XX", "unknown_type"),
        ("1094887654", "", "unknown_type"),
    ],
)
def test_parse_document_number_rejects(text, doc_type, reason):
    assert parse_document_number(text, doc_type) == Invalid(reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cc 1094887654", ("CC", "1094887654")),
        ("CC1094887654", ("CC", "1094887654")),
        ("C.C. 1.094.887.654", ("CC", "1094887654")),
        ("cédula de extranjería 1234567", ("CE", "1234567")),
        ("tarjeta de identidad 1234567890", ("TI", "1234567890")),
        ("pasaporte AB123456", ("PA", "AB123456")),
        ("1094887654", (None, "1094887654")),
        ("1.094.887.654", (None, "1094887654")),
        ("cédula", ("CC", None)),
        ("cc 123", ("CC", None)),
        ("hola", (None, None)),
        ("123", (None, None)),
        ("", (None, None)),
        ("1094887654 1094887655", (None, None)),
    ],
)
def test_parse_document(text, expected):
    assert parse_document(text) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("1094887654", "terminada en 7654"),
        ("1.094.887.654", "terminada en 7654"),
        ("41923456", "terminada en 3456"),
        ("ab1234567", "terminada en 4567"),
        ("1234567", "terminada en 567"),
        ("12345", "terminada en 5"),
        ("", ""),
    ],
)
def test_mask_document(number, expected):
    assert mask_document(number) == expected


# --- phones ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3001234567", "+573001234567"),
        ("300 123 4567", "+573001234567"),
        ("300-123-4567", "+573001234567"),
        ("300.123.4567", "+573001234567"),
        ("(300) 123 4567", "+573001234567"),
        ("+57 300 123 4567", "+573001234567"),
        ("+573001234567", "+573001234567"),
        ("57 3001234567", "+573001234567"),
        ("+57 (300) 123-4567", "+573001234567"),
        ("mi celular es 310 765 4321, gracias", "+573107654321"),
        ("3241234567", "+573241234567"),
        ("606 741 2345", "+576067412345"),
        ("(606) 7412345", "+576067412345"),
        ("+57 601 7000000", "+576017000000"),
    ],
)
def test_parse_phone_accepts_colombian_numbers(text, expected):
    assert parse_phone(text) == expected
    assert parse_phone(text, WA) == expected  # a typed number wins over the WhatsApp one


@pytest.mark.parametrize(
    "text", ["este mismo", "el mismo", "Este número", "el de WhatsApp", "este", "el mismo de aquí"]
)
@pytest.mark.parametrize("wa_number", [WA, "573001234567", "+573001234567"])
def test_parse_phone_same_whatsapp_number(text, wa_number):
    assert parse_phone(text, wa_number) == "+573001234567"


def test_parse_phone_same_number_keeps_a_foreign_whatsapp_number():
    assert parse_phone("el mismo", "whatsapp:+16502530000") == "+16502530000"


@pytest.mark.parametrize(
    ("text", "wa_number", "reason"),
    [
        ("este mismo", None, "no_wa_number"),
        ("este mismo", "whatsapp:+57123", "invalid"),
        ("1", WA, "invalid"),
        ("300 123", WA, "invalid"),
        ("4001234567", None, "invalid"),
        ("7412345", None, "invalid"),
        ("30012345678", None, "invalid"),
        ("+1 650 253 0000", None, "not_colombian"),
        ("+1 (650) 253-0000", WA, "not_colombian"),
        ("01 8000 912345", None, "not_mobile"),
        ("no tengo", WA, "missing"),
        ("no es el mismo", WA, "missing"),
        ("es otro", WA, "missing"),
        ("", WA, "missing"),
    ],
)
def test_parse_phone_rejects(text, wa_number, reason):
    assert parse_phone(text, wa_number) == Invalid(reason)


# --- e-mail ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "no tengo",
        "No",
        "no.",
        "NO TENGO CORREO",
        "ninguno",
        "Ninguna",
        "sin correo",
        "no uso",
        "no manejo correo",
        "nop",
        "N/A",
        "no aplica",
    ],
)
def test_parse_email_none(text):
    assert parse_email(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maria.lopez@gmail.com", "maria.lopez@gmail.com"),
        ("mi correo es Maria.Lopez@Gmail.com", "Maria.Lopez@gmail.com"),
        ("correo: ana.r@comfenalcoquindio.com, gracias", "ana.r@comfenalcoquindio.com"),
        ("<ana@une.net.co>.", "ana@une.net.co"),
        ("  pedro_99@hotmail.com  ", "pedro_99@hotmail.com"),
        ("es juan+pqrs@yahoo.es!", "juan+pqrs@yahoo.es"),
        ("mailto:ana@outlook.com", "ana@outlook.com"),
        ("no, es ana@gmail.com", "ana@gmail.com"),
    ],
)
def test_parse_email_accepts(text, expected):
    assert parse_email(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("maria@", "invalid"),
        ("@gmail.com", "invalid"),
        ("maria@gmail", "invalid"),
        ("maria gmail.com", "invalid"),
        ("maria@@gmail.com", "invalid"),
        ("maria@gmail..com", "invalid"),
        ("si", "invalid"),
        ("", "invalid"),
        ("maria@gmial.com", "typo_domain"),
        ("maria@hotmial.com", "typo_domain"),
        ("maria@gmail.con", "typo_domain"),
        ("maria@hotmail.con", "typo_domain"),
        ("maria@yahoo.con", "typo_domain"),
        ("Maria@GMAIL.CON", "typo_domain"),
    ],
)
def test_parse_email_rejects(text, reason):
    assert parse_email(text) == Invalid(reason)


# --- services ------------------------------------------------------------------------


def test_services_from_config():
    items = services()
    assert all(isinstance(item, Service) for item in items)
    assert [(item.menu, item.key) for item in items] == [
        (1, "afiliacion_aportes"),
        (2, "subsidio_cuota"),
        (3, "recreacion_deportes"),
        (4, "turismo_hoteles"),
        (5, "educacion"),
        (6, "credito"),
        (7, "vivienda"),
        (8, "salud_droguerias"),
        (9, "capacitacion"),
        (10, "subsidio_desempleo"),
        (11, "otro"),
    ]
    assert items[1].label == "Subsidio / cuota monetaria"
    assert items[7].label == "Salud y droguerías"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("1", "afiliacion_aportes"),
        ("la 2", "subsidio_cuota"),
        ("opción 10", "subsidio_desempleo"),
        ("🔟", "subsidio_desempleo"),
        ("11", "otro"),
        ("once", "otro"),
        ("Afiliación y aportes", "afiliacion_aportes"),
        ("Subsidio / cuota monetaria", "subsidio_cuota"),
        ("turismo y hoteles", "turismo_hoteles"),
        ("piscina", "recreacion_deportes"),
        ("las piscinas", "recreacion_deportes"),
        ("cuota monetaria", "subsidio_cuota"),
        ("no me ha llegado la cuota", "subsidio_cuota"),
        ("subsidio", "subsidio_cuota"),
        ("hotel", "turismo_hoteles"),
        ("Hoteles", "turismo_hoteles"),
        ("una reserva en el centro vacacional", "turismo_hoteles"),
        ("colegio", "educacion"),
        ("Crédito", "credito"),
        ("un préstamo por libranza", "credito"),
        ("subsidio de vivienda", "vivienda"),
        ("droguería", "salud_droguerias"),
        ("medicamentos", "salud_droguerias"),
        ("un curso", "capacitacion"),
        ("subsidio de desempleo", "subsidio_desempleo"),
        ("estoy desempleado", "subsidio_desempleo"),
        ("otro", "otro"),
        ("ninguna de las anteriores", "otro"),
        ("aportes de mi empleador", "afiliacion_aportes"),
    ],
)
def test_parse_service(text, key):
    assert parse_service(text) == key


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("asdf", "no_choice"),
        ("", "no_choice"),
        ("quiero hablar con alguien", "no_choice"),
        ("12", "out_of_range"),
        ("0", "out_of_range"),
        ("la 15", "out_of_range"),
    ],
)
def test_parse_service_rejects(text, reason):
    assert parse_service(text) == Invalid(reason)


# --- yes / no ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "si",
        "Sí",
        "SI",
        "sii",
        "SIIII!",
        "sí señora",
        "claro",
        "Claro que sí",
        "dale",
        "de una",
        "acepto",
        "Acepto.",
        "autorizo",
        "ok",
        "okey",
        "listo",
        "correcto",
        "de acuerdo",
        "1",
        "la 1",
        "👍",
        "sí, gracias",
    ],
)
def test_parse_yes_no_yes(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "NO",
        "nooo",
        "nop",
        "no acepto",
        "No autorizo",
        "negativo",
        "no, gracias",
        "2",
        "opción 2",
        "👎",
        "no estoy de acuerdo",
    ],
)
def test_parse_yes_no_no(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["", "quizás", "no sé", "claro que no", "3", "hola", "tal vez"])
def test_parse_yes_no_unclear(text):
    assert parse_yes_no(text) is None


# --- choices -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("4", 4),
        ("la 2", 2),
        ("el 1", 1),
        ("opción 3", 3),
        ("Opcion numero 3", 3),
        ("#2", 2),
        ("2.", 2),
        ("3)", 3),
        ("No. 4", 4),
        ("tres", 3),
        ("la una", 1),
        ("3️⃣", 3),
        ("el tercero", 3),
        ("la segunda", 2),
        ("1ro", 1),
        ("1º", 1),
        ("quiero la 2 por favor", 2),
    ],
)
def test_parse_choice(text, expected):
    assert parse_choice(text, 4) == expected


@pytest.mark.parametrize(
    "text", ["0", "5", "cinco", "el quinto", "", "hola", "tengo 3 hijos", "1 y 2", "1,5", "no"]
)
def test_parse_choice_out_of_range_or_not_a_choice(text):
    assert parse_choice(text, 4) is None


def test_parse_choice_two_digit_menus():
    assert parse_choice("10", 11) == 10
    assert parse_choice("🔟", 11) == 10
    assert parse_choice("once", 11) == 11
    assert parse_choice("12", 11) is None
    assert parse_choice("1094887654", 11) is None


# --- radicados -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "PQRS-2026-000123",
        "pqrs-2026-000123",
        "pqrs 2026 123",
        "PQRS 2026-123",
        "pqrs2026000123",
        "pqrs2026-000123",
        "2026-000123",
        "2026/123",
        "2026 123",
        "2026000123",
        "radicado 123 de 2026",
        "Radicado No. 123 del año 2026",
        "123/2026",
        "123-2026",
        "mi radicado es el PQRS-2026-000123, gracias",
    ],
)
def test_parse_radicado(text):
    assert parse_radicado(text) == "PQRS-2026-000123"


@pytest.mark.parametrize(
    ("text", "default_year", "expected"),
    [
        ("123", 2026, "PQRS-2026-000123"),
        ("radicado 45", 2025, "PQRS-2025-000045"),
        ("el número es 000123", 2026, "PQRS-2026-000123"),
        ("123", None, None),
        ("radicado 123", None, None),
        ("0", 2026, None),
        ("1234567", 2026, None),
        ("123 y 456", 2026, None),
    ],
)
def test_parse_radicado_bare_sequence(text, default_year, expected):
    assert parse_radicado(text, default_year) == expected


@pytest.mark.parametrize(
    "text", ["", "hola", "no me acuerdo", "PQRS-1999-000001", "pqrs 2026 0", "PQRS-2026-1234567"]
)
def test_parse_radicado_none(text):
    assert parse_radicado(text, None) is None


# --- configuration errors ------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_document_config_rejects_menu_gaps(tmp_path):
    path = _write(
        tmp_path,
        "documents.yml",
        "document_types:\n"
        "  - {code: CC, name: Cédula, menu: 1, min_length: 6, max_length: 10, hint: h}\n"
        "  - {code: CE, name: Extranjería, menu: 3, min_length: 6, max_length: 10, hint: h}\n",
    )
    with pytest.raises(ValueError, match="menu"):
        load_document_types(path)


def test_document_config_rejects_duplicate_codes(tmp_path):
    path = _write(
        tmp_path,
        "documents.yml",
        "document_types:\n"
        "  - {code: CC, name: Cédula, menu: 1, min_length: 6, max_length: 10, hint: h}\n"
        "  - {code: cc, name: Otra, menu: 2, min_length: 6, max_length: 10, hint: h}\n",
    )
    with pytest.raises(ValueError, match="duplicate"):
        load_document_types(path)


def test_document_config_rejects_bad_charset_and_missing_hint(tmp_path):
    bad_charset = _write(
        tmp_path,
        "charset.yml",
        "document_types:\n"
        "  - {code: CC, name: C, menu: 1, charset: hex, min_length: 6, max_length: 10, hint: h}\n",
    )
    with pytest.raises(ValueError, match="charset"):
        load_document_types(bad_charset)
    no_hint = _write(
        tmp_path,
        "hint.yml",
        "document_types:\n  - {code: CC, name: C, menu: 1, min_length: 6, max_length: 10}\n",
    )
    with pytest.raises(ValueError, match="hint"):
        load_document_types(no_hint)


def test_service_config_rejects_duplicates_and_missing_label(tmp_path):
    duplicate = _write(
        tmp_path,
        "dup.yml",
        "services:\n  - {key: a, label: A, menu: 1}\n  - {key: a, label: B, menu: 2}\n",
    )
    with pytest.raises(ValueError, match="duplicate"):
        load_services(duplicate)
    no_label = _write(tmp_path, "label.yml", "services:\n  - {key: a, menu: 1}\n")
    with pytest.raises(ValueError, match="label"):
        load_services(no_label)


def test_service_config_loads_a_custom_file(tmp_path):
    path = _write(
        tmp_path,
        "services.yml",
        "services:\n  - {key: b, label: Bee, menu: 2}\n  - {key: a, label: A, menu: 1, "
        "aliases: [x]}\n",
    )
    assert load_services(path) == [Service("a", "A", 1, ("x",)), Service("b", "Bee", 2, ())]


# --- 1,000+ Colombian full names (tests/data/colombian_names.txt) ---------------------

COLOMBIAN_NAMES = (
    (Path(__file__).parents[1] / "data" / "colombian_names.txt")
    .read_text(encoding="utf-8")
    .splitlines()
)


def test_the_list_has_over_a_thousand_distinct_names():
    assert len(set(COLOMBIAN_NAMES)) == len(COLOMBIAN_NAMES) >= 1000


def test_every_common_colombian_name_is_accepted_as_written_and_in_lowercase():
    wrong = [
        name
        for name in COLOMBIAN_NAMES
        if parse_full_name(name) != name or parse_full_name(name.lower()) != name
    ]
    assert wrong == []
