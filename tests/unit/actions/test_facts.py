"""One source per fact: phones, e-mail, address, links and day counts are written once in
config/ and reach every answer from there."""

from __future__ import annotations

import pytest

from actions.handoff import ActionHandoff
from actions.info import ActionPolicyAnswer
from mara.policy import channels, facts
from mara.policy.messages import message
from mara.settings import ROOT
from tests.unit.actions.conftest import SATURDAY_10, rendered, run_action, tracker_from


def clear_caches() -> None:
    facts.facts.cache_clear()
    channels._read_yaml.cache_clear()
    channels._load_channels_cached.cache_clear()
    channels._load_terms_cached.cache_clear()


@pytest.fixture
def edited_config(tmp_path, monkeypatch):
    """config/channels.yml and config/deadlines.yml copied, with a new AU phone (a one-line
    change) and a 4-day area term."""
    channels_yml = (ROOT / "config" / "channels.yml").read_text(encoding="utf-8")
    assert channels_yml.count("(606) 7314001") == 1
    (tmp_path / "channels.yml").write_text(
        channels_yml.replace("(606) 7314001", "(606) 7000000"), encoding="utf-8"
    )
    deadlines = (ROOT / "config" / "deadlines.yml").read_text(encoding="utf-8")
    (tmp_path / "deadlines.yml").write_text(
        deadlines.replace("area_days: 5", "area_days: 4"), encoding="utf-8"
    )
    monkeypatch.setattr(channels, "DEFAULT_CHANNELS_PATH", tmp_path / "channels.yml")
    monkeypatch.setattr(channels, "DEFAULT_TERMS_PATH", tmp_path / "deadlines.yml")
    clear_caches()
    yield
    clear_caches()


def test_a_new_phone_in_channels_yml_reaches_every_answer(domain, db, monkeypatch, edited_config):
    monkeypatch.setenv("MARA_CLOCK", SATURDAY_10)
    outcome = run_action(
        ActionHandoff(), tracker_from("idle", "un asesor", "human_handoff"), domain
    )
    text = rendered(outcome, domain)
    assert "(606) 7000000" in text and "7314001" not in text
    assert "(606) 7000000" in message("trouble")
    hours = channels.business_calendar().channels["telefono"].contact
    assert hours.startswith("(606) 7000000, opción 0")


def test_day_counts_come_from_deadlines_yml(domain, edited_config):
    outcome = run_action(
        ActionPolicyAnswer(), tracker_from("idle", "plazos", "ask_deadlines"), domain
    )
    block = outcome.messages[0]["text_block"]
    assert "máximo *6 días hábiles*" in block and "tiene 4 días hábiles" in block


@pytest.mark.parametrize("name", ["domain.yml", "config/messages.yml", "config/policies.yml"])
def test_texts_hold_no_copy_of_a_fact(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    for key in ("phone", "toll_free", "email", "web", "street", "whatsapp"):
        assert facts.facts()[key] not in text, (name, key)
    assert "7 días hábiles" not in text and "7:30" not in text
