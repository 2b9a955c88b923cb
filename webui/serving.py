"""`safeloop serve`'s request handler: the app, not http.server, answers a request line too long to read.

http.server reads at most 64 KiB of a request line and answers a longer one with its own bare HTML 414. This
handler passes such a request to the app instead — its path cut to what was read, marked with
`request_limits.URI_TOO_LONG` — so that `/api/` gets the API's JSON 414 and pages the error page, as for a URL
between the app's own limit and 64 KiB. (gunicorn, in production, has no such hook: see docs/operations.md.)
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from werkzeug.serving import WSGIRequestHandler
from werkzeug.test import EnvironBuilder

from webui.request_limits import URI_TOO_LONG

PATH_KEPT = 2048  # enough of the cut path to route the answer (/api/… or a page)


class RequestHandler(WSGIRequestHandler):
    """werkzeug's development handler, with the app's answer to an over-long request line."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != HTTPStatus.REQUEST_URI_TOO_LONG or not getattr(self, "raw_requestline", b""):
            super().send_error(code, message, explain)
            return
        self._answer_from_app()

    def _answer_from_app(self) -> None:
        parts = self.raw_requestline.split(b" ", 2)
        target = parts[1] if len(parts) > 1 else b"/"
        path = target.split(b"?", 1)[0][:PATH_KEPT].decode("latin-1") or "/"
        environ = EnvironBuilder(path=path if path.startswith("/") else "/", method="GET",
                                 environ_overrides={URI_TOO_LONG: True,
                                                    "REMOTE_ADDR": self.client_address[0]}).get_environ()
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            answer.update(status=status, headers=headers)

        body = b"".join(self.server.app(environ, start_response))  # type: ignore[attr-defined]
        self.send_response(int(answer["status"].split()[0]))
        for name, value in answer["headers"]:
            if name.lower() not in ("connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True
