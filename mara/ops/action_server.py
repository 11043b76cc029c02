"""The rasa-sdk action server as MARA runs it: loopback only, and every call needs the token.

The actions read and write people's personal data (name, document, phone, e-mail), so
an unauthenticated `/webhook` would hand them to anyone who can reach the port. Rasa's
action endpoint sends `token: ${MARA_ACTIONS_TOKEN}` (endpoints.yml) as the query
parameter `token=`; this launcher refuses any other request with 401.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os

from sanic import Sanic, response
from sanic.request import Request

log = logging.getLogger(__name__)

# /health says only "ok": readiness checks and the worker's pre-turn check need no secret.
OPEN_PATHS = frozenset({"/health"})


def _supplied_token(request: Request) -> str:
    token = request.args.get("token")
    if token:
        return token
    header = request.headers.get("authorization", "")
    return header[7:] if header.lower().startswith("bearer ") else ""


def create_app(token: str, actions_package: str = "actions") -> Sanic:
    """rasa-sdk's own app, with a token check in front and errors that quote nothing."""
    if not token:
        raise ValueError("the action server needs a token (MARA_ACTIONS_TOKEN)")
    from rasa_sdk.endpoint import create_app as sdk_create_app

    # No CORS: no browser has any business calling the action server.
    app = sdk_create_app(actions_package, cors_origins=None)
    expected = token.encode()

    @app.middleware("request")
    async def require_token(request: Request):
        if request.path in OPEN_PATHS:
            return None
        if not hmac.compare_digest(_supplied_token(request).encode(), expected):
            log.warning(
                "action server: refused %s %s without a valid token", request.method, request.path
            )
            return response.json({"error": "unauthorized"}, status=401)
        return None

    async def quiet_errors(request: Request, exception: Exception):
        # rasa-sdk's handler echoes the request body (the tracker: personal data) back.
        log.error(
            "action server: %s in %s", type(exception).__name__, request.path, exc_info=exception
        )
        return response.json({"error": type(exception).__name__}, status=500)

    app.error_handler.add(Exception, quiet_errors)
    return app


def main(argv: list[str] | None = None) -> None:
    from mara.logs import configure_logging
    from mara.settings import load_settings

    parser = argparse.ArgumentParser(prog="mara-actions", description=__doc__)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument(
        "--host",
        default=os.environ.get("MARA_ACTIONS_HOST", "127.0.0.1"),
        help="interface to listen on (loopback by default: Rasa runs on the same machine)",
    )
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging("actions")
    app = create_app(settings.actions_token, args.actions)
    port = args.port or settings.action_server_port
    log.info("action server listening on %s:%s", args.host, port)
    app.run(args.host, port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
