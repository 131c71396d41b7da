"""A real HTTP server on a background thread, for the local stand-ins of the services the portal
talks to (DKIST's metadata store and Globus, ALMA's NGAS): started and stopped as a context manager,
or served in the foreground from their command lines. Tests and the demo only; production code
never imports it.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs only when its server is ``verbose``."""

    def send(self, status: int, body: bytes, content_type: str = "application/json", headers=()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


class BackgroundServer:
    """``handler`` served on ``host:port`` (0: a free port); ``state`` is given to the handler as
    ``self.server.state``."""

    name = "local-server"

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], state: Any, *, host="127.0.0.1", port=0, verbose=False
    ):
        self._http = ThreadingHTTPServer((host, port), handler)
        self._http.daemon_threads = True
        self._http.state = state
        self._http.verbose = verbose
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        # A short poll interval lets stop() return quickly.
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        if self._thread is not None:
            self._thread.join()

    def serve_forever(self) -> None:
        try:
            self._http.serve_forever()
        finally:
            self._http.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
