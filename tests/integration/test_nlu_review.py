"""Trainers' review on a real database: NLU results stored, inbox, groups, labels, export."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select

from mara.db.models import InboundNlu
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import Inbound
from mara.services import filing, inbox, nlu_review

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("America/Bogota"))
WA = "573001110000"
INTENTS = frozenset({"pqrs_queja", "pqrs_reclamo", "ask_hours", "greet"})

# What the person gives in the conversation; none of it may reach a trainer.
PERSONAL = [
    "Ana",
    "Gómez",
    "Gomez",
    "Restrepo",
    "1094000111",
    "1.094.000.111",
    "3001110000",
    "310 555 1234",
    "3105551234",
    "ana.gomez@gmail.com",
    "Marcela",
]


def parse(text: str, intent: str, confidence: float, ranking: list[tuple[str, float]] = ()):
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]
        or [{"name": intent, "confidence": confidence}],
    }


def receive(url: str, sid: str, body: str, nlu: dict | None, wa_id: str = WA) -> int:
    with UnitOfWork(url) as uow:
        inbound_id, _ = inbox.record_inbound(
            uow,
            Inbound(sid, wa_id, f"whatsapp:+{wa_id}", "whatsapp:+1415", "Marcela", body, (), None),
        )
        nlu_review.record_nlu(uow, inbound_id, nlu)
        uow.commit()
    return inbound_id


@pytest.fixture
def conversation(clean_db):
    ids = {}
    ids["unsure"] = receive(
        clean_db,
        "SM1",
        "me llamo Ana Gómez Restrepo cc 1.094.000.111 y nadie me contesta en el 310 555 1234",
        parse("…", "nlu_fallback", 0.3, [("nlu_fallback", 0.3), ("pqrs_queja", 0.28)]),
    )
    ids["same_again"] = receive(
        clean_db,
        "SM2",
        "Ana Gomez otra vez: nadie me contesta!! escribanme a ana.gomez@gmail.com",
        parse("…", "nlu_fallback", 0.2),
    )
    ids["hours"] = receive(
        clean_db, "SM3", "a que horas abren el sabado", parse("…", "ask_hours", 0.55)
    )
    ids["sure"] = receive(clean_db, "SM4", "hola", parse("hola", "greet", 0.99))
    ids["button"] = receive(clean_db, "SM5", "1", parse("/choose_option", "choose_option", 1.0))
    ids["reclassified"] = receive(
        clean_db,
        "SM6",
        "me cobraron dos veces la cuota del gimnasio",
        parse("…", "pqrs_queja", 0.9),
    )
    with UnitOfWork(clean_db) as uow:
        consent = filing.record_consent(uow, WA, True, "SM7", "v1")
        filing.file_ticket(
            uow,
            now=NOW,
            # AU (or the person) decided it is a reclamo; the bot proposed queja.
            pqrs_type="reclamo",
            proposed_type="queja",
            description="me cobraron dos veces la cuota del gimnasio",
            wa_id=WA,
            requester=filing.RequesterData(
                "Ana Gómez Restrepo", "CC", "1094000111", "+573001110000", "ana.gomez@gmail.com"
            ),
            consent_id=consent,
        )
        uow.commit()
    return ids


def test_every_result_is_stored_but_payloads(clean_db, conversation):
    with UnitOfWork(clean_db) as uow:
        stored = {r.inbound_id: r for r in uow.session.scalars(select(InboundNlu))}
    assert conversation["button"] not in stored
    unsure = stored[conversation["unsure"]]
    assert (unsure.intent, unsure.confidence, unsure.pqrs_type) == ("nlu_fallback", 0.3, "queja")
    assert unsure.ranking[1] == {"name": "pqrs_queja", "confidence": 0.28}
    assert stored[conversation["sure"]].intent == "greet"


def test_inbox_lists_what_needs_a_look_masked(clean_db, conversation):
    with UnitOfWork(clean_db) as uow:
        items = {i.inbound_id: i for i in nlu_review.review_inbox(uow)}
    assert set(items) == {
        conversation["unsure"],
        conversation["same_again"],
        conversation["hours"],
        conversation["reclassified"],
    }
    assert items[conversation["unsure"]].reasons == ("not_understood",)
    assert items[conversation["hours"]].reasons == ("low_confidence",)
    reclassified = items[conversation["reclassified"]]
    assert reclassified.reasons == ("reclassified",)
    assert reclassified.suggested_intent == "pqrs_reclamo"
    assert items[conversation["unsure"]].text == (
        "me llamo <NOMBRE> cc <DOCUMENTO> y nadie me contesta en el <TELEFONO>"
    )
    assert items[conversation["same_again"]].text == (
        "<NOMBRE> otra vez: nadie me contesta!! escribanme a <CORREO>"
    )
    for item in items.values():
        for secret in PERSONAL:
            assert secret.lower() not in item.text.lower()


def test_labels_are_audited_and_the_latest_wins(clean_db, conversation):
    with UnitOfWork(clean_db) as uow:
        ids = [conversation["unsure"], conversation["same_again"]]
        assert nlu_review.label_messages(uow, ids, "pqrs_reclamo", "lina", intents=INTENTS) == 2
        uow.commit()
    with UnitOfWork(clean_db) as uow:
        nlu_review.label_messages(uow, ids[:1], "pqrs_queja", "pedro", intents=INTENTS)
        nlu_review.label_messages(uow, [conversation["hours"]], None, "pedro", noise=True)
        with pytest.raises(nlu_review.UnknownIntent):
            nlu_review.label_messages(uow, ids, "no_such_intent", "pedro", intents=INTENTS)
        uow.commit()
    with UnitOfWork(clean_db) as uow:
        assert nlu_review.review_inbox(uow) == [
            i for i in nlu_review.review_inbox(uow) if i.inbound_id == conversation["reclassified"]
        ]
        history = nlu_review.label_history(uow, ids[0])
        assert [(h.intent, h.labelled_by) for h in history] == [
            ("pqrs_reclamo", "lina"),
            ("pqrs_queja", "pedro"),
        ]
        labelled = {i.inbound_id: i for i in nlu_review.review_inbox(uow, include_labelled=True)}
        assert labelled[ids[0]].label == "pqrs_queja"
        assert labelled[conversation["hours"]].noise is True
        assert sorted(nlu_review.labelled_examples(uow)) == [
            ("pqrs_queja", "me llamo <NOMBRE> cc <DOCUMENTO> y nadie me contesta en el <TELEFONO>"),
            ("pqrs_reclamo", "<NOMBRE> otra vez: nadie me contesta!! escribanme a <CORREO>"),
        ]


def test_near_duplicates_are_grouped(clean_db, conversation):
    receive(clean_db, "SM8", "A QUE HORAS ABREN EL SABADO???", parse("…", "ask_hours", 0.4))
    receive(clean_db, "SM9", "a q horas abren el sabadoo", parse("…", "ask_hours", 0.5))
    with UnitOfWork(clean_db) as uow:
        groups = nlu_review.group_items(nlu_review.review_inbox(uow))
    assert len(groups[0].items) == 3
    assert "horas abren" in groups[0].key


def test_export_writes_masked_rasa_data_and_never_held_out_examples(
    clean_db, conversation, tmp_path
):
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "tests" / "nlu").mkdir(parents=True)
    (tmp_path / "data" / "nlu" / "pqrs.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hola\n'
    )
    (tmp_path / "tests" / "nlu" / "held.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: ask_hours\n  examples: |\n'
        "    - A que horas abren el [sábado](day)\n"
    )
    sure = conversation["sure"]
    with UnitOfWork(clean_db) as uow:
        nlu_review.label_messages(
            uow,
            [conversation["unsure"], conversation["same_again"], conversation["reclassified"]],
            "pqrs_reclamo",
            "lina",
            intents=INTENTS,
        )
        nlu_review.label_messages(
            uow, [conversation["hours"]], "ask_hours", "lina", intents=INTENTS
        )
        nlu_review.label_messages(uow, [sure], "greet", "lina", intents=INTENTS)
        uow.commit()
    out = tmp_path / "data" / "nlu" / "reviewed.yml"
    with UnitOfWork(clean_db) as uow:
        result = nlu_review.export_reviewed(uow, out, root=tmp_path)
    assert result.written == {"pqrs_reclamo": 3}
    assert (result.skipped_held_out, result.skipped_existing) == (1, 1)
    text = out.read_text(encoding="utf-8")
    for secret in PERSONAL:
        assert secret.lower() not in text.lower()
    data = yaml.safe_load(text)
    examples = data["nlu"][0]["examples"].splitlines()
    assert data["nlu"][0]["intent"] == "pqrs_reclamo"
    assert "- me cobraron dos veces la cuota del gimnasio" in examples


def test_a_bare_name_answered_to_the_form_is_never_shown_nor_exported(clean_db, tmp_path):
    # A filing left unfinished: no requester was saved, so nothing tells a mask that these
    # three words are a name. The form's validator said the text answered `full_name`.
    with UnitOfWork(clean_db) as uow:
        name_id, _ = inbox.record_inbound(
            uow,
            Inbound(
                "SN1",
                WA,
                f"whatsapp:+{WA}",
                "whatsapp:+1415",
                None,
                "Yurany Cuesta Mosquera",
                (),
                None,
            ),
        )
        nlu_review.record_nlu(
            uow, name_id, parse("…", "nlu_fallback", 0.2), WA, personal_answer=True
        )
        other_id, _ = inbox.record_inbound(
            uow,
            Inbound(
                "SN2", WA, f"whatsapp:+{WA}", "whatsapp:+1415", None, "ke orario tienen", (), None
            ),
        )
        nlu_review.record_nlu(uow, other_id, parse("…", "nlu_fallback", 0.2), WA)
        uow.commit()
    with UnitOfWork(clean_db) as uow:
        shown = {i.inbound_id: i.text for i in nlu_review.review_inbox(uow)}
        assert shown == {other_id: "ke orario tienen"}
        # Labelled from the terminal by id all the same: still never exported.
        nlu_review.label_messages(uow, [name_id, other_id], "ask_hours", "trainer@caja.co")
        uow.commit()
    with UnitOfWork(clean_db) as uow:
        assert nlu_review.labelled_examples(uow) == [("ask_hours", "ke orario tienen")]
