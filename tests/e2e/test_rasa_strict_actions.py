"""nlu/strict_actions.py in Rasa's own environment: inside MARA's channel (strict), an action
server that cannot be connected to abandons the turn; an action server that answers with an
error, and any turn outside the channel, keep Rasa's own behaviour."""

from __future__ import annotations

from tests.support.rasa_env import run_in_rasa

SCRIPT = """
import asyncio, json, socket, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig
from nlu import strict_actions

class Failing(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass

failing = HTTPServer(("127.0.0.1", 0), Failing)
threading.Thread(target=failing.serve_forever, daemon=True).start()
closed = socket.socket()
closed.bind(("127.0.0.1", 0))
closed_port = closed.getsockname()[1]
closed.close()  # nothing listens there

domain = Domain.from_dict({"actions": ["action_test"]})

async def outcome(url, strict):
    action = RemoteAction("action_test", EndpointConfig(url))
    tracker = DialogueStateTracker("someone", domain.slots)
    try:
        if strict:
            with strict_actions.strict():
                await action.run(None, None, tracker, domain)
        else:
            await action.run(None, None, tracker, domain)
        return "ran"
    except strict_actions.ActionServerUnreachable:
        return "abandoned"
    except RasaException:
        return "rasa error"

strict_actions.install()
strict_actions.install()
urls = {
    "closed": f"http://127.0.0.1:{closed_port}/webhook",
    "failing": f"http://127.0.0.1:{failing.server_port}/webhook",
}
out = {
    f"{name} {'strict' if strict else 'stock'}": asyncio.run(outcome(url, strict))
    for name, url in urls.items()
    for strict in (True, False)
}
print(json.dumps(out))
"""


def test_only_an_unreachable_action_server_inside_the_channel_abandons_the_turn():
    assert run_in_rasa(SCRIPT) == {
        "closed strict": "abandoned",
        "closed stock": "rasa error",
        "failing strict": "rasa error",
        "failing stock": "rasa error",
    }
