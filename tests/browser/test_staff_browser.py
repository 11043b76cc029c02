"""The staff web in a real browser (Playwright driving Debian's Chromium): every role signs
in and a WhatsApp request lives its whole life, list → close, with the answer reaching the
local Twilio API (a ContentSid when the 24-hour window is closed)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from redis import Redis
from rq import Queue
from werkzeug.serving import make_server

from mara.db.models import InboundMessage
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import Inbound
from mara.jobs.worker import LeanWorker
from mara.ops.embedded_redis import free_port
from mara.services import filing, inbox
from tests.browser.conftest import CHROMIUM, SCREENSHOTS
from tests.support.staff import PASSWORD, USERS, create_users
from webhook import create_app

TEMPLATE_SID = "HX" + "c" * 32

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is missing")


@pytest.fixture
def database_url(request, tmp_path_factory):
    """One database kind is enough for the browser (the services run on both elsewhere)."""
    from tests.conftest import make_database

    url, _ = make_database("sqlite", tmp_path_factory.mktemp("browser"))
    return url


@pytest.fixture
def live(settings):
    port = free_port()
    app_settings = replace(
        settings, public_url=f"http://127.0.0.1:{port}", template_answer_sid=TEMPLATE_SID
    )
    create_users(settings.database_url)
    server = make_server("127.0.0.1", port, create_app(app_settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", app_settings
    server.shutdown()


def whatsapp_request(settings, wa_id: str, received_at: datetime | None = None) -> str:
    """A person wrote on WhatsApp and the bot filed their reclamo."""
    with UnitOfWork(settings.database_url) as uow:
        message_id, _ = inbox.record_inbound(
            uow,
            Inbound(
                message_sid=f"SM{wa_id}",
                wa_id=wa_id,
                from_address=f"whatsapp:+{wa_id}",
                to_address="whatsapp:+14155238886",
                profile_name="María",
                body="La piscina estaba cerrada el domingo y nadie avisó",
                media=(),
                button_payload=None,
            ),
        )
        consent = filing.record_consent(uow, wa_id, True, f"SM{wa_id}", "2026-11")
        filed = filing.file_ticket(
            uow,
            now=received_at or datetime.now(timezone.utc),
            pqrs_type="reclamo",
            description="La piscina estaba cerrada el domingo y nadie avisó",
            wa_id=wa_id,
            proposed_type="reclamo",
            proposed_confidence=0.81,
            service="recreacion_deportes",
            requester=filing.RequesterData(
                "María Fernanda López", "CC", "1094887890", f"+{wa_id}", None
            ),
            consent_id=consent,
        )
        uow.commit()
    return filed.radicado


def run_worker(settings) -> None:
    redis = Redis.from_url(settings.redis_url)
    LeanWorker([Queue(settings.queue_name, connection=redis)], connection=redis).work(burst=True)


class Staff:
    def __init__(self, browser, base: str, who: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.base = base
        page = self.page
        page.goto(f"{base}/staff/requests")
        assert "/staff/login" in page.url
        page.fill("#email", USERS[who][0])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")

    def open(self, radicado: str) -> None:
        self.page.goto(f"{self.base}/staff/requests")
        self.page.click(f"text={radicado}")
        self.page.wait_for_selector("h1")

    def flash(self) -> str:
        return self.page.inner_text(".flash")

    def close(self) -> None:
        self.context.close()


def test_the_whole_life_of_a_whatsapp_request(live, browser, twilio_api, monkeypatch):
    base, settings = live
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wa_id = "573001234567"
    radicado = whatsapp_request(settings, wa_id)

    au = Staff(browser, base, "au")
    page = au.page
    assert radicado in page.inner_text("table")
    assert "María" not in page.inner_text("table")  # masked until opened
    page.screenshot(path=str(SCREENSHOTS / "list.png"), full_page=True)
    au.open(radicado)
    assert "María Fernanda López" in page.inner_text("body")
    assert "La piscina estaba cerrada" in page.inner_text("#transcript")
    page.select_option("#type", "queja")
    page.click("#classify button")
    assert "Clasificación guardada" in au.flash()
    page.select_option("#area", "recreacion")
    page.click("#route button")
    assert "enviada al área" in au.flash()
    au.close()

    area = Staff(browser, base, "other_area")  # recreación
    area.open(radicado)
    area.page.fill("#answer", "El domingo hubo mantenimiento; ya está abierta de 6 a 20 h.")
    area.page.click("#area-answer button")
    assert "Respuesta del área guardada" in area.flash()
    area.close()

    wrong_area = Staff(browser, base, "area")  # vivienda: not theirs
    assert radicado not in wrong_area.page.inner_text("main")
    wrong_area.close()

    au = Staff(browser, base, "au")
    page = au.page
    au.open(radicado)
    page.fill("#final_answer", "Hola María: el domingo hubo mantenimiento. Ya abrió de 6 a 20 h.")
    for criterion in ("calidad", "claridad", "precision", "idoneidad", "congruencia"):
        page.check(f"input[name={criterion}]")
    page.click("#review button")
    assert "Revisión guardada" in au.flash()
    page.click("text=Enviar respuesta")
    assert "Respuesta enviada" in au.flash()
    run_worker(settings)
    [sent] = twilio_api.wait_for(1, to=f"whatsapp:+{wa_id}")
    assert "mantenimiento" in sent.form["Body"] and "ContentSid" not in sent.form
    page.reload()
    assert "Respuesta enviada" in page.inner_text("h1")
    page.screenshot(path=str(SCREENSHOTS / "detail.png"), full_page=True)
    page.click("#close button:has-text('Cerrar solicitud')")
    assert "Solicitud cerrada" in au.flash()
    assert "Cerrada" in page.inner_text("h1")
    assert "Cerró" in page.inner_text("#events")

    # Two days later the window is closed: the approved template goes out instead.
    later = datetime.now(timezone.utc) + timedelta(days=2)
    other = "573007654321"
    second = whatsapp_request(settings, other)
    monkeypatch.setenv("MARA_CLOCK", later.isoformat())
    au.open(second)
    page.select_option("#type", "reclamo")
    page.click("#classify button")
    page.fill("#final_answer", "Hola: revisamos tu caso y te devolvemos el cobro.")
    for criterion in ("calidad", "claridad", "precision", "idoneidad", "congruencia"):
        page.check(f"input[name={criterion}]")
    page.click("#review button")
    page.click("text=Enviar respuesta")
    run_worker(settings)
    [template] = twilio_api.wait_for(1, to=f"whatsapp:+{other}")
    assert (
        template.form["ContentSid"] == TEMPLATE_SID and second in template.form["ContentVariables"]
    )
    page.reload()
    assert "espera que la persona responda" in page.inner_text("#delivery")
    # The person answers the template; the full answer can go now.
    with UnitOfWork(settings.database_url) as uow:
        uow.session.add(
            InboundMessage(
                message_sid="SMreply",
                wa_id=other,
                from_address=f"whatsapp:+{other}",
                to_address="whatsapp:+14155238886",
                body="sí, envíala",
                received_at=later,
                status="processed",
            )
        )
        uow.commit()
    page.reload()
    page.click("text=Enviar respuesta ahora")
    assert "Respuesta enviada" in au.flash()
    run_worker(settings)
    answer = twilio_api.wait_for(2, to=f"whatsapp:+{other}")[-1]
    assert "devolvemos el cobro" in answer.form["Body"]
    au.close()


def test_trainer_and_admin_sign_in_to_their_own_pages(live, browser):
    base, settings = live
    radicado = whatsapp_request(settings, "573001112222")
    trainer = Staff(browser, base, "trainer")
    assert "Entrenamiento" in trainer.page.inner_text("body")
    response = trainer.page.goto(f"{base}/staff/requests")
    assert response.status == 403
    trainer.close()
    admin = Staff(browser, base, "admin")
    admin.page.goto(f"{base}/staff/users")
    assert USERS["trainer"][0] in admin.page.inner_text("table")
    admin.page.set_viewport_size({"width": 390, "height": 844})
    admin.page.goto(f"{base}/staff/requests")
    assert radicado in admin.page.inner_text("main")
    admin.page.screenshot(path=str(SCREENSHOTS / "list-phone.png"), full_page=True)
    admin.open(radicado)
    assert "María Fernanda López" in admin.page.inner_text("main")
    assert admin.page.query_selector("#classify") is None  # admin reads, AU acts
    admin.page.screenshot(path=str(SCREENSHOTS / "detail-phone.png"), full_page=True)
    admin.close()
