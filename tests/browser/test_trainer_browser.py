"""The trainer workspace in a real browser, on the whole MARA (real Rasa model, action server,
web, workers, training worker): three messages the bot did not understand arrive through the
signed webhook; a trainer labels them, trains, reads the comparison and publishes (or, when
the gate refuses a candidate a held-out text worse, an admin publishes it with a reason); the
bot then understands one of them. Trains the project's real model (about a minute of CPU) in a
copy of its Rasa project (MARA_TRAINING_ROOT), so the repository's data and models stay."""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import select

from mara.adapters import rasa_training as training
from mara.db.models import InboundMessage, InboundNlu
from mara.db.unit_of_work import UnitOfWork
from mara.services.nlu_review import NOT_UNDERSTOOD
from mara.settings import ROOT
from tests.browser.conftest import CHROMIUM, SCREENSHOTS
from tests.conftest import make_database
from tests.e2e.conftest import Stack, service_env
from tests.support.staff import PASSWORD, USERS, create_users

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is missing")

# Ways of asking for the opening hours that the project's model does not understand.
MISUNDERSTOOD = {
    "573015550101": "puedo arrimar despues de las 5",
    "573015550102": "el celador a q hora cierra la puerta",
    "573015550103": "a q hora me recibe la señorita",
}
LABEL = "ask_hours"
# Training, evaluating two models and Rasa loading one take minutes on a busy 2-core machine.
TRAINING_TIMEOUT_MS = 15 * 60 * 1000
PUBLISH_TIMEOUT_MS = 10 * 60 * 1000


def training_root(tmp: Path, model: Path) -> Path:
    """A copy of the project's Rasa inputs, its held-out set and the live model."""
    root = tmp / "training-root"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("domain.yml", "config.yml", "requirements/rasa.lock.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, root / name)
    for folder in ("data", "nlu", "tests/nlu"):
        shutil.copytree(ROOT / folder, root / folder, ignore=ignore)
    (root / "models").mkdir()
    shutil.copy2(model, root / "models" / model.name)
    assert training.live_model(root) == root / "models" / model.name
    return root


@pytest.fixture
def whole_mara(redis_url, twilio_api, tmp_path, monkeypatch):
    model = training.train()
    # Rasa's command line is built here and the training worker publishes: one API token.
    monkeypatch.setenv("MARA_RASA_TOKEN", secrets.token_hex(16))
    database_url, _ = make_database("sqlite", tmp_path)
    base, db = redis_url.rsplit("/", 1)
    env = {
        # Two numbers after the session's Redis database (the e2e stack holds the next one).
        **service_env(database_url, f"{base}/{int(db) + 2}", twilio_api.base_url, tmp_path),
        "MARA_TRAINING_ROOT": str(training_root(tmp_path, model)),
        "MARA_WEB_WORKERS": "1",
        "MARA_RETRY_INTERVALS": "1,2,2",
        "MARA_CLOCK": "2026-12-04T10:00:00-05:00",
    }
    Redis.from_url(env["REDIS_URL"]).flushdb()
    (tmp_path / "logs").mkdir()
    stack = Stack(env, tmp_path / "logs")
    try:
        stack.start_all(model)
        create_users(database_url)
        yield stack
    finally:
        stack.stop_all()


def last_nlu(stack: Stack, wa_id: str) -> tuple[str | None, float | None]:
    with UnitOfWork(stack.settings.database_url) as uow:
        row = uow.session.execute(
            select(InboundNlu.intent, InboundNlu.confidence)
            .join(InboundMessage, InboundMessage.id == InboundNlu.inbound_id)
            .where(InboundMessage.wa_id == wa_id)
            .order_by(InboundNlu.inbound_id.desc())
            .limit(1)
        ).one()
    return row.intent, row.confidence


def sign_in(page, who: str) -> None:
    """Fill the login page `page` shows with `who`'s e-mail and password and send it."""
    page.fill("#email", USERS[who][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def log_in(browser, base: str, who: str):
    """A page of a new browser context (its own cookies) signed in as `who`."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/staff/login")
    sign_in(page, who)
    return page


def row_of(page, text: str):
    return page.locator("#inbox tbody tr", has_text=text)


def test_a_trainer_labels_trains_and_publishes_and_the_bot_understands(whole_mara, browser):
    stack = whole_mara
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = {}
    for wa_id, text in MISUNDERSTOOD.items():
        before[wa_id] = stack.turn(wa_id, text, timeout=120)
        intent, _ = last_nlu(stack, wa_id)
        assert intent in NOT_UNDERSTOOD, (text, intent)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    base = f"http://127.0.0.1:{stack.settings.port}"
    page.goto(f"{base}/staff/training")
    assert "/staff/login" in page.url
    sign_in(page, "trainer")
    page.wait_for_selector("#inbox")
    assert page.url.endswith("/staff/training")
    for text in MISUNDERSTOOD.values():
        assert row_of(page, text).count() == 1, text
    page.screenshot(path=str(SCREENSHOTS / "training-inbox.png"), full_page=True)

    # One with its row's form, the other two together with the bulk form.
    first, *others = MISUNDERSTOOD.values()
    row = row_of(page, first)
    row.locator("select[name=intent]").select_option(LABEL)
    row.locator("button:has-text('Etiquetar')").click()
    assert f"1 mensaje(s) etiquetado(s) como «{LABEL}»" in page.inner_text(".flash")
    for text in others:
        row_of(page, text).locator("input[type=checkbox]").check()
    page.select_option("#bulk-intent", LABEL)
    page.click("#bulk button[value=label]")
    assert f"2 mensaje(s) etiquetado(s) como «{LABEL}»" in page.inner_text(".flash")
    for text in MISUNDERSTOOD.values():
        assert row_of(page, text).count() == 0

    page.click("#train button")
    assert "en cola" in page.inner_text(".flash")
    page.wait_for_selector("#comparison", timeout=TRAINING_TIMEOUT_MS)
    page.screenshot(path=str(SCREENSHOTS / "training-run.png"), full_page=True)
    candidate_f1 = float(page.inner_text("#candidate-f1"))
    live_f1 = float(page.inner_text("#live-f1"))
    print(f"\nPQRS macro-F1 on the held-out set: candidate {candidate_f1}, live {live_f1}")
    assert LABEL in page.inner_text("#per-intent")
    for image in ("#confusion-candidate", "#confusion-live"):
        assert page.eval_on_selector(image, "img => img.complete && img.naturalWidth > 100")
    assert page.locator("#errors tbody tr").count() >= 1

    page.click("#publish-form button")
    if "Se puede publicar" in page.inner_text("#gate"):
        publisher, name = page, "Trainer"
    else:
        # Whether three labels move one held-out text (of ~580) is the day's data's doing:
        # then the trainer is refused, and an admin publishes with a reason, as the gate allows.
        assert candidate_f1 >= live_f1 - 0.01, (candidate_f1, live_f1)
        assert "No se publicó" in page.inner_text(".flash")
        publisher, name = log_in(browser, base, "admin"), "Admin"
        publisher.goto(page.url)
        publisher.fill(
            "#reason", "Tres preguntas de horario etiquetadas; un texto de prueba cambia"
        )
        publisher.click("#force-form button")
    assert "Publicando el candidato" in publisher.inner_text(".flash")
    publisher.wait_for_selector("#job:not(:has-text('en curso'))", timeout=PUBLISH_TIMEOUT_MS)
    assert "el modelo ya atiende" in publisher.inner_text("#job"), publisher.inner_text("#job")
    assert f"Publicado por {name}" in publisher.inner_text("#publish")
    publisher.goto(f"{base}/staff/training")
    live_name = publisher.inner_text("#live-model")
    assert re.fullmatch(r"run-\d+\.tar\.gz", live_name), live_name
    context.close()

    # The same message again, through the signed webhook: now the bot understands it.
    wa_id, text = next(iter(MISUNDERSTOOD.items()))
    after = stack.turn(wa_id, text, timeout=120)
    intent, confidence = last_nlu(stack, wa_id)
    print(f"after publishing: {text!r} → {intent} ({confidence:.2f}); replies {after}")
    assert intent == LABEL
    assert after != before[wa_id]
    assert re.search(r"\d{1,2}:\d{2}|24 horas", "\n".join(after)), after
