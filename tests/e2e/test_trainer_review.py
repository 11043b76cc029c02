"""A real conversation's NLU results reach the trainers' review masked: no document, phone,
e-mail or name given on WhatsApp appears in the review or in the exported training file,
and the exported file is training data `rasa data validate` accepts."""

from __future__ import annotations

import os
import shutil
import subprocess

from sqlalchemy import select

from mara.db.models import InboundMessage, InboundNlu
from mara.db.unit_of_work import UnitOfWork
from mara.services import nlu_review
from mara.settings import ROOT
from tests.e2e.test_pqrs import file_with_data

WA = "573012223344"
SECRETS = [
    "María",
    "Fernanda",
    "López",
    "Lopez",
    "1094887890",
    "1.094.887.890",
    "3012223344",
    "301 222 3344",
    "maria.lopez@gmail.com",
    "3152223344",
    "315 222 3344",
]


def test_conversation_is_stored_with_its_nlu_and_reviewed_masked(stack, tmp_path):
    file_with_data(stack, WA, "no me han pagado la cuota monetaria de octubre")
    stack.turn(WA, "1")
    stack.turn(WA, "soy María Fernanda López otra vez, mi otro cel es 315 222 3344")
    stack.turn(WA, "asdf qwer zxcv")
    url = stack.settings.database_url
    with UnitOfWork(url) as uow:
        inbound = uow.session.execute(
            select(InboundMessage.id, InboundMessage.body).where(InboundMessage.wa_id == WA)
        ).all()
        stored = {r.inbound_id: r for r in uow.session.scalars(select(InboundNlu))}
    # Every text turn's NLU result, in the same transaction as its replies.
    assert all(row.id in stored for row in inbound), [r.body for r in inbound]
    opener = next(r.id for r in inbound if r.body.startswith("no me han pagado"))
    assert stored[opener].intent == "pqrs_reclamo" and stored[opener].pqrs_type == "reclamo"
    assert stored[opener].ranking[0]["name"] == "pqrs_reclamo"
    gibberish = next(r.id for r in inbound if r.body == "asdf qwer zxcv")

    with UnitOfWork(url) as uow:
        inbox = nlu_review.review_inbox(uow)
        assert gibberish in [i.inbound_id for i in inbox]
        nlu_review.label_messages(uow, [r.id for r in inbound], "inform", "lina")
        uow.commit()
        # This conversation's items (the e2e database also holds other tests' chats).
        own = {r.id for r in inbound}
        texts = [
            i.text
            for i in nlu_review.review_inbox(uow, include_labelled=True)
            if i.inbound_id in own
        ]
        examples = nlu_review.labelled_examples(uow)
        result = nlu_review.export_reviewed(uow, tmp_path / "reviewed.yml")
    exported = (tmp_path / "reviewed.yml").read_text(encoding="utf-8")
    assert "<NOMBRE>" in exported and "<TELEFONO>" in exported
    for secret in SECRETS:
        for text in texts + [t for _, t in examples] + [exported]:
            assert secret.lower() not in text.lower(), (secret, text)
    # The answers to the form's personal questions (name, document, phone, e-mail) are data:
    # never exported; the free texts around them are, masked.
    assert result.written["inform"] >= 2

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    shutil.copy(tmp_path / "reviewed.yml", data / "nlu" / "reviewed.yml")
    validate = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/rasa"), "data", "validate", "--data", str(data)]
        + ["--domain", "domain.yml", "--config", "config.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    assert validate.returncode == 0, validate.stdout[-2000:] + validate.stderr[-2000:]


def test_a_bare_name_in_a_filing_left_unfinished_never_reaches_the_trainers(stack):
    wa = "573012223355"
    stack.turn(wa, "quiero poner una queja porque en la droguería me atendieron muy mal")
    replies = " ".join(stack.turn(wa, "si acepto"))
    if "nombre completo" not in replies:  # the type was asked first
        replies = " ".join(stack.turn(wa, "si acepto"))
    assert "nombre completo" in replies
    # An unusual name the model cannot read, then the person leaves: no requester is saved,
    # so nothing but the form's question says these words are a name.
    stack.turn(wa, "Yurany Cuesta Mosquera")
    url = stack.settings.database_url
    with UnitOfWork(url) as uow:
        name_id = uow.session.scalar(
            select(InboundMessage.id).where(
                InboundMessage.wa_id == wa, InboundMessage.body == "Yurany Cuesta Mosquera"
            )
        )
        assert uow.session.get(InboundNlu, name_id).personal_answer
        shown = nlu_review.review_inbox(uow, include_labelled=True, low_confidence=1.01)
        own = {
            i.inbound_id: i.text
            for i in shown
            if i.inbound_id
            in {
                r
                for (r,) in uow.session.execute(
                    select(InboundMessage.id).where(InboundMessage.wa_id == wa)
                )
            }
        }
    # Every other message of the chat is reviewable (the threshold above lets all in).
    assert own and name_id not in own
    assert not any("yurany" in text.lower() for text in own.values())
