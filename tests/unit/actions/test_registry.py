"""The action server registers exactly the actions domain.yml lists (bases stay abstract)."""

from rasa_sdk.executor import ActionExecutor


def test_every_domain_action_is_registered_and_nothing_else(domain):
    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(executor.actions) == set(domain["actions"])


def test_no_action_module_is_over_500_lines():
    from pathlib import Path

    from mara.settings import ROOT

    sizes = {p.name: len(p.read_text().splitlines()) for p in Path(ROOT, "actions").glob("*.py")}
    assert max(sizes.values()) <= 500, sizes
