"""Prefetch as the spec says: tokens, null keys, absent keys, OperationOutcome values."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cds_service.protocol.prefetch import render_template

URL = "/cds-services/bone-metastasis-advisor"
CONTEXT = {"patientId": "123", "userId": "PractitionerRole/r9", "encounterId": "e7"}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Patient/{{context.patientId}}", "Patient/123"),
        (
            "Condition?patient={{context.patientId}}&encounter={{context.encounterId}}",
            "Condition?patient=123&encounter=e7",
        ),
        ("PractitionerRole?_id={{userPractitionerRoleId}}", "PractitionerRole?_id=r9"),
        (
            "Observation?patient={{ context.patientId }}&code=http://loinc.org|17861-6",
            "Observation?patient=123&code=http://loinc.org|17861-6",
        ),
    ],
)
def test_tokens_are_rendered_from_the_context(template: str, expected: str) -> None:
    assert render_template(template, CONTEXT) == expected


@pytest.mark.parametrize(
    "template",
    [
        "Practitioner/{{userPractitionerId}}",  # the user is a PractitionerRole here
        "Patient/{{userPatientId}}",
        "RelatedPerson/{{userRelatedPersonId}}",
        "Medication?_id={{context.draftOrders}}",  # not a primitive root-level field
        "Encounter/{{context.nothing}}",
    ],
)
def test_a_token_the_context_cannot_fill_makes_no_query(template: str) -> None:
    context = {**CONTEXT, "draftOrders": {"resourceType": "Bundle"}}
    assert render_template(template, context) is None


def test_values_are_url_encoded() -> None:
    assert render_template("Patient/{{context.patientId}}", {"patientId": "a&b"}) == "Patient/a%26b"


def _request(prefetch: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "0b5b7a52-3a43-4e2b-9f2c-5f9f0a1b2c3d",
        "context": {"patientId": "123", "userId": "Practitioner/u1"},
        **extra,
    }
    if prefetch is not None:
        request["prefetch"] = prefetch
    return request


async def _all_null(client: httpx.AsyncClient) -> dict[str, None]:
    services = (await client.get("/cds-services")).json()["services"]
    advisor = next(s for s in services if s["id"] == "bone-metastasis-advisor")
    return dict.fromkeys(advisor["prefetch"])


async def test_null_keys_mean_no_data_and_are_not_fetched(client: httpx.AsyncClient) -> None:
    # No fhirServer: had a null key been treated as "fetch", the answer would be 412.
    response = await client.post(URL, json=_request(await _all_null(client)))
    assert response.status_code == 200
    assert response.json() == {"cards": []}


async def test_an_absent_key_without_fhir_server_is_412(client: httpx.AsyncClient) -> None:
    prefetch = await _all_null(client)
    del prefetch["conditions"]
    response = await client.post(URL, json=_request(prefetch))
    assert response.status_code == 412
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert "conditions" in body["issue"][0]["diagnostics"]


async def test_an_operation_outcome_value_must_be_fetched(client: httpx.AsyncClient) -> None:
    prefetch: dict[str, Any] = await _all_null(client)
    prefetch["patient"] = {"resourceType": "OperationOutcome", "issue": []}
    response = await client.post(URL, json=_request(prefetch))
    assert response.status_code == 412
    assert "patient" in response.json()["issue"][0]["diagnostics"]


async def test_no_prefetch_and_no_fhir_server_is_412(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json=_request(None))
    assert response.status_code == 412
