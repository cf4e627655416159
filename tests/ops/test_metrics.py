"""GET /metrics moves as calls are made: hook calls, latency, cards, FHIR fetch, auth."""

from __future__ import annotations

from pathlib import Path

import httpx

from cds_service.app import create_app
from cds_service.clock import FixedClock
from cds_service.observability import metrics
from tests.ops.support import (
    SERVICE_ID,
    TwoCardService,
    closed_port,
    delta,
    hook_request,
    scrape,
)
from tests.support.app import EVALUATION_TIME, make_settings

URL = f"/cds-services/{SERVICE_ID}"


async def test_hook_calls_cards_and_fhir_fetches_are_counted(tmp_path: Path) -> None:
    service = TwoCardService(prefetch={"patient": "Patient/{{context.patientId}}"})
    app = create_app(make_settings(tmp_path), clock=FixedClock(EVALUATION_TIME), services=[service])
    fhir_server = f"http://127.0.0.1:{closed_port()}/fhir"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            before = await scrape(client)
            for _ in range(3):  # prefetch given: no FHIR fetch
                answer = await client.post(URL, json={**hook_request(), "prefetch": {}})
                assert answer.status_code == 200
            # No prefetch: the service fetches from a FHIR server that refuses connections.
            answer = await client.post(URL, json={**hook_request(), "fhirServer": fhir_server})
            assert answer.status_code == 200
            assert (await client.post(URL, json={"hook": "patient-view"})).status_code == 400
            assert (await client.post("/cds-services/nope", json=hook_request())).status_code == 404
            after = await scrape(client)

    labels = {"service": SERVICE_ID, "hook": "patient-view"}
    assert delta(before, after, "cds_hook_requests_total", **labels, status="200") == 4
    assert delta(before, after, "cds_hook_requests_total", **labels, status="400") == 1
    unknown = {"service": "unknown", "hook": "unknown", "status": "404"}
    assert delta(before, after, "cds_hook_requests_total", **unknown) == 1
    assert delta(before, after, "cds_hook_request_duration_seconds_count", **labels) == 5
    assert (
        delta(before, after, "cds_hook_request_duration_seconds_bucket", **labels, le="+Inf") == 5
    )

    card = {"service": SERVICE_ID}
    assert (
        delta(before, after, "cds_cards_total", **card, topic="hypercalcemia", indicator="critical")
        == 4
    )
    assert delta(before, after, "cds_cards_total", **card, topic="none", indicator="info") == 4

    assert delta(before, after, "cds_fhir_fetch_errors_total", kind="unreachable") == 1
    assert delta(before, after, "cds_fhir_fetch_duration_seconds_count") == 1


async def test_auth_failures_are_counted_by_bounded_reason(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    metrics.record_auth_failure("expired")
    metrics.record_auth_failure("expired")
    metrics.record_auth_failure("iss=https://attacker.example/ chose this text")
    after = await scrape(client)
    assert delta(before, after, "cds_auth_failures_total", reason="expired") == 2
    assert delta(before, after, "cds_auth_failures_total", reason="other") == 1


async def test_metrics_carry_no_patient_data(tmp_path: Path) -> None:
    service = TwoCardService()
    settings = make_settings(tmp_path)
    app = create_app(settings, clock=FixedClock(EVALUATION_TIME), services=[service])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            await client.post(URL, json={**hook_request(), "prefetch": {}})
            text = (await client.get("/metrics")).text
    assert "patient-ops" not in text
    assert "cds_hook_requests_total" in text
