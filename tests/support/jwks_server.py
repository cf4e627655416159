"""A real HTTP server on 127.0.0.1 that serves JWK Sets, for auth tests.

    with JwksServer() as server:
        url = server.publish("/ehr/jwks.json", {"keys": [public_jwk]})
        ...                                   # the verifier fetches `url` over TCP
        server.publish("/ehr/jwks.json", {"keys": [rotated_jwk]})   # key rotation
        assert server.hits["/ehr/jwks.json"] == 1

Unknown paths answer 404. Documents can be replaced at any time (thread-safe).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class JwksServer:
    """Serves JSON documents by path on a free loopback port, counting requests."""

    def __init__(self) -> None:
        self._documents: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def publish(self, path: str, document: dict[str, Any] | bytes) -> str:
        """Serve `document` (JSON-encoded unless bytes) at `path`; returns its URL."""
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        with self._lock:
            self._documents[path] = body
        return self.base_url + path

    def _get(self, path: str) -> bytes | None:
        with self._lock:
            self.hits[path] += 1
            return self._documents.get(path)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = server._get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
