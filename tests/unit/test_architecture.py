"""Dependencies point inward: the core never imports an adapter framework."""

import subprocess
import sys

CORE = ["bot.calendar", "bot.services", "bot.whatsapp", "bot.clock", "bot.unit_of_work"]
ADAPTERS = ["flask", "rasa_sdk", "rq", "twilio"]


def test_core_modules_import_no_adapter():
    code = (
        "import sys\n"
        f"for m in {CORE!r}: __import__(m)\n"
        f"print(sorted(a for a in {ADAPTERS!r} if a in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
