"""Publish and rollback against the running Rasa: the model is swapped without a restart
(`PUT /model`), the bot keeps answering through the signed webhook, and the previous model
comes back on rollback."""

from __future__ import annotations

import shutil

from mara.adapters import rasa_training as training
from mara.db.unit_of_work import UnitOfWork
from mara.services import model_publishing, nlu_training


def test_publish_swaps_the_live_model_and_rollback_restores_it(stack, model, tmp_path):
    root = tmp_path / "root"
    (root / "models" / "candidates").mkdir(parents=True)
    live = root / "models" / model.name
    shutil.copy2(model, live)
    # The candidate is the same model under a run's name: the swap is what is tested here
    # (the gate's figures on real models are tests/e2e/test_training_gate.py's).
    candidate = root / "models" / "candidates" / "run-1.tar.gz"
    shutil.copy2(model, candidate)
    url, rasa_url = stack.settings.database_url, stack.settings.rasa_url
    token = training.rasa_api_token()
    with UnitOfWork(url) as uow:
        run_id = nlu_training.create_run(uow, "lina")
        nlu_training.start_run(uow, run_id)
        nlu_training.finish_run(
            uow,
            run_id,
            candidate_model=str(candidate.resolve()),
            live_model=str(live.resolve()),
            report={"candidate": {"pqrs_macro_f1": 0.9}, "live": {"pqrs_macro_f1": 0.9}},
        )
        uow.commit()

    published = model_publishing.publish(url, rasa_url, "lina", run_id=run_id, root=root)
    assert training.rasa_model_file(rasa_url, token) == "run-1.tar.gz"
    assert training.live_model(root) == published.model
    assert "Soy MARA" in "\n".join(stack.turn("573015550001", "hola"))

    back = model_publishing.rollback(url, rasa_url, "lina", root=root)
    assert training.rasa_model_file(rasa_url, token) == model.name
    assert back.model.name == model.name and training.live_model(root) == back.model
    assert "Soy MARA" in "\n".join(stack.turn("573015550002", "hola"))
