"""The deployment files, parsed once for the tests beside this file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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
