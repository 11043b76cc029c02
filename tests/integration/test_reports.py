"""Quarterly report on SQLite and PostgreSQL; its CSV and its PDF (first page to PNG)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime

import numpy as np
import pytest
from PIL import Image

from mara.adapters.report_pdf import render_pdf, summary_png
from mara.db.models import Survey, SurveyResponse
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BOGOTA
from mara.policy.channels import business_calendar
from mara.services.reports import Quarter, quarterly_report, report_csv
from tests.support.tickets import make_ticket


def bog(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=BOGOTA)


NOW = bog(2026, 12, 28)


def survey(url, ticket_id, started_at, answers):
    with UnitOfWork(url) as uow:
        row = Survey(
            ticket_id=ticket_id,
            wa_id="573001112233",
            created_at=started_at,
            due_at=started_at,
            status="completed" if answers else "expired",
            started_at=started_at,
        )
        uow.session.add(row)
        uow.session.flush()
        for question, value in answers.items():
            uow.session.add(
                SurveyResponse(
                    survey_id=row.id,
                    ticket_id=ticket_id,
                    question=question,
                    rating=value if isinstance(value, str) and value != "skip" else None,
                    score=value if isinstance(value, int) else None,
                    skipped=value == "skip",
                    answered_at=started_at,
                )
            )
        uow.commit()


@pytest.fixture
def report(clean_db, monkeypatch, tmp_path):
    monkeypatch.setenv("MARA_VAR_DIR", str(tmp_path / "var"))
    url = clean_db
    t1, _ = make_ticket(url, bog(2026, 12, 4), "queja", area_slug="credito",
                        answered_at=bog(2026, 12, 16, 15), closed_at=bog(2026, 12, 17))  # fmt: skip
    t2, _ = make_ticket(url, bog(2026, 12, 4), "reclamo", area_slug="vivienda",
                        answered_at=bog(2026, 12, 18, 9), closed_at=bog(2026, 12, 18),
                        resarcimiento={"applies": True, "detail": "Bono"})  # fmt: skip
    make_ticket(url, bog(2026, 12, 1), "peticion", channel="telefono")  # unanswered, overdue
    t4, _ = make_ticket(url, bog(2026, 12, 4), "felicitacion", area_slug="credito",
                        answered_at=bog(2026, 12, 10, 11), closed_at=bog(2026, 12, 10),
                        resarcimiento={"applies": False, "detail": ""})  # fmt: skip
    make_ticket(url, bog(2026, 9, 30), "queja", area_slug="credito")  # previous quarter
    first = {"atencion": "excelente", "cumplimiento": "bueno", "oportunidad": "regular",
             "satisfaccion": "deficiente", "recomendacion": 10}  # fmt: skip
    survey(url, t1, bog(2026, 12, 18), first)
    survey(url, t2, bog(2026, 12, 21), {"atencion": "bueno", "cumplimiento": "skip",
                                        "recomendacion": 6})  # fmt: skip
    survey(url, t4, bog(2026, 12, 11), {})
    with UnitOfWork(url) as uow:
        return quarterly_report(uow, Quarter(2026, 4), business_calendar(), NOW)


def test_totals(report):
    totals = report["totals"]
    assert report["quarter"] == "2026-T4"
    assert (totals["received"], totals["answered"], totals["answered_on_time"]) == (4, 3, 2)
    assert totals["on_time_pct"] == 66.7
    assert totals["avg_business_days"] == round((7 + 9 + 3) / 3, 1)
    assert totals["overdue"] == 2  # one answered late, one never answered
    assert totals["resarcimientos"] == 1 and "Resarcimientos" in report["notes"][0]
    satisfaction = totals["satisfaction"]
    scores = {i["key"]: i["score"] for i in satisfaction["indicators"]}
    assert scores == {"atencion": 90.0, "cumplimiento": 80.0, "oportunidad": 60.0,
                      "satisfaccion": 0.0}  # fmt: skip
    assert satisfaction["nps"] == {
        "answers": 2, "promoters": 1, "passives": 0, "detractors": 1, "score": 0.0
    }  # fmt: skip
    assert (satisfaction["surveys_sent"], satisfaction["surveys_answered"]) == (3, 2)
    assert satisfaction["response_rate"] == 66.7


def test_groups(report):
    by_area = {g["key"]: g for g in report["by_area"]}
    assert set(by_area) == {"credito", "vivienda", "sin_area"}
    assert by_area["credito"]["label"] == "Crédito social"
    assert by_area["credito"]["received"] == 2
    assert by_area["credito"]["satisfaction"]["nps"]["score"] == 100.0
    assert by_area["vivienda"]["satisfaction"]["nps"]["score"] == -100.0
    assert by_area["sin_area"]["overdue"] == 1
    by_channel = {g["key"]: g["received"] for g in report["by_channel"]}
    assert by_channel == {"whatsapp": 3, "telefono": 1}
    by_type = {g["key"]: g for g in report["by_type"]}
    assert by_type["queja"]["label"] == "Queja"
    assert by_type["reclamo"]["on_time_pct"] == 0.0


def test_csv_opens_in_excel(report):
    data = report_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    assert "2026-T4" in lines[0]
    assert lines[1].startswith("Dimensión;Grupo;Recibidas")
    assert any(line.startswith("Área;Crédito social;2;") for line in lines)
    assert "66,7" in text


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) missing")
def test_pdf_first_page_renders_with_content(report, tmp_path):
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF")
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
         str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
    )  # fmt: skip
    pixels = np.asarray(Image.open(tmp_path / "page.png").convert("RGB")).astype(int)
    inked = int((pixels.min(axis=2) < 250).sum())
    coloured = int((pixels.max(axis=2) - pixels.min(axis=2) > 60).sum())
    assert inked / (pixels.shape[0] * pixels.shape[1]) > 0.03, "the page is (nearly) blank"
    assert coloured > 500, "no chart colours on the page"


def test_summary_png_for_the_web_page(report):
    assert summary_png(report).startswith(b"\x89PNG")


def test_quarter_parsing():
    assert Quarter.parse("2026-T4") == Quarter(2026, 4)
    assert Quarter.parse("2026q1") == Quarter(2026, 1)
    assert Quarter(2026, 1).last_day.isoformat() == "2026-03-31"
    with pytest.raises(ValueError):
        Quarter.parse("2026-5")


def test_mara_report_writes_csv_and_pdf(report, clean_db, tmp_path):
    import json
    import os
    import sys

    from mara.settings import ROOT
    from tests.conftest import run

    if not clean_db.startswith("sqlite"):
        pytest.skip("the CLI once is enough")
    env = {**os.environ, "DATABASE_URL": clean_db, "MARA_CLOCK": "2026-12-28T10:00:00-05:00"}
    result = run(
        [sys.executable, "-m", "mara.ops.cli", "report", "2026-T4",
         "--csv", str(tmp_path / "r.csv"), "--pdf", str(tmp_path / "r.pdf")],
        env=env, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["received"] == 4
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
