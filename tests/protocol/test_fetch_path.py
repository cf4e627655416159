"""The fetch path against a real FHIR server: absent keys fetched with the EHR's token."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.app import make_settings, running_client
from tests.support.fhir_server import FhirServer

URL = "/cds-services/bone-metastasis-advisor"
TOKEN = "opaque-fhir-token-3f9a"
pytestmark = pytest.mark.fhir_server


def _request(server: FhirServer, prefetch: dict[str, Any] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "6f1c2e8a-1d4b-4e55-8a8e-2b7c9d0e1f23",
        "fhirServer": server.base_url,
        "fhirAuthorization": {
            "access_token": TOKEN,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "bone-metastasis-advisor",
        },
        "context": {"patientId": "demo-bc-hypercalcemia", "userId": "Practitioner/u1"},
    }
    if prefetch is not None:
        request["prefetch"] = prefetch
    return request


async def _templates(client: Any) -> dict[str, str]:
    services = (await client.get("/cds-services")).json()["services"]
    return next(s for s in services if s["id"] == "bone-metastasis-advisor")["prefetch"]


async def test_req_061_absent_keys_are_fetched_with_the_token(
    fhir_server: FhirServer, tmp_path: Path
) -> None:
    async with running_client(make_settings(tmp_path), now=fhir_server.now) as client:
        templates = await _templates(client)
        response = await client.post(URL, json=_request(fhir_server))
    assert response.status_code == 200, response.text
    seen = fhir_server.requests()
    assert {r.authorization for r in seen} == {f"Bearer {TOKEN}"}
    fetched_types = {r.path.split("/fhir/R4/")[1].split("?")[0].split("/")[0] for r in seen}
    wanted_types = {t.split("?")[0].split("/")[0] for t in templates.values()}
    assert fetched_types == wanted_types


async def test_a_null_key_is_not_fetched(fhir_server: FhirServer, tmp_path: Path) -> None:
    async with running_client(make_settings(tmp_path), now=fhir_server.now) as client:
        response = await client.post(URL, json=_request(fhir_server, {"conditions": None}))
    assert response.status_code == 200, response.text
    assert not [r for r in fhir_server.requests() if "/Condition" in r.path]
    assert [r for r in fhir_server.requests() if "/Patient/" in r.path]


async def test_a_fhir_401_is_412(fhir_server: FhirServer, tmp_path: Path) -> None:
    fhir_server.set_behaviour(required_token="a-different-token")
    async with running_client(make_settings(tmp_path), now=fhir_server.now) as client:
        response = await client.post(URL, json=_request(fhir_server))
    assert response.status_code == 412
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert "401" in body["issue"][0]["diagnostics"]
    assert TOKEN not in response.text


async def test_a_server_slower_than_the_budget_is_412_within_budget_plus_one_second(
    fhir_server: FhirServer, tmp_path: Path
) -> None:
    fhir_server.set_behaviour(delay_ms=5000)
    settings = make_settings(tmp_path, fhir_time_budget_seconds=1.0)
    async with running_client(settings, now=fhir_server.now) as client:
        started = time.perf_counter()
        response = await client.post(URL, json=_request(fhir_server))
        elapsed = time.perf_counter() - started
    assert response.status_code == 412
    assert elapsed < 1.0 + 1.0
    assert "within 1 s" in response.json()["issue"][0]["diagnostics"]
