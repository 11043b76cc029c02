"""What people type about themselves: documents, phones, e-mails (names: test_text_names.py)."""

import pytest

from mara.policy.catalogs import (
    DocumentType,
    document_types,
)
from mara.text.documents import (
    mask_document,
    parse_document,
    parse_document_number,
    parse_document_type,
)
from mara.text.emails import corrected, parse_email
from mara.text.normalize import Invalid
from mara.text.phones import parse_phone

WA = "whatsapp:+573001234567"

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
        ("41'935.122", "CC", "41935122"),  # the apostrophe of millions
        ("41’935.122", "CC", "41935122"),  # the same, as phones type it
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
        ("luz.dary @ gmail.com", "luz.dary@gmail.com"),  # spaces around the @
        ("el correo de mi hija maria@gmail.com", "maria@gmail.com"),
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
        ("luz dary@gmail.com", "invalid"),  # not dary@gmail.com: someone else's, perhaps
        ("luz. dary@gmail.com", "invalid"),
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


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("maria@gmial.com", "maria@gmail.com"),
        ("es Maria.Lopez @ HOTMAIL.CON", "Maria.Lopez@hotmail.com"),
        ("maria@yahoo.con", "maria@yahoo.com"),
        # Keyboard slips before the ending.
        ("maria@gmail,com", "maria@gmail.com"),
        ("mi correo es maria@gmail .com", "maria@gmail.com"),
        ("maria@hotmailcom", "maria@hotmail.com"),
        ("maria@empresa,com.co", "maria@empresa.com.co"),
        ("maria@gmail.com", None),  # nothing to correct
        ("si", None),
    ],
)
def test_a_misspelt_provider_is_corrected_for_the_suggestion(text, meant):
    assert corrected(text) == meant
