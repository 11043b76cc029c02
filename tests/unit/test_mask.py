"""Trainers never read a person's document, phone, e-mail or name."""

import pytest

from mara.text.mask import known_from, mask_personal_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "me llamo Ana María López Giraldo cc 1094 123 456 cel 310 123 4567 correo "
            "ana.lopez@gmail.com",
            "me llamo <NOMBRE> cc <DOCUMENTO> cel <TELEFONO> correo <CORREO>",
        ),
        (
            "mi cédula es 1.094.123.456 y mi número +57 315 678 9012",
            "mi cédula es <DOCUMENTO> y mi número <TELEFONO>",
        ),
        ("mi cedula es 41'935.122", "mi cedula es <DOCUMENTO>"),  # the apostrophe of millions
        ("CC 41’935.122 de Armenia", "CC <DOCUMENTO> de Armenia"),
        ("me cobraron $1'200.000", "me cobraron $1'200.000"),  # an amount stays
        ("escríbanme a luz_dary@yahoo.es por favor", "escríbanme a <CORREO> por favor"),
        ("llamé al (606) 7314001 y nadie contesta", "llamé al <TELEFONO> y nadie contesta"),
        ("quiero poner una queja por el subsidio", "quiero poner una queja por el subsidio"),
        (
            "cómo va mi radicado PQRS-2026-000123",
            "cómo va mi radicado PQRS-2026-000123",
        ),
        ("me cobraron $150.000 de más", "me cobraron $150.000 de más"),
        ("el 8 de diciembre a las 7:30 abren?", "el 8 de diciembre a las 7:30 abren?"),
    ],
)
def test_masks_what_the_message_itself_gives(text, expected):
    assert mask_personal_data(text) == expected


def test_known_data_of_the_conversation_is_masked_anywhere():
    known = known_from(
        names=["Jhon Fredy Cardona Ríos"],
        numbers=["1094123456", "+573156789012"],
        emails=["jfcardona@hotmail.com"],
    )
    text = (
        "jhon fredy aquí, el de la cedula 1094123456, llámenme al 3156789012 o "
        "JFCardona@hotmail.com"
    )
    masked = mask_personal_data(text, known)
    assert masked == "<NOMBRE> aquí, el de la cedula <DOCUMENTO>, llámenme al <TELEFONO> o <CORREO>"


def test_names_from_earlier_messages_are_masked_in_later_ones():
    known = known_from(texts=["soy Luz Dary Osorio, cc 41.900.123"])
    assert mask_personal_data("dary osorio otra vez, nadie me responde", known) == (
        "<NOMBRE> otra vez, nadie me responde"
    )
    assert "41900123" in known.numbers


def test_accents_and_case_do_not_hide_a_name():
    known = known_from(names=["María Ángeles Pérez"])
    assert mask_personal_data("MARIA angeles perez necesita ayuda", known) == (
        "<NOMBRE> necesita ayuda"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "me llamo Ana Gómez Restrepo y quiero saber el horario",
            "me llamo <NOMBRE> y quiero saber el horario",
        ),
        ("me llamo ana", "me llamo <NOMBRE>"),
        ("hola soy Pedro, necesito ayuda", "hola soy <NOMBRE>, necesito ayuda"),
        (
            "mi nombre es maria de los angeles perez y necesito un certificado",
            "mi nombre es <NOMBRE> y necesito un certificado",
        ),
        ("soy de Armenia y soy pensionado", "soy de Armenia y soy pensionado"),
    ],
)
def test_a_name_after_its_label_is_masked_even_inside_a_sentence(text, expected):
    assert mask_personal_data(text) == expected
