"""A closed request's satisfaction survey through the whole MARA: `mara sweep` starts it with
the approved template, the person answers through the signed webhook (real web, workers,
Rasa next door), and the quarterly report and its PDF show the answers."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime

from mara.domain.calendar import BOGOTA
from mara.settings import ROOT
from tests.conftest import run
from tests.support.tickets import make_ticket

WA = "573090000001"
TEMPLATE = "HX" + "9" * 32


def test_closed_request_survey_answered_on_whatsapp_and_reported(stack, twilio_api, tmp_path):
    url = stack.settings.database_url
    # Closed Friday 12-04 afternoon: the survey is due Monday 12-07 at 10:00, after the
    # stack's own clock (12-04 10:00), so only the sweep below starts it.
    _, radicado = make_ticket(
        url,
        datetime(2026, 11, 27, 9, tzinfo=BOGOTA),
        "reclamo",
        status="cerrado",
        wa_id=WA,
        area_slug="credito",
        answered_at=datetime(2026, 12, 3, 11, tzinfo=BOGOTA),
        closed_at=datetime(2026, 12, 4, 15, tzinfo=BOGOTA),
    )
    env = {
        **os.environ,
        **stack.env,
        "MARA_CLOCK": "2026-12-07T10:05:00-05:00",
        "TWILIO_TEMPLATE_SURVEY_SID": TEMPLATE,
    }
    sweep = run([sys.executable, "-m", "mara.ops.cli", "sweep"], env=env, cwd=ROOT)
    assert sweep.returncode == 0, sweep.stderr
    lines = [json.loads(line) for line in sweep.stdout.splitlines()]
    assert {"job": "survey", "radicado": radicado, "status": "invited"} in lines

    (invite,) = twilio_api.wait_for(1, to=f"whatsapp:+{WA}")
    assert invite.form["ContentSid"] == TEMPLATE and radicado in invite.form["ContentVariables"]

    assert stack.turn(WA, "sí, claro")[0].startswith("1/5")
    assert stack.turn(WA, "excelente")[0].startswith("2/5")
    assert stack.turn(WA, "bien")[0].startswith("3/5")
    assert stack.turn(WA, "saltar")[0].startswith("4/5")
    assert stack.turn(WA, "regular")[0].startswith("5/5")
    assert stack.turn(WA, "9")[0].startswith("¡Gracias")
    # The survey is over: the bot answers again.
    assert not stack.turn(WA, "hola")[0].startswith(("1/5", "¡Gracias"))

    pdf = tmp_path / "informe.pdf"
    report = run(
        [sys.executable, "-m", "mara.ops.cli", "report", "2026-T4", "--pdf", str(pdf)],
        env={**env, "MARA_CLOCK": "2026-12-28T10:00:00-05:00"},
        cwd=ROOT,
    )
    assert report.returncode == 0, report.stderr
    credito = next(g for g in json.loads(report.stdout)["by_area"] if g["key"] == "credito")
    satisfaction = credito["satisfaction"]
    scores = {i["key"]: i["score"] for i in satisfaction["indicators"]}
    assert scores == {
        "atencion": 100.0,
        "cumplimiento": 80.0,
        "oportunidad": None,
        "satisfaccion": 60.0,
    }
    assert satisfaction["nps"]["score"] == 100.0
    assert satisfaction["response_rate"] == 100.0
    assert pdf.read_bytes().startswith(b"%PDF")
