"""Start the project's in-memory FHIR test server (tests/fhir_server) outside pytest.

The same command as the `fhir_server` pytest fixture (tests/support/fhir_server.py),
whose helpers call pytest.fail/skip and so cannot be reused here:

    with running_fhir_server() as base_url:   # None when node/npm are missing
        load_transaction(base_url, bundle)
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson

SERVER_DIR = Path(__file__).resolve().parents[1] / "tests" / "fhir_server"
NODE = SERVER_DIR / "node_modules" / ".bin" / "node"


@contextmanager
def running_fhir_server() -> Iterator[str | None]:
    npm = shutil.which("npm")
    if not NODE.exists():
        if npm is None:
            yield None
            return
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=SERVER_DIR,
            check=True,
            timeout=600,
        )
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            [str(NODE), "server.mjs", "--port", "0", "--exit-with-stdin"],
            cwd=SERVER_DIR,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        try:
            port = None
            deadline = time.monotonic() + 30
            while port is None and time.monotonic() < deadline and process.poll() is None:
                out.seek(0)
                word, _, rest = out.read().decode().partition("\n")[0].partition(" ")
                if word == "LISTENING" and rest.isdigit():
                    port = int(rest)
                else:
                    time.sleep(0.05)
            if port is None:
                raise RuntimeError("the FHIR test server did not start")
            yield f"http://127.0.0.1:{port}/fhir/R4"
        finally:
            if process.stdin is not None:
                process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.terminate()
                process.wait(timeout=5)


def load_transaction(base_url: str, bundle: dict[str, Any], *, chunk: int = 20) -> None:
    """PUT every entry of a transaction Bundle, in transactions of `chunk` entries
    (Medplum refuses bigger ones: "more update operations than allowed")."""
    entries = bundle["entry"]
    with httpx.Client(timeout=120) as client:
        for start in range(0, len(entries), chunk):
            part = {**bundle, "entry": entries[start : start + chunk]}
            response = client.post(
                base_url,
                content=orjson.dumps(part),
                headers={"Content-Type": "application/fhir+json"},
            )
            response.raise_for_status()
            statuses = [e["response"]["status"] for e in response.json().get("entry", [])]
            if not all(s.startswith("2") for s in statuses):
                raise RuntimeError("the FHIR server refused part of the transaction")
