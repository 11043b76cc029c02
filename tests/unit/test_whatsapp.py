"""Splitting long replies under WhatsApp's 1,600-character limit."""

from mara.domain.messages import WHATSAPP_BODY_LIMIT, split_body


def test_short_bodies_stay_whole():
    assert split_body("  hola  ") == ["hola"]


def test_long_bodies_split_at_paragraphs_and_keep_every_word():
    paragraphs = [("palabra " * 150).strip() for _ in range(3)]
    body = "\n\n".join(paragraphs)
    parts = split_body(body)
    assert len(parts) > 1
    assert all(len(p) <= WHATSAPP_BODY_LIMIT for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(body.split())


def test_a_single_huge_word_is_cut_hard():
    parts = split_body("x" * 4000)
    assert [len(p) for p in parts] == [1600, 1600, 800]
