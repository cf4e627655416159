"""Every malformed call gets a 4xx with an OperationOutcome naming the problem; never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from cds_service.services.prefetch_templates import PATIENT_VIEW_PREFETCH

URL = "/cds-services/bone-metastasis-advisor"


def hook_request(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"patientId": "p1", "userId": "Practitioner/u1"},
        "prefetch": dict.fromkeys(PATIENT_VIEW_PREFETCH),
    }
    request.update(overrides)
    return request


def assert_outcome(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    diagnostics = body["issue"][0]["diagnostics"]
    for word in words:
        assert word in diagnostics


async def test_unknown_service_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/cds-services/no-such-service", json=hook_request())
    assert_outcome(response, 404, "no-such-service")


async def test_a_hook_the_service_does_not_answer_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json=hook_request(hook="order-sign"))
    assert_outcome(response, 400, "patient-view", "order-sign")


@pytest.mark.parametrize(
    ("remove", "field"),
    [
        (("hook",), "hook"),
        (("hookInstance",), "hookInstance"),
        (("context", "patientId"), "context.patientId"),
        (("context",), "context"),
    ],
)
async def test_missing_required_field_is_400(
    client: httpx.AsyncClient, remove: tuple[str, ...], field: str
) -> None:
    request = hook_request()
    target = request
    for key in remove[:-1]:
        target = target[key]
    del target[remove[-1]]
    assert_outcome(await client.post(URL, json=request), 400, field)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"{", b"[1, 2]", b'"a string"', b"\xff\xfe", b"null"],
    ids=["empty", "text", "truncated", "array", "string", "binary", "null"],
)
async def test_a_body_that_is_not_a_json_object_is_400(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(URL, content=body, headers={"content-type": "application/json"})
    assert_outcome(response, 400)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hook", 7),
        ("hookInstance", ""),
        ("context", "p1"),
        ("fhirServer", "ftp://example.org"),
        ("prefetch", ["a"]),
        ("fhirAuthorization", {"access_token": "t", "token_type": "MAC"}),
    ],
)
async def test_fields_of_the_wrong_type_are_400(
    client: httpx.AsyncClient, field: str, value: Any
) -> None:
    assert_outcome(await client.post(URL, json=hook_request(**{field: value})), 400, field)


async def test_fhir_authorization_without_fhir_server_is_400(client: httpx.AsyncClient) -> None:
    auth = {
        "access_token": "t",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "cds",
    }
    response = await client.post(URL, json=hook_request(fhirAuthorization=auth))
    assert_outcome(response, 400, "fhirServer")


async def test_a_prefetch_value_that_is_not_a_resource_is_400(client: httpx.AsyncClient) -> None:
    request = hook_request(prefetch={"patient": "123", "conditions": None})
    assert_outcome(await client.post(URL, json=request), 400, "prefetch.patient")


async def test_a_body_over_the_limit_is_413(client_with: Callable[..., Any]) -> None:
    async with client_with(max_body_bytes=2048) as client:
        padding = {"note": "x" * 4096}
        response = await client.post(URL, json=hook_request(**padding))
        assert_outcome(response, 413, "2048")
        assert (await client.post(URL, json=hook_request())).status_code == 200


async def test_nesting_deeper_than_the_limit_is_400(client_with: Callable[..., Any]) -> None:
    async with client_with(max_json_depth=16) as client:
        deep: Any = "leaf"
        for _ in range(40):
            deep = {"a": deep}
        response = await client.post(URL, content=orjson.dumps(hook_request(extra=deep)))
        assert_outcome(response, 400, "nesting")


async def test_too_many_prefetch_entries_is_400(client_with: Callable[..., Any]) -> None:
    async with client_with(max_prefetch_entries=5) as client:
        prefetch = {f"k{i}": None for i in range(6)}
        response = await client.post(URL, json=hook_request(prefetch=prefetch))
        assert_outcome(response, 400, "prefetch", "5")


async def test_wrong_method_and_unknown_path_are_operation_outcomes(
    client: httpx.AsyncClient,
) -> None:
    assert_outcome(await client.get(URL), 405)
    assert_outcome(await client.get("/nowhere"), 404)
