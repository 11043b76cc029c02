"""Trainers' terminal commands: review list/groups/label/export, model status, and a publish
refused by the gate or for lack of a run (no Rasa needed)."""

from __future__ import annotations

import yaml

from mara.db.unit_of_work import UnitOfWork
from mara.ops.cli import main
from mara.services import nlu_training
from mara.settings import ROOT
from tests.integration.test_nlu_review import parse, receive


def test_review_list_label_and_export(settings, capsys, tmp_path):
    url = settings.database_url
    first = receive(
        url,
        "SM1",
        "me llamo Ana Gómez Restrepo y quiero saber a que horas abren",
        parse("…", "nlu_fallback", 0.3),
    )
    second = receive(url, "SM2", "A QUE HORAS ABREN??", parse("…", "ask_hours", 0.4))
    assert main(["nlu", "review", "list"]) == 0
    listed = capsys.readouterr().out
    assert "me llamo <NOMBRE> y quiero saber" in listed and "Ana" not in listed
    assert main(["nlu", "review", "groups"]) == 0
    assert "# 1 alike" in capsys.readouterr().out

    assert main(["nlu", "review", "label", str(first), str(second), "--intent", "nope"]) == 2
    assert "not an intent" in capsys.readouterr().err
    assert main(["nlu", "review", "label", str(first), str(second), "--intent", "ask_hours"]) == 0
    assert "labelled 2" in capsys.readouterr().out
    assert main(["nlu", "review", "list"]) == 0
    assert capsys.readouterr().out == ""

    out = tmp_path / "reviewed.yml"
    assert main(["nlu", "review", "export", "--out", str(out)]) == 0
    assert "2 example(s)" in capsys.readouterr().out
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["nlu"][0]["intent"] == "ask_hours"
    assert "- me llamo <NOMBRE> y quiero saber a que horas abren" in data["nlu"][0]["examples"]


def test_publish_needs_a_run_and_forcing_needs_a_reason(settings, capsys):
    assert main(["model", "publish"]) == 1
    assert "no successful training run" in capsys.readouterr().err
    assert main(["model", "publish", "--force"]) == 2
    assert "--reason" in capsys.readouterr().err
    with UnitOfWork(settings.database_url) as uow:
        run_id = nlu_training.create_run(uow, "lina")
        nlu_training.start_run(uow, run_id)
        nlu_training.finish_run(
            uow,
            run_id,
            candidate_model="/nonexistent/run.tar.gz",
            live_model=None,
            report={"candidate": {"pqrs_macro_f1": 0.5}},
        )
        uow.commit()
    assert main(["model", "publish", "--run", str(run_id)]) == 1
    assert "no longer on disk" in capsys.readouterr().err
    assert main(["model", "status"]) == 0
    assert f"run #{run_id}\tsucceeded" in capsys.readouterr().out
    assert main(["model", "rollback"]) == 1
    assert "nothing to roll back" in capsys.readouterr().err


def test_one_training_run_at_a_time(settings):
    with UnitOfWork(settings.database_url) as uow:
        first, created = nlu_training.request_run(uow, "lina")
        assert created
        assert nlu_training.request_run(uow, "pedro") == (first, False)
        nlu_training.start_run(uow, first)
        nlu_training.note_progress(uow, first, "train", 40, "Epochs: 50%\n")
        assert nlu_training.request_run(uow, "pedro") == (first, False)
        assert nlu_training.get_run(uow, first).percent == 40
        nlu_training.finish_run(uow, first, error="train failed (exit 1)")
        second, created = nlu_training.request_run(uow, "pedro")
        assert created and second != first
        failed = nlu_training.get_run(uow, first)
        assert (failed.status, failed.step, failed.error) == (
            "failed",
            "failed",
            "train failed (exit 1)",
        )
        assert failed.gate_passed is None


def test_training_is_queued_apart_from_the_messages(settings):
    from redis import Redis
    from rq import Queue

    from mara.adapters.redis_queue import enqueue_training
    from mara.ops.supervisor import commands

    enqueue_training(settings, 7)
    redis = Redis.from_url(settings.redis_url)
    assert Queue("mara-training", connection=redis).job_ids == ["training-7"]
    assert Queue(settings.queue_name, connection=redis).job_ids == []
    trainer = next(
        c for c in commands(settings, ROOT / "models" / "m.tar.gz") if c.name == "trainer"
    )
    assert trainer.argv[-1] == "mara-training"


def test_publication_job_reports_a_refusal(settings):
    from redis import Redis
    from rq import Queue

    from mara.adapters.redis_queue import enqueue_publication
    from mara.jobs.training import publish_or_rollback

    job_id = enqueue_publication(settings, "publish", "lina", run_id=99)
    job = Queue("mara-training", connection=Redis.from_url(settings.redis_url)).fetch_job(job_id)
    assert job.args == ("publish", "lina", 99, False, None)
    assert publish_or_rollback("publish", "lina", 99) == "refused: no training run #99"
    assert publish_or_rollback("rollback", "lina").startswith("refused: nothing to roll back")
