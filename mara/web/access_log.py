"""gunicorn's access log for `mara serve`, less the lines nobody reads.

Twilio posts a delivery-status callback for each step of each reply (sent, delivered,
read): on a busy day six for every message a person sends, most of the web's requests. A
callback that was recorded is in the database already (a row of `delivery_events`, and the
message's status, which the ticket page shows), so its access line would only bury the
others and cost the web's CPU. A refused or failed callback (4xx, 5xx) is logged as every
other request is.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from mara.domain.messages import STATUS_CALLBACK_PATH


class AccessLogger(Logger):
    def access(self, resp, req, environ, request_time) -> None:
        recorded = resp.status_code is not None and 200 <= resp.status_code < 300
        if recorded and environ.get("PATH_INFO") == STATUS_CALLBACK_PATH:
            return
        super().access(resp, req, environ, request_time)
