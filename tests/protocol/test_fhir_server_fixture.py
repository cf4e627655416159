"""The FHIR test server does what the fetch-path tests rely on it to do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.support.fhir_server import FhirServer

pytestmark = pytest.mark.fhir_server

HYPERCALCEMIA = "demo-bc-hypercalcemia"
CALCIUM = "http://loinc.org|17861-6"
ALBUMIN = "http://loinc.org|1751-7"
ALP = "http://loinc.org|6768-6"


def _search(server: FhirServer, resource_type: str, **params: str) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/{resource_type}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle: dict[str, Any] = response.json()
    assert bundle["type"] == "searchset"
    return bundle


def _codes(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["code"]["coding"][0]["code"] for e in bundle.get("entry", [])]


def _link(bundle: dict[str, Any], relation: str) -> str | None:
    return next((lk["url"] for lk in bundle.get("link", []) if lk["relation"] == relation), None)


def test_search_by_code_returns_the_loaded_observations_with_resolved_dates(
    fhir_server: FhirServer,
) -> None:
    bundle = _search(fhir_server, "Observation", patient=HYPERCALCEMIA, code=f"{CALCIUM},{ALBUMIN}")

    assert sorted(_codes(bundle)) == ["1751-7", "17861-6"]
    [calcium] = [e["resource"] for e in bundle["entry"] if e["resource"]["id"].endswith("calcium")]
    assert calcium["valueQuantity"] == {
        "value": 12.4,
        "unit": "mg/dL",
        "system": "http://unitsofmeasure.org",
        "code": "mg/dL",
    }
    two_days_ago = fhir_server.now - timedelta(days=2)
    assert calcium["effectiveDateTime"] == two_days_ago.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_date_prefix_and_sort_filter_and_order_results(fhir_server: FhirServer) -> None:
    five_days_ago = (fhir_server.now - timedelta(days=5)).date().isoformat()

    bundle = _search(
        fhir_server,
        "Observation",
        patient=HYPERCALCEMIA,
        code=f"{CALCIUM},{ALP}",
        date=f"ge{five_days_ago}",
        _sort="-date",
    )

    assert _codes(bundle) == ["17861-6"]  # ALP, 10 days old, is filtered out
    everything = _search(fhir_server, "Observation", patient=HYPERCALCEMIA, _sort="-date")
    dates = [e["resource"]["effectiveDateTime"] for e in everything["entry"]]
    assert dates == sorted(dates, reverse=True)
    assert len(dates) == 5


def test_paging_gives_a_next_link_on_the_same_origin_until_the_last_page(
    fhir_server: FhirServer,
) -> None:
    first = _search(fhir_server, "Observation", patient=HYPERCALCEMIA, _count="1", _sort="-date")
    seen = _codes(first)
    next_url = _link(first, "next")
    assert next_url is not None
    assert next_url.startswith(fhir_server.base_url + "/Observation?")

    while next_url is not None:
        page = httpx.get(next_url, timeout=10).json()
        seen += _codes(page)
        next_url = _link(page, "next")

    assert len(seen) == first["total"] == 5
    assert len(set(seen)) == 5


def test_required_token_refuses_requests_without_it(fhir_server: FhirServer) -> None:
    fhir_server.set_behaviour(required_token="abc")
    url = f"{fhir_server.base_url}/Patient/{HYPERCALCEMIA}"

    missing = httpx.get(url, timeout=10)
    wrong = httpx.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    right = httpx.get(url, headers={"Authorization": "Bearer abc"}, timeout=10)

    assert missing.status_code == 401
    assert missing.json()["resourceType"] == "OperationOutcome"
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert right.json()["id"] == HYPERCALCEMIA


def test_request_log_records_method_path_and_authorization(fhir_server: FhirServer) -> None:
    httpx.get(
        f"{fhir_server.base_url}/Condition",
        params={"patient": HYPERCALCEMIA},
        headers={"Authorization": "Bearer xyz"},
        timeout=10,
    )

    [recorded] = fhir_server.requests()

    assert recorded.method == "GET"
    assert recorded.path == f"/fhir/R4/Condition?patient={HYPERCALCEMIA}"
    assert recorded.authorization == "Bearer xyz"


def test_injected_status_and_delay_apply_until_reset(fhir_server: FhirServer) -> None:
    url = f"{fhir_server.base_url}/Patient/{HYPERCALCEMIA}"
    fhir_server.set_behaviour(status=500, delay_ms=300)

    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url, timeout=0.1)
    failed = httpx.get(url, timeout=10)
    fhir_server.reset()

    assert failed.status_code == 500
    assert failed.json()["resourceType"] == "OperationOutcome"
    assert httpx.get(url, timeout=0.5).status_code == 200


def test_reset_clears_the_log_and_the_token_requirement(fhir_server: FhirServer) -> None:
    url = f"{fhir_server.base_url}/Patient/demo-no-cancer"
    fhir_server.set_behaviour(required_token="abc")
    assert httpx.get(url, timeout=10).status_code == 401

    fhir_server.reset()

    assert fhir_server.requests() == []
    assert httpx.get(url, timeout=10).status_code == 200
