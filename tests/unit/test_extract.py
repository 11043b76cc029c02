"""Everything a person gives in one message is taken, so no question is asked twice."""

import pytest

from mara.text.extract import extract_person_data
from mara.text.phones import format_phone_es

WA = "whatsapp:+573001112233"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "me llamo Ana María López Giraldo cc 1094 123 456 cel 310 123 4567 correo "
            "ana.lopez@gmail.com",
            {
                "full_name": "Ana María López Giraldo",
                "document_type": "CC",
                "document_number": "1094123456",
                "phone": "+573101234567",
                "email": "ana.lopez@gmail.com",
            },
        ),
        (
            "Luz Dary Ospina cc 41’935.122 cel 310 555 1234",
            {
                "full_name": "Luz Dary Ospina",
                "document_type": "CC",
                "document_number": "41935122",
                "phone": "+573105551234",
            },
        ),
        (
            "Ana María López Giraldo, cédula 1.094.123.456, 3101234567, ana@hotmail.com",
            {
                "full_name": "Ana María López Giraldo",
                "document_type": "CC",
                "document_number": "1094123456",
                "phone": "+573101234567",
                "email": "ana@hotmail.com",
            },
        ),
        (
            "soy Jhon Fredy Cardona mi cel es 315 678 9012",
            {"full_name": "Jhon Fredy Cardona", "phone": "+573156789012"},
        ),
        (
            "mi nombre es luz dary osorio y mi correo es luzdary@yahoo.es",
            {"full_name": "Luz Dary Osorio", "email": "luzdary@yahoo.es"},
        ),
        (
            "Pedro Pérez TI 1005123456",
            {"full_name": "Pedro Pérez", "document_type": "TI", "document_number": "1005123456"},
        ),
        ("el pasaporte AB123456", {"document_type": "PA", "document_number": "AB123456"}),
        ("cc 41900123", {"document_type": "CC", "document_number": "41900123"}),
        ("3001234567", {"phone": "+573001234567"}),
        (
            "nombre: Yeison Quintero; documento: 1094887654; teléfono: (606) 7412345",
            {
                "full_name": "Yeison Quintero",
                "document_number": "1094887654",
                "phone": "+576067412345",
            },
        ),
    ],
)
def test_every_piece_given_is_taken(text, expected):
    assert extract_person_data(text, WA).given() == expected


def test_the_writers_name_after_a_name_that_is_not_theirs():
    text = "no, el nombre es de mi mamá, yo soy Jorge Tabares"
    assert extract_person_data(text, WA).given() == {"full_name": "Jorge Tabares"}


@pytest.mark.parametrize(
    "text",
    [
        "quiero poner una queja",
        "el servicio de la piscina estuvo muy malo",
        "hola buenas tardes",
        "Carlos Andrés Gómez",  # alone, a name is read by the form question that asks for it
        "fue el domingo 6 de diciembre como a las 11",
    ],
)
def test_ordinary_sentences_give_no_personal_data(text):
    assert extract_person_data(text, WA).given() == {}


def test_an_address_split_by_a_space_is_left_out_not_cut():
    assert (
        "email" not in extract_person_data("Ana López, cc 1094123456, luz. dary@gmail.com").given()
    )


def test_invalid_pieces_are_left_out():
    data = extract_person_data("correo ana@gmial.com cel 123", WA)
    assert data.email is None and data.phone is None


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("+573101234567", "310 123 4567"), ("+576067412345", "(606) 741 2345")],
)
def test_phones_are_shown_as_people_write_them(stored, shown):
    assert format_phone_es(stored) == shown
