"""The trainer workspace of the staff web (/staff/training): each route's login, role and
CSRF checks, the masked inbox and its labels, "Entrenar" queued apart and exporting the
labels masked, the comparison page, the publish gate (and an admin's override), rollback."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from redis import Redis
from rq import Queue, SimpleWorker

from mara.db.unit_of_work import UnitOfWork
from mara.services import nlu_training
from mara.settings import ROOT
from tests.integration.test_nlu_review import PERSONAL, conversation  # noqa: F401
from tests.support.staff import create_users, csrf_token, login, token_for
from webhook import create_app

TRAINING_QUEUE = "mara-training"
ENDPOINTS = {
    ("GET", "/staff/training"),
    ("POST", "/staff/training/label"),
    ("POST", "/staff/training/train"),
    ("GET", "/staff/training/runs/<int:run_id>"),
    ("GET", "/staff/training/runs/<int:run_id>/status.json"),
    ("GET", "/staff/training/runs/<int:run_id>/confusion-<which>.png"),
    ("POST", "/staff/training/runs/<int:run_id>/publish"),
    ("POST", "/staff/training/rollback"),
}


def png(path: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.imshow([[3, 1], [0, 4]])
    fig.savefig(path)
    plt.close(fig)
    return str(path)


def scores(f1: float, png_path: str, error: str = "me cobraron doble") -> dict:
    """A held-out report as mara.adapters.rasa_evaluation.report writes it."""
    per = {"precision": f1, "recall": f1, "f1": f1, "support": 10}
    return {
        "examples": 20,
        "accuracy": f1,
        "pqrs_macro_f1": f1,
        "per_pqrs_type": {t: per for t in ("queja", "reclamo")},
        "per_intent": {"pqrs_queja": per, "ask_hours": per},
        "confusion_png": png_path,
        "errors": [
            {
                "text": error,
                "expected": "pqrs_reclamo",
                "predicted": "pqrs_queja",
                "confidence": 0.41,
            }
        ],
    }


@pytest.fixture
def root(tmp_path, monkeypatch):
    """The training root (MARA_TRAINING_ROOT): the real domain, a live model file, and an
    empty Rasa environment (a training started here fails at its first Rasa step)."""
    root = tmp_path / "training-root"
    (root / "models").mkdir(parents=True)
    (root / "data" / "nlu").mkdir(parents=True)
    (root / ".venv-rasa").mkdir()
    shutil.copy(ROOT / "domain.yml", root / "domain.yml")
    (root / "models" / "mara-live.tar.gz").write_bytes(b"model")
    monkeypatch.setenv("MARA_TRAINING_ROOT", str(root))
    return root


@pytest.fixture
def app(settings, root):
    app = create_app(replace(settings, training_root=root))
    create_users(settings.database_url)
    return app


def signed_in(app, who: str):
    client = app.test_client()
    assert login(client, who).status_code == 302
    return client


def finished_run(app, root: Path, candidate_f1: float, live_f1: float) -> int:
    url = app.config["MARA_SETTINGS"].database_url
    candidate = root / "models" / "candidates" / "run-x.tar.gz"
    candidate.parent.mkdir(exist_ok=True)
    candidate.write_bytes(b"candidate")
    report = {
        "candidate": scores(candidate_f1, png(root / "candidate.png")),
        "live": scores(live_f1, png(root / "live.png"), error="a que horas abren"),
    }
    with UnitOfWork(url) as uow:
        run_id = nlu_training.create_run(uow, "Trainer <trainer@comfenalco.test>")
        nlu_training.start_run(uow, run_id)
        nlu_training.finish_run(
            uow,
            run_id,
            candidate_model=str(candidate.resolve()),
            live_model=str((root / "models" / "mara-live.tar.gz").resolve()),
            report=report,
        )
        uow.commit()
    return run_id


def training_jobs(settings) -> list:
    queue = Queue(TRAINING_QUEUE, connection=Redis.from_url(settings.redis_url))
    return [queue.fetch_job(i) for i in queue.job_ids]


def work_off_training_queue(settings) -> None:
    redis = Redis.from_url(settings.redis_url)
    SimpleWorker([Queue(TRAINING_QUEUE, connection=redis)], connection=redis).work(burst=True)


def trainer_rules(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("staff.training")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_trainer_route_checks_login_role_and_csrf(app, root):
    assert trainer_rules(app) == ENDPOINTS
    run_id = finished_run(app, root, 0.9, 0.8)
    paths = {
        rule: rule.replace("<int:run_id>", str(run_id)).replace("<which>", "candidate")
        for _, rule in ENDPOINTS
    }
    anonymous = app.test_client()
    token = token_for(anonymous)
    for method, rule in ENDPOINTS:
        response = anonymous.open(paths[rule], method=method, data={"csrf_token": token})
        assert response.status_code == 302, (method, rule)
        assert response.location.startswith("/staff/login"), (method, rule)
    for who in ("au", "area"):
        client = signed_in(app, who)
        token = token_for(client)
        for method, rule in ENDPOINTS:
            response = client.open(paths[rule], method=method, data={"csrf_token": token})
            assert response.status_code == 403, (who, method, rule)
    for who in ("trainer", "admin"):
        client = signed_in(app, who)
        assert "Entrenamiento" in client.get("/staff/home").text
        for method, rule in ENDPOINTS:
            if method == "GET":
                assert client.get(paths[rule]).status_code == 200, (who, rule)
            else:
                assert client.post(paths[rule], data={"ids": "1"}).status_code == 400, rule
    assert training_jobs(app.config["MARA_SETTINGS"]) == []
    au = signed_in(app, "au")
    assert "Entrenamiento" not in au.get("/staff/requests").text


def test_inbox_is_masked_labels_go_in_bulk_and_training_exports_them_masked(
    app,
    root,
    conversation,  # noqa: F811
):
    settings = app.config["MARA_SETTINGS"]
    client = signed_in(app, "trainer")
    assert login(app.test_client(), "trainer").location == "/staff/"
    page = client.get("/staff/training").text
    assert "me llamo &lt;NOMBRE&gt; cc &lt;DOCUMENTO&gt; y nadie me contesta" in page
    assert "Reclasificado por AU" in page and "No entendido" in page
    token = csrf_token(page)

    # One row's form labels its group; the bulk form takes several checked groups.
    unsure, again = conversation["unsure"], conversation["same_again"]
    response = client.post(
        "/staff/training/label",
        data={"csrf_token": token, "ids": f"{unsure}", "intent": "pqrs_queja", "action": "label"},
        follow_redirects=True,
    )
    assert "1 mensaje(s) etiquetado(s) como «pqrs_queja»" in response.text
    response = client.post(
        "/staff/training/label",
        data={
            "csrf_token": token,
            "ids": [f"{again}", f"{conversation['reclassified']}"],
            "intent": "pqrs_reclamo",
            "action": "label",
        },
        follow_redirects=True,
    )
    assert "2 mensaje(s) etiquetado(s) como «pqrs_reclamo»" in response.text
    response = client.post(
        "/staff/training/label",
        data={"csrf_token": token, "ids": f"{conversation['hours']}", "action": "noise"},
        follow_redirects=True,
    )
    assert "1 mensaje(s) marcado(s) como ruido" in response.text
    assert "No hay mensajes por revisar" in response.text
    for data, expected in (
        ({"ids": f"{unsure}", "intent": "no_such_intent"}, "no existe"),
        ({"ids": f"{unsure}"}, "Escoge una intención"),
        ({"intent": "pqrs_queja"}, "Marca al menos un mensaje"),
    ):
        response = client.post(
            "/staff/training/label", data={"csrf_token": token, **data}, follow_redirects=True
        )
        assert expected in response.text

    # "Entrenar": one run, queued for the training worker, which exports the labels first.
    response = client.post("/staff/training/train", data={"csrf_token": token})
    run_path = response.location
    again_response = client.post(
        "/staff/training/train", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Ya hay un entrenamiento en curso" in again_response.text
    [job] = training_jobs(settings)
    assert job.func_name == "mara.jobs.training.train_and_evaluate"
    assert job.kwargs == {"export_reviewed": True}
    assert run_path == f"/staff/training/runs/{job.args[0]}"
    assert "En cola" in client.get(run_path).text
    work_off_training_queue(settings)

    exported = (root / "data" / "nlu" / "reviewed.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(exported)
    assert {b["intent"] for b in data["nlu"]} == {"pqrs_queja", "pqrs_reclamo"}
    assert "<NOMBRE>" in exported and "<CORREO>" in exported and "<DOCUMENTO>" in exported
    run_page = client.get(run_path).text
    assert "El entrenamiento falló" in run_page  # this root has no Rasa to validate with
    assert "3 labelled example(s) written to data/nlu/reviewed.yml" in run_page
    status = client.get(f"{run_path}/status.json").get_json()
    assert status == {"status": "failed", "step": "failed", "percent": 0, "publication": None}
    everything = [exported, run_page, page, client.get("/staff/training").text]
    for secret in PERSONAL:
        for text in everything:
            assert secret.lower() not in text.lower(), secret


def test_the_comparison_and_a_publication_the_gate_lets_through(app, root):
    settings = app.config["MARA_SETTINGS"]
    run_id = finished_run(app, root, 0.9, 0.8)
    client = signed_in(app, "trainer")
    page = client.get(f"/staff/training/runs/{run_id}").text
    assert "0.900" in page and "0.800" in page and "Se puede publicar" in page
    assert "me cobraron doble" in page  # the candidate's errors, not the live model's
    assert "a que horas abren" not in page
    assert 'id="force-form"' not in page
    image = client.get(f"/staff/training/runs/{run_id}/confusion-live.png")
    assert image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    assert client.get(f"/staff/training/runs/{run_id}/confusion-other.png").status_code == 404
    assert client.get("/staff/training/runs/999").status_code == 404

    response = client.post(
        f"/staff/training/runs/{run_id}/publish",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert "Publicando el candidato" in response.text and "en curso" in response.text
    [job] = training_jobs(settings)
    assert job.args == ("publish", "Trainer <trainer@comfenalco.test>", run_id, False, None)
    status = client.get(f"/staff/training/runs/{run_id}/status.json").get_json()
    assert status["publication"] == "pending"
    # No Rasa is running here: the job refuses, and the page says why.
    work_off_training_queue(settings)
    page = client.get(f"/staff/training/runs/{run_id}").text
    assert "no se hizo: Rasa is not running" in page
    assert (root / "models" / "LIVE").exists() is False


def test_the_gate_refuses_a_worse_candidate_and_only_an_admin_overrides_it(app, root):
    settings = app.config["MARA_SETTINGS"]
    run_id = finished_run(app, root, 0.7, 0.8)
    trainer = signed_in(app, "trainer")
    page = trainer.get(f"/staff/training/runs/{run_id}").text
    assert "El candidato es peor" in page and 'id="force-form"' not in page
    token = csrf_token(page)
    response = trainer.post(
        f"/staff/training/runs/{run_id}/publish", data={"csrf_token": token}, follow_redirects=True
    )
    assert "No se publicó: el macro-F1 de PQRS del candidato (0.700)" in response.text
    assert "(0.800)" in response.text
    forced = {"csrf_token": token, "force": "1", "reason": "urgente"}
    assert trainer.post(f"/staff/training/runs/{run_id}/publish", data=forced).status_code == 403
    assert training_jobs(settings) == []

    admin = signed_in(app, "admin")
    page = admin.get(f"/staff/training/runs/{run_id}").text
    assert 'id="force-form"' in page and 'name="reason"' in page
    token = csrf_token(page)
    response = admin.post(
        f"/staff/training/runs/{run_id}/publish",
        data={"csrf_token": token, "force": "1", "reason": "  "},
        follow_redirects=True,
    )
    assert "escribe el motivo" in response.text
    assert training_jobs(settings) == []
    admin.post(
        f"/staff/training/runs/{run_id}/publish",
        data={"csrf_token": token, "force": "1", "reason": "el conjunto de prueba cambió"},
    )
    [job] = training_jobs(settings)
    assert job.args == (
        "publish",
        "Admin <admin@comfenalco.test>",
        run_id,
        True,
        "el conjunto de prueba cambió",
    )


def test_a_run_against_an_older_live_model_is_not_published(app, root):
    run_id = finished_run(app, root, 0.9, 0.8)
    # `mara train` made another model since the run compared against the live one.
    os.utime(root / "models" / "mara-live.tar.gz", (1, 1))
    (root / "models" / "mara-newer.tar.gz").write_bytes(b"trained since")
    client = signed_in(app, "trainer")
    token = csrf_token(client.get(f"/staff/training/runs/{run_id}").text)
    response = client.post(
        f"/staff/training/runs/{run_id}/publish", data={"csrf_token": token}, follow_redirects=True
    )
    assert "el modelo en uso cambió" in response.text
    assert training_jobs(app.config["MARA_SETTINGS"]) == []


def test_rollback_is_queued_and_its_refusal_shown(app):
    settings = app.config["MARA_SETTINGS"]
    client = signed_in(app, "trainer")
    token = csrf_token(client.get("/staff/training").text)
    response = client.post(
        "/staff/training/rollback", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Restaurando el modelo anterior" in response.text
    [job] = training_jobs(settings)
    assert job.args == ("rollback", "Trainer <trainer@comfenalco.test>", None, False, None)
    work_off_training_queue(settings)
    page = client.get("/staff/training").text
    assert "Restauración: no se hizo: nothing to roll back to" in " ".join(page.split())
    # Once RQ forgets the job's result, the page no longer speaks of it.
    Redis.from_url(settings.redis_url).flushdb()
    assert 'id="job"' not in client.get("/staff/training").text
