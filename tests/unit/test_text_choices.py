"""Menu numbers, yes/no, services and radicados as people type them; the text layer's hygiene."""

import subprocess
import sys

import pytest

from mara.policy.catalogs import (
    Service,
    services,
)
from mara.text.choices import parse_choice, parse_service, parse_yes_no
from mara.text.normalize import Invalid, normalize_text
from mara.text.radicado import parse_radicado

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
        "bueno",  # alone
        "obvio",
        "con gusto",
    ],
)
def test_parse_yes_no_yes(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("el servicio no fue bueno", False),  # "bueno" inside is no yes
        ("por eso me quejo", None),
        ("me atendieron con gusto", None),
        ("ni loco", False),
    ],
)
def test_words_that_are_a_yes_only_alone(text, verdict):
    assert parse_yes_no(text) is verdict


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
