"""Dependencies point inward: the core never imports an adapter framework."""

import subprocess
import sys

CORE = [
    "mara.domain.calendar",
    "mara.services.filing",
    "mara.domain.messages",
    "mara.clock",
    "mara.db.unit_of_work",
]
ADAPTERS = ["flask", "rasa_sdk", "rq", "twilio"]


def test_core_modules_import_no_adapter():
    code = (
        "import sys\n"
        f"for m in {CORE!r}: __import__(m)\n"
        f"print(sorted(a for a in {ADAPTERS!r} if a in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
