"""The deployment files, parsed once for the tests beside this file."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from cds_service.settings import Settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"

SETTING_VARIABLES = frozenset(f"CDS_{name.upper()}" for name in Settings.model_fields)

_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def interpolate(value: str, environment: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` against `environment`."""

    def replace(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if environment.get(name):
            return environment[name]
        if operator == "-":
            return argument
        raise KeyError(f"{name} must be set ({argument or 'no default'})")

    return _INTERPOLATION.sub(replace, value)


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return document


START_TIMEOUT_SECONDS = 60


@contextmanager
def serving(env: dict[str, str], cwd: Path, *, ready_path: str = "/readyz") -> Iterator[str]:
    """`cds-service serve` in a subprocess with `env`; yields its base URL once ready.

    Stops it (SIGTERM to the process group it was started in) on exit.
    """
    base = f"http://{env['CDS_HOST']}:{env['CDS_PORT']}"
    log_path = cwd / f"serve-{env['CDS_PORT']}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", "from cds_service.cli import main; main()", "serve"],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while True:
                try:
                    if httpx.get(base + ready_path, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"service did not become ready:\n{log_path.read_text()[-4000:]}")
                time.sleep(0.2)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
