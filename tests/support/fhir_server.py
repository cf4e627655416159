"""A real FHIR R4 server for tests of the fetch path, loaded with the demo patients.

The server is tests/fhir_server/server.mjs (Medplum's FhirRouter over an in-memory
repository) on a free loopback port, started once per session. Every Bundle in
fhir_fixtures/patients/ is loaded with its relative dates resolved against
`fhir_server.now`, so evaluate rules at that instant.

    def test_fetch_sends_token(fhir_server: FhirServer) -> None:
        fhir_server.set_behaviour(required_token="abc", delay_ms=200)
        ...  # point the client at fhir_server.base_url
        assert fhir_server.requests()[-1].authorization == "Bearer abc"

Each test that uses `fhir_server` starts with an empty request log and the default
behaviour (no delay, no token required, no injected status); the data persists.

Without node or npm on PATH the tests skip, saying why; with CDS_REQUIRE_FHIR_SERVER=1
(as in CI) they fail instead. A failing `npm ci` or server start always fails.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

from cds_service.devtools.relative_dates import resolve

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_DIR = REPO_ROOT / "tests" / "fhir_server"
PATIENTS_DIR = REPO_ROOT / "fhir_fixtures" / "patients"
NODE_22 = SERVER_DIR / "node_modules" / ".bin" / "node"
REQUIRE_ENV = "CDS_REQUIRE_FHIR_SERVER"

INSTALL_TIMEOUT_SECONDS = 600
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 5
FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One FHIR request as the server saw it; `path` includes the query string."""

    method: str
    path: str
    authorization: str | None


class FhirServer:
    """Handle on the running server: where it is, the data's clock, and its test controls."""

    def __init__(self, origin: str, now: datetime) -> None:
        self.origin = origin
        self.base_url = f"{origin}/fhir/R4"
        self.now = now
        self._admin = httpx.Client(base_url=f"{origin}/__admin", timeout=10)

    def set_behaviour(
        self, *, delay_ms: int = 0, required_token: str | None = None, status: int | None = None
    ) -> None:
        """Replace the whole behaviour: every FHIR response is delayed by `delay_ms`,
        answered 401 unless it carries `Bearer <required_token>`, or answered `status`."""
        body = {"delayMs": delay_ms, "requiredToken": required_token, "status": status}
        self._admin.post("/behaviour", json=body).raise_for_status()

    def requests(self) -> list[RecordedRequest]:
        """FHIR requests received since the last reset, oldest first."""
        response = self._admin.get("/requests")
        response.raise_for_status()
        return [RecordedRequest(**entry) for entry in response.json()]

    def reset(self) -> None:
        """Clear the request log and restore the default behaviour; the data stays."""
        self._admin.post("/reset").raise_for_status()

    def close(self) -> None:
        self._admin.close()


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1 makes this an error)", pytrace=False)
    pytest.skip(f"{reason}; set {REQUIRE_ENV}=1 to make this an error")


def _needs_install() -> bool:
    # npm writes node_modules/.package-lock.json last; older than the lock means stale.
    installed = SERVER_DIR / "node_modules" / ".package-lock.json"
    if not NODE_22.exists() or not installed.exists():
        return True
    lock = SERVER_DIR / "package-lock.json"
    return lock.exists() and lock.stat().st_mtime > installed.stat().st_mtime


def _install(npm: str) -> None:
    """`npm ci` once, serialised across concurrent pytest sessions on this machine."""
    digest = hashlib.sha256(str(SERVER_DIR).encode()).hexdigest()[:12]
    lock_path = Path(tempfile.gettempdir()) / f"cds-fhir-server-npm-{digest}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _needs_install():
            return
        command = "ci" if (SERVER_DIR / "package-lock.json").exists() else "install"
        try:
            done = subprocess.run(
                [npm, command, "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=SERVER_DIR,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"npm {command} in {SERVER_DIR} took over {INSTALL_TIMEOUT_SECONDS}s")
        if done.returncode != 0 or not NODE_22.exists():
            pytest.fail(
                f"npm {command} in {SERVER_DIR} failed (exit {done.returncode}):\n"
                f"{(done.stdout + done.stderr)[-3000:]}",
                pytrace=False,
            )


def _wait_for_port(process: subprocess.Popen[bytes], stdout: Path, stderr: Path) -> int:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        first_line = stdout.read_text().partition("\n")
        if first_line[1]:
            word, _, port = first_line[0].partition(" ")
            if word == "LISTENING" and port.isdigit():
                return int(port)
            break
        if process.poll() is not None:
            break
        time.sleep(0.05)
    pytest.fail(
        f"FHIR test server did not start (exit code {process.poll()}):\n"
        f"stdout: {stdout.read_text()[-1000:]}\nstderr: {stderr.read_text()[-3000:]}",
        pytrace=False,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()  # --exit-with-stdin: the gentle way
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _load_patients(base_url: str, now: datetime) -> None:
    with httpx.Client(timeout=30) as client:
        for path in sorted(PATIENTS_DIR.glob("*.json")):
            bundle: dict[str, Any] = resolve(json.loads(path.read_text()), now)
            response = client.post(
                base_url, content=json.dumps(bundle), headers={"Content-Type": FHIR_JSON}
            )
            statuses = [e["response"]["status"] for e in response.json().get("entry", [])]
            if response.status_code != 200 or not all(s.startswith("2") for s in statuses):
                pytest.fail(
                    f"loading {path.name} failed: HTTP {response.status_code} "
                    f"{response.text[:2000]}",
                    pytrace=False,
                )


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FhirServer]:
    """The in-memory FHIR R4 server with every patient in fhir_fixtures/patients/ loaded."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        _unavailable("node and npm are needed for the FHIR test server (tests/fhir_server)")
    if _needs_install():
        _install(npm)

    logs = tmp_path_factory.mktemp("fhir_server")
    stdout, stderr = logs / "stdout.txt", logs / "stderr.txt"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(NODE_22), "server.mjs", "--port", "0", "--exit-with-stdin"],
            cwd=SERVER_DIR,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=err,
        )
    server: FhirServer | None = None
    try:
        port = _wait_for_port(process, stdout, stderr)
        now = datetime.now(UTC).replace(microsecond=0)
        server = FhirServer(f"http://127.0.0.1:{port}", now)
        _load_patients(server.base_url, now)
        yield server
    finally:
        if server is not None:
            server.close()
        _stop(process)


@pytest.fixture(autouse=True)
def _fhir_server_fresh_controls(request: pytest.FixtureRequest) -> None:
    """Give each test that uses the shared server a clean log and default behaviour."""
    if "fhir_server" in request.fixturenames:
        request.getfixturevalue("fhir_server").reset()
