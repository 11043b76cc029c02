"""Throughput settings: worker count, lock TTL, NLU prefix, several Rasa servers."""

from __future__ import annotations

from pathlib import Path

from mara.ops.supervisor import commands
from mara.settings import default_workers, load_settings


def test_defaults_scale_with_the_machine(tmp_path):
    s = load_settings({"MARA_VAR_DIR": str(tmp_path)})
    assert s.workers == default_workers() >= 2
    assert (s.lock_ttl, s.nlu_max_chars) == (10, 1000)
    assert s.rasa_urls == ("http://127.0.0.1:5005",) and s.rasa_url == "http://127.0.0.1:5005"


def test_several_rasa_servers_get_one_child_each_and_workers_one_pool(tmp_path):
    s = load_settings(
        {
            "MARA_VAR_DIR": str(tmp_path),
            "RASA_URL": "http://127.0.0.1:5005/, http://127.0.0.1:5006",
            "MARA_WORKERS": "6",
        }
    )
    assert s.rasa_urls == ("http://127.0.0.1:5005", "http://127.0.0.1:5006")
    children = {c.name: c.argv for c in commands(s, Path("models/m.tar.gz"))}
    assert sorted(children) == ["actions", "rasa", "rasa2", "scheduler", "trainer", "web", "worker"]
    assert children["rasa2"][children["rasa2"].index("--port") + 1] == "5006"
    assert children["worker"][-2:] == ["--processes", "6"]
