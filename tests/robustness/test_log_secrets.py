"""No token, JWT or patient id in the logs, whatever the call's fate.

The logs are captured as production writes them: `configure_logging("DEBUG")` (the
service's JSON formatter, every level) with stderr swapped for a buffer. Calls carry a
known FHIR access token, a JWT-looking Authorization header and a known patient id,
and end in 200, 4xx, 401 and the 412s of the failing FHIR servers.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cds_service.observability.logging import configure_logging
from cds_service.services.prefetch_templates import PATIENT_VIEW_PREFETCH
from tests.support.app import make_settings, running_client
from tests.support.misbehaving_fhir import MisbehavingFhir

URL = "/cds-services/bone-metastasis-advisor"
FHIR_TOKEN = "fhir-access-token-5e1b0c"
PATIENT_ID = "pt-4c9e21aa"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


JWT = ".".join(
    [
        _b64({"alg": "ES384", "typ": "JWT", "kid": "k1"}),
        _b64({"iss": "https://ehr.untrusted.example", "sub": "client", "jti": "j-77a1"}),
        "c2lnbmF0dXJlLW5vdC12YWxpZA",
    ]
)
SECRETS = [FHIR_TOKEN, JWT, *JWT.split("."), PATIENT_ID]
TRUSTED_ISSUERS = Path(__file__).resolve().parents[2] / "docs" / "trusted-issuers.example.yaml"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything the service logs, as JSON lines, at every level."""
    buffer = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    saved_stderr = sys.stderr
    sys.stderr = buffer
    try:
        configure_logging("DEBUG")
    finally:
        sys.stderr = saved_stderr
    try:
        yield buffer
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False


def hook_request(fhir_server: str | None, **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "a6e0b7a2-logs",
        "context": {"patientId": PATIENT_ID, "userId": "Practitioner/u1"},
    }
    if fhir_server is not None:
        request["fhirServer"] = fhir_server
        request["fhirAuthorization"] = {
            "access_token": FHIR_TOKEN,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "bone-metastasis-advisor",
        }
    request.update(overrides)
    return request


def assert_no_secret(output: str) -> None:
    assert output.strip(), "nothing was logged: the capture is broken"
    for line in output.splitlines():
        json.loads(line)  # one JSON object per line
    leaking = [line for line in output.splitlines() if any(s in line for s in SECRETS)]
    assert leaking == [], "\n".join(line[:500] for line in leaking[:10])


async def test_calls_of_every_outcome_log_no_secret(
    log_output: io.StringIO, misbehaving_fhir: MisbehavingFhir, tmp_path: Path
) -> None:
    headers = {"Authorization": f"Bearer {JWT}"}
    settings = make_settings(tmp_path, fhir_time_budget_seconds=1.0)
    async with running_client(settings) as client:
        statuses = []
        for behaviour in ("ok", "out-of-scope", "status-500", "status-401", "slow", "huge"):
            body = hook_request(misbehaving_fhir.base_url(behaviour))
            response = await client.post(URL, json=body, headers=headers)
            statuses.append(response.status_code)
        for body in (
            hook_request(None, prefetch=dict.fromkeys(PATIENT_VIEW_PREFETCH)),  # 200
            hook_request(None, hook="order-sign"),  # 400
            hook_request(None, prefetch={"patient": PATIENT_ID}),  # 400
            hook_request(None, context={"patientId": PATIENT_ID + "\u202e"}),  # 400
            hook_request(misbehaving_fhir.base_url("ok"), hookInstance=""),  # 400
        ):
            response = await client.post(URL, json=body, headers=headers)
            statuses.append(response.status_code)
        response = await client.post(
            f"/cds-services/{PATIENT_ID}", json=hook_request(None), headers=headers
        )
        statuses.append(response.status_code)
        response = await client.get(f"/nowhere/{PATIENT_ID}?token={FHIR_TOKEN}")
        statuses.append(response.status_code)
    assert statuses == [200, 200, 412, 412, 412, 412, 200, 400, 400, 400, 400, 404, 404]
    assert_no_secret(log_output.getvalue())


async def test_a_refused_jwt_logs_no_secret(log_output: io.StringIO, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, auth_disabled=False, trusted_issuers_file=TRUSTED_ISSUERS)
    async with running_client(settings) as client:
        response = await client.post(
            URL, json=hook_request(None), headers={"Authorization": f"Bearer {JWT}"}
        )
        garbled = await client.post(
            URL, json=hook_request(None), headers={"Authorization": f"Bearer {JWT}.x y"}
        )
    assert (response.status_code, garbled.status_code) == (401, 401)
    assert_no_secret(log_output.getvalue())
