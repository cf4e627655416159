"""Every request leaves one JSON line with its identifiers, and none with a patient or a token."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml

from cds_service.app import create_app
from cds_service.clock import FixedClock
from cds_service.observability.logging import JsonFormatter
from tests.ops.support import (
    HOOK_INSTANCE,
    PATIENT_ID,
    SERVICE_ID,
    TwoCardService,
    closed_port,
    hook_request,
)
from tests.support.app import EVALUATION_TIME, make_settings

FHIR_TOKEN = "fhir-access-token-0b6c1d2e3f"
BEARER = "eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJodHRwczovL2Voci50ZXN0In0.c2lnbmF0dXJl"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the service logs, formatted and filtered as `configure_logging` does in
    production (JSON, one object per line; httpx's own request lines off)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root, httpx_logger = logging.getLogger(), logging.getLogger("httpx")
    previous = root.level, httpx_logger.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    httpx_logger.setLevel(logging.WARNING)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous[0])
        httpx_logger.setLevel(previous[1])


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


async def _call(
    app: Any, *requests: tuple[str, str, dict[str, Any] | None, dict[str, str]]
) -> None:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            for method, path, body, headers in requests:
                await client.request(method, path, json=body, headers=headers)


async def test_each_request_line_carries_its_fields(tmp_path: Path, log_lines: io.StringIO) -> None:
    service = TwoCardService(prefetch={"patient": "Patient/{{context.patientId}}"})
    app = create_app(make_settings(tmp_path), clock=FixedClock(EVALUATION_TIME), services=[service])
    fhir = {
        "fhirServer": f"http://127.0.0.1:{closed_port()}/fhir",
        "fhirAuthorization": {
            "access_token": FHIR_TOKEN,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "cds-service",
        },
    }
    await _call(
        app,
        ("POST", f"/cds-services/{SERVICE_ID}", {**hook_request(), **fhir}, {}),
        ("GET", f"/cds-services?patient={PATIENT_ID}", None, {}),
        ("GET", "/healthz", None, {}),
    )
    lines = parsed(log_lines)
    requests = [line for line in lines if line["logger"] == "cds_service.access"]
    assert len(requests) == 3
    for line in requests:
        assert {"time", "level", "status", "durationMs", "method", "path"} <= line.keys()
        assert line["level"] == "INFO"
        assert isinstance(line["durationMs"], float | int)
    hook_call = requests[0]
    assert hook_call["hookInstance"] == HOOK_INSTANCE
    assert hook_call["service"] == SERVICE_ID
    assert hook_call["status"] == 200
    assert requests[1]["status"] == 200
    assert "hookInstance" not in requests[2]
    # The FHIR fetch failure is logged too, with the hook call's identifiers.
    assert any(line.get("hookInstance") == HOOK_INSTANCE for line in lines if line is not hook_call)
    text = log_lines.getvalue()
    assert PATIENT_ID not in text
    assert FHIR_TOKEN not in text


async def test_a_refused_token_is_not_logged(tmp_path: Path, log_lines: io.StringIO) -> None:
    issuers = tmp_path / "trusted-issuers.yaml"
    issuers.write_text(
        yaml.safe_dump({"issuers": [{"iss": "https://ehr.test", "jwks_url": "https://ehr.test/k"}]})
    )
    settings = make_settings(tmp_path, auth_disabled=False, trusted_issuers_file=issuers)
    app = create_app(settings, clock=FixedClock(EVALUATION_TIME))
    await _call(
        app,
        (
            "POST",
            "/cds-services/bone-metastasis-advisor",
            hook_request(),
            {"Authorization": f"Bearer {BEARER}"},
        ),
    )
    lines = parsed(log_lines)
    access = [line for line in lines if line["logger"] == "cds_service.access"]
    assert [line["status"] for line in access] == [401]
    text = log_lines.getvalue()
    assert BEARER not in text
    for part in BEARER.split("."):
        assert part not in text
    assert PATIENT_ID not in text
