import pytest

from mara.text.ratings import is_decline, is_skip, parse_rating, parse_score


@pytest.mark.parametrize(
    "text, rating",
    [
        ("1", "excelente"),
        ("2", "bueno"),
        ("3.", "regular"),
        ("4", "deficiente"),
        ("4️⃣", "deficiente"),
        ("opción 2", "bueno"),
        ("la 1", "excelente"),
        ("Excelente!!", "excelente"),
        ("EXCELENTE 👏", "excelente"),
        ("muy bien", "excelente"),
        ("muy buena la atención", "excelente"),
        ("bien", "bueno"),
        ("Bueno", "bueno"),
        ("buena", "bueno"),
        ("regular", "regular"),
        ("más o menos", "regular"),
        ("ni bien ni mal", "regular"),
        ("malo", "deficiente"),
        ("mal", "deficiente"),
        ("pésimo", "deficiente"),
        ("Pésima", "deficiente"),
        ("muy mala", "deficiente"),
        ("diría que bueno", "bueno"),
        ("dos", "bueno"),
    ],
)
def test_ratings_in_numbers_or_words(text, rating):
    assert parse_rating(text) == rating


@pytest.mark.parametrize(
    "text",
    [
        "",
        "5",
        "0",
        "10",
        "1 o 2",
        "bueno pero malo",
        "no fue bueno",
        "hola",
        "quiero radicar una queja",
    ],
)
def test_not_a_rating(text):
    assert parse_rating(text) is None


@pytest.mark.parametrize(
    "text, score",
    [("0", 0), ("10", 10), ("8", 8), ("un 8", 8), ("8/10", 8), ("9 de 10", 9), ("diez", 10),
     ("cero", 0), ("le doy 7", 7), ("10!", 10)],
)  # fmt: skip
def test_scores(text, score):
    assert parse_score(text) == score


@pytest.mark.parametrize("text", ["11", "-", "excelente", "7 u 8", "", "hola"])
def test_not_a_score(text):
    assert parse_score(text) is None


@pytest.mark.parametrize("text", ["saltar", "Saltar.", "no sé", "No se", "siguiente", "paso"])
def test_skips(text):
    assert is_skip(text)
    assert parse_rating(text) is None


def test_declines_and_not():
    assert is_decline("No gracias")
    assert is_decline("no")
    assert not is_decline("bueno")
    assert not is_skip("bueno")
