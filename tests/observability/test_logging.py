"""Start-up logs an operator reads: one loud line when auth is off, clean JSON lines."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from cds_service.observability.logging import JsonFormatter
from tests.support.app import make_settings, running_client


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(previous)


async def test_auth_disabled_is_announced_once_at_start(
    tmp_path: Path, log_lines: io.StringIO
) -> None:
    async with running_client(make_settings(tmp_path, auth_disabled=True)) as client:
        assert (await client.get("/cds-services")).status_code == 200
    records = [orjson.loads(line) for line in log_lines.getvalue().splitlines()]
    warnings = [r for r in records if "DISABLED" in r["message"]]
    assert len(warnings) == 1
    assert warnings[0]["level"] == "WARNING"


def test_uvicorn_colour_codes_stay_out_of_json(log_lines: io.StringIO) -> None:
    logging.getLogger("uvicorn.error").info(
        "Started server process [1]", extra={"color_message": "Started \x1b[36m%d\x1b[0m"}
    )
    entry = orjson.loads(log_lines.getvalue().splitlines()[-1])
    assert entry["message"] == "Started server process [1]"
    assert "color_message" not in entry
