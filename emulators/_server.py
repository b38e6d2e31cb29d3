"""Serve a WSGI app on a free loopback port in a background thread (tests, demo mode, benchmarks)."""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

LOOPBACK = "127.0.0.1"


@dataclass
class RunningServer:
    """A started server; `stop()` shuts it down and joins the thread (also via `with`)."""

    server: BaseWSGIServer
    thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class _QuietHandler(WSGIRequestHandler):
    """No access-log line per request: benchmarks make thousands, and tests read their own output."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def serve_in_thread(wsgi_app, port: int = 0) -> RunningServer:
    """Start `wsgi_app` on 127.0.0.1 (port 0 = any free port) in a daemon thread, threaded per request."""
    server = make_server(LOOPBACK, port, wsgi_app, threaded=True, request_handler=_QuietHandler)
    # A short poll interval makes stop() quick (shutdown waits for the serving loop's next poll).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"emulator-{server.server_port}", daemon=True)
    thread.start()
    return RunningServer(server, thread)


def serve_until_stopped(server: RunningServer) -> None:
    """Block until Ctrl-C or SIGTERM, then stop the server (the emulators' command-line mode)."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
