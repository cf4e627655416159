"""A loopback FHIR server that misbehaves on purpose, and an "elsewhere" that must stay unvisited.

Each behaviour is a path prefix: the FHIR base URL `server.base_url("slow")` is
`http://127.0.0.1:<port>/slow/fhir`, and every request under it behaves that way.

    with Elsewhere() as elsewhere, MisbehavingFhir(elsewhere.origin) as server:
        ...  # call the service with fhirServer=server.base_url("redirect")
        assert elsewhere.requests == []

Behaviours (`BEHAVIOURS`):

    ok            Patient/<id> is a Patient, Condition? is a breast-cancer Condition,
                  every other search an empty searchset
    out-of-scope  Patient/<id> and Condition? answer (no breast cancer); all else HTTP 500
    slow          nothing for 30 s (the service's budget is shorter)
    status-500    HTTP 500 with an OperationOutcome
    status-401    HTTP 401 with WWW-Authenticate
    invalid-json  HTTP 200, application/fhir+json, a body that is not JSON
    huge          HTTP 200, a 50 MB JSON string, streamed chunk by chunk
    next-elsewhere  searchsets whose `next` link points at the elsewhere listener
    redirect      HTTP 302 to the same path at the elsewhere listener

Both servers are `ThreadingHTTPServer`s on a free port of 127.0.0.1; threads are
daemons and a slow or huge answer stops as soon as the server closes or the client
hangs up, so nothing outlives the test.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

FHIR_JSON = "application/fhir+json"
SLOW_SECONDS = 30.0
HUGE_BYTES = 50 * 1024 * 1024
_CHUNK = b"x" * (256 * 1024)

BEHAVIOURS = (
    "ok",
    "out-of-scope",
    "slow",
    "status-500",
    "status-401",
    "invalid-json",
    "huge",
    "next-elsewhere",
    "redirect",
)

BREAST_CANCER = {"system": "http://snomed.info/sct", "code": "254837009"}
ASTHMA = {"system": "http://snomed.info/sct", "code": "195967001"}


@dataclass(frozen=True, slots=True)
class SeenRequest:
    method: str
    path: str
    authorization: str | None


def _patient(patient_id: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": patient_id, "gender": "female"}


def _searchset(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": 0}
    if resources:
        bundle["entry"] = [{"resource": r} for r in resources]
        bundle["total"] = len(resources)
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def _condition(code: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"cond-{code['code']}",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"coding": [code]},
        "subject": {"reference": "Patient/any"},
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The service opens one connection per prefetch key at once; with the default
    # backlog of 5 the kernel drops the other SYNs and the client retries after 1 s.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Silent for clients that hang up mid-answer (the point of `slow` and `huge`)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Listener:
    """A threaded HTTP server on a free loopback port that records every request."""

    def __init__(self) -> None:
        self.requests: list[SeenRequest] = []
        self.closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def respond(self, handler: _Handler) -> None:
        raise NotImplementedError

    def _handler_class(self) -> type[_Handler]:
        listener = self

        class Handler(_Handler):
            owner: ClassVar[_Listener] = listener

        return Handler

    def __enter__(self) -> _Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    owner: ClassVar[_Listener]
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.owner.requests.append(SeenRequest("GET", self.path, self.headers.get("Authorization")))
        # The client hanging up (budget, size cap) is exactly what is tested.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.owner.respond(self)

    def send_json(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
        self.send_raw(status, json.dumps(document).encode(), headers)

    def send_raw(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", FHIR_JSON)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test asserts on `requests`, not on stderr."""


class Elsewhere(_Listener):
    """Another origin. A correct service never sends it a request, least of all a token."""

    def respond(self, handler: _Handler) -> None:
        handler.send_json(200, _searchset())

    def __enter__(self) -> Elsewhere:
        super().__enter__()
        return self


class MisbehavingFhir(_Listener):
    def __init__(self, elsewhere_origin: str) -> None:
        super().__init__()
        self.elsewhere_origin = elsewhere_origin

    def base_url(self, behaviour: str) -> str:
        assert behaviour in BEHAVIOURS, behaviour
        return f"{self.origin}/{behaviour}/fhir"

    def __enter__(self) -> MisbehavingFhir:
        super().__enter__()
        return self

    def respond(self, handler: _Handler) -> None:
        behaviour, _, rest = handler.path.lstrip("/").partition("/fhir/")
        resource_type = rest.split("?")[0].split("/")[0]
        if behaviour in ("ok", "out-of-scope"):
            self._answer(handler, behaviour, resource_type, rest)
        elif behaviour == "slow":
            self.closing.wait(SLOW_SECONDS)
            handler.send_json(200, _searchset())
        elif behaviour == "status-500":
            outcome = {"resourceType": "OperationOutcome", "issue": [{"code": "exception"}]}
            handler.send_json(500, outcome)
        elif behaviour == "status-401":
            handler.send_json(401, {}, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        elif behaviour == "invalid-json":
            handler.send_raw(200, b'{"resourceType": "Bundle", "entry": [')
        elif behaviour == "huge":
            self._huge(handler)
        elif behaviour == "next-elsewhere":
            if resource_type == "Patient":
                handler.send_json(200, _patient(rest.split("/")[1]))
            else:
                handler.send_json(200, _searchset(next_url=f"{self.elsewhere_origin}/fhir/{rest}"))
        elif behaviour == "redirect":
            handler.send_response(302)
            handler.send_header("Location", f"{self.elsewhere_origin}/fhir/{rest}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        else:
            handler.send_json(404, {"resourceType": "OperationOutcome", "issue": []})

    @staticmethod
    def _answer(handler: _Handler, behaviour: str, resource_type: str, rest: str) -> None:
        if resource_type == "Patient":
            handler.send_json(200, _patient(rest.split("/")[1]))
        elif resource_type == "Condition":
            code = BREAST_CANCER if behaviour == "ok" else ASTHMA
            handler.send_json(200, _searchset(_condition(code)))
        elif behaviour == "ok":
            handler.send_json(200, _searchset())
        else:
            handler.send_json(500, {"resourceType": "OperationOutcome", "issue": []})

    def _huge(self, handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", FHIR_JSON)
        handler.send_header("Content-Length", str(HUGE_BYTES + 2))
        handler.end_headers()
        handler.wfile.write(b'"')
        sent = 0
        while sent < HUGE_BYTES and not self.closing.is_set():
            handler.wfile.write(_CHUNK)
            sent += len(_CHUNK)
        handler.wfile.write(b'"')
