"""A one-shot local HTTP server that receives Intuit's redirect for `quickbooks_sync.py auth`.

It listens on the host and port of QB_REDIRECT_URI (which must point at this machine), answers the one
request for its path with a short page, and hands the query parameters back to the CLI.
"""

from __future__ import annotations

import html
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from tracker.errors import ConfigError
from tracker.settings import is_loopback

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>QuickBooks</title></head>
<body style="font-family: sans-serif; margin: 3em"><h2>{title}</h2><p>{text}</p></body></html>"""


class CallbackServer:
    def __init__(self, redirect_uri: str):
        parts = urlsplit(redirect_uri)
        host = parts.hostname or ""
        if not is_loopback(host):
            raise ConfigError(f"QB_REDIRECT_URI={redirect_uri!r}: the command-line connect listens on this "
                              "machine, so use http://localhost:PORT/callback (and register it at Intuit)")
        self.path = parts.path or "/"
        self.params: dict[str, str] | None = None
        self._done = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                url = urlsplit(self.path)
                if url.path != server.path:
                    self.send_error(404)
                    return
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                ok = "code" in params and "error" not in params
                body = PAGE.format(
                    title="QuickBooks connected" if ok else "QuickBooks was not connected",
                    text="You can close this tab and return to the terminal." if ok else
                    html.escape(params.get("error", "Intuit did not send a code")))
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body.encode())
                server.params = params
                server._done.set()

            def log_message(self, *args):  # keep the code out of the terminal and logs
                pass

        bind = "127.0.0.1" if host in ("localhost", "127.0.0.1") else host
        try:
            self._http = HTTPServer((bind, parts.port or 80), Handler)
        except OSError as exc:
            raise ConfigError(f"QB_REDIRECT_URI={redirect_uri!r}: cannot listen on port {parts.port} ({exc.strerror}); "
                              "stop what uses it or change the port (and register the new address at Intuit)") from None
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def __enter__(self) -> "CallbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._http.shutdown()
        self._http.server_close()

    def wait(self, timeout: float) -> dict[str, str] | None:
        """The callback's query parameters, or None when nothing arrived within `timeout` seconds."""
        return self.params if self._done.wait(timeout) else None
