"""People's names as they write them on WhatsApp."""

from pathlib import Path

import pytest

from mara.text.names import parse_full_name
from mara.text.normalize import Invalid

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
        ("LUZ DARY RAMÍREZ O.", "Luz Dary Ramírez O."),  # an initial, as written
        ("Juan P. López", "Juan P. López"),
        ("Juan P López", "Juan P. López"),
        ("Sr. Carlos Gómez", "Carlos Gómez"),  # a courtesy title is not part of it
        ("doña Rosa Elena Cardona", "Rosa Elena Cardona"),
        ("María 😀 López", "María López"),  # emoji dropped
        ("Yeison Stiven Muñoz 🙏🏻", "Yeison Stiven Muñoz"),
        ("Ma. Eugenia Zuluaga", "Ma. Eugenia Zuluaga"),  # an abbreviated given name
        ("Carlos A. Gómez", "Carlos A. Gómez"),
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
        ("J López", "too_short"),
        ("J. P. López", "too_short"),  # initials are no name words
        ("a que hora abren", "not_a_name"),  # "a" is a word, not an initial
        ("¿a qué hora abren?", "not_a_name"),
        ("Carlos A Gómez", "not_a_name"),  # "A" without a dot is the word "a"
        ("señora", "too_short"),
        ("de la", "too_short"),
        ("Juan 2 López", "not_a_name"),
        ("Juan123 López", "not_a_name"),
        ("1094887654", "not_a_name"),
        ("maria@gmail.com", "not_a_name"),
        ("Juan Pérez me atendió mal", "not_a_name"),  # a sentence, not a name and more
        ("buen servicio no me atendieron", "not_a_name"),
        ("ok listo", "not_a_name"),
        ("Natalia, me atendió una señora", "not_a_name"),
        ("López, María", "not_a_name"),
        ("no quiero decir", "not_a_name"),
        ("hola buenas tardes", "not_a_name"),
        ("tengo una queja", "not_a_name"),
        ("uno dos tres cuatro cinco seis siete", "not_a_name"),
        ("Ab" + " Cdefghijklmn" * 10, "not_a_name"),
    ],
)
def test_parse_full_name_rejects(text, reason):
    assert parse_full_name(text) == Invalid(reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Acknowledgements and greetings before it, one after the other.
        ("ok. Martha Lucía Giraldo", "Martha Lucía Giraldo"),
        ("Si claro. Martha Lucia Giraldo", "Martha Lucia Giraldo"),
        ("Sí señora, Martha Lucía Giraldo", "Martha Lucía Giraldo"),
        ("listo, Jhon Fredy Ospina", "Jhon Fredy Ospina"),
        ("claro que si mi nombre es Luz Amparo Henao", "Luz Amparo Henao"),
        ("Hola buenas tardes mi nombre es Fabio Nelson Rincón", "Fabio Nelson Rincón"),
        ("bueno mi nombre es ana milena toro", "Ana Milena Toro"),
        # Other ways of introducing it.
        ("con Diana Marcela Ríos", "Diana Marcela Ríos"),  # to "¿con quién hablo?"
        ("es Ana Milena Toro", "Ana Milena Toro"),
        ("el nombre es Ana Milena Toro", "Ana Milena Toro"),
        ("a nombre de Ana Milena Toro", "Ana Milena Toro"),
        ("Yo soy la señora Rosa Elena Cardona", "Rosa Elena Cardona"),
        # What comes after it.
        ("Soy Pedro Pérez, afiliado", "Pedro Pérez"),
        ("mi nombre es Gloria Inés Arango, cc 24.567.890", "Gloria Inés Arango"),
        ("Diana Marcela Ríos cc 1094887766", "Diana Marcela Ríos"),
        ("fabio rincon cedula 7548321", "Fabio Rincon"),
        ("Martha Lucía Giraldo Ramírez, para servirle", "Martha Lucía Giraldo Ramírez"),
        ("Martha Giraldo para servirle", "Martha Giraldo"),
        ("yo me llamo Brayan Stiven Muñoz y tengo una queja", "Brayan Stiven Muñoz"),
        ("Esperanza Gómez y soy afiliada", "Esperanza Gómez"),
        ("Ana Milena Toro de parte de mi mamá", "Ana Milena Toro"),
        ("Natalia Ruiz Correa y mi correo es nati@gmail.com", "Natalia Ruiz Correa"),
        ("María López @maria", "María López"),
        # A correction before it.
        ("el nombre esta mal es Mario Alberto Gil Restrepo", "Mario Alberto Gil Restrepo"),
        ("perdón, es Mario Gil", "Mario Gil"),
    ],
)
def test_the_name_is_taken_from_what_people_write_around_it(text, expected):
    assert parse_full_name(text) == expected


def test_parse_full_name_length_limits():
    assert parse_full_name("Al Li") == "Al Li"
    long_name = "Maximiliano " + "Bartolomeoooooooooooooooooooooooooooooooooooooooo " * 3
    assert len(long_name.strip()) > 120
    assert parse_full_name(long_name) == Invalid("too_long")


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
