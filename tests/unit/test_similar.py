"""Near-duplicates are grouped so one label covers them; different questions are not."""

from mara.text.similar import group_similar, similarity_key


def test_key_ignores_case_accents_punctuation_and_stretched_letters():
    assert similarity_key("¡¡Holaaa, BUENAS tardes!!") == similarity_key("hola buenas tardes")
    assert similarity_key("me llamo <NOMBRE>") == "me lamo"


def test_groups_typos_and_spelling_but_not_different_questions():
    texts = [
        "a que horas abren el sabado",
        "hola",
        "A QUE HORAS ABREN EL SÁBADO???",
        "a q horas abren el sabadoo",
        "hora",
        "quiero poner una queja por el subsidio",
        "quiero poner un reclamo por el subsidio de vivienda",
    ]
    assert group_similar(texts) == [[0, 2, 3], [1], [4], [5], [6]]
